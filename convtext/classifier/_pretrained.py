"""Where a pretrained model named by the user is: a local folder, ``minilm``, a zoo name or a Hugging Face Hub id."""

from __future__ import annotations

from pathlib import Path

from .._errors import ConvtextError
from ..artifact import ArtifactError, read_config
from ..distill import TASK, SentenceEncoder
from ..hub import RECIPES, model_folder
from ..minilm import PretrainedBody, minilm_body

__all__ = ["open_pretrained", "pretrained_source"]


def pretrained_source(name_or_path: str | Path) -> Path | PretrainedBody:
    """The model folder ``name_or_path`` stands for, or MiniLM's whole body for ``"minilm"``."""
    folder = model_folder(name_or_path)
    return minilm_body() if folder is None else folder


def open_pretrained(classifier_type, name_or_path: str | Path):
    """``TextClassifier.from_pretrained``: a ``classifier_type`` (or a ``SentenceEncoder``, or MiniLM's body)."""
    source = pretrained_source(name_or_path)
    if isinstance(source, PretrainedBody):
        return source
    try:
        if read_config(source)["convtext"].get("task") == TASK:
            return SentenceEncoder.load(source)
        return classifier_type.load(source)
    except ArtifactError as error:
        if str(name_or_path) in RECIPES and not Path(name_or_path).is_dir():
            raise ConvtextError(f"{error} — rebuild it with `convtext zoo build {name_or_path} --force`") from None
        raise
