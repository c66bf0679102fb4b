"""Where a pretrained model named by the user is: a local folder, ``minilm``, a zoo name or a Hugging Face Hub id."""

from __future__ import annotations

from pathlib import Path

from .._errors import ConvtextError
from ..hub import RECIPES, download, zoo_path
from ..minilm import PretrainedBody, minilm_body

__all__ = ["pretrained_source"]


def pretrained_source(name_or_path: str | Path) -> Path | PretrainedBody:
    """The model folder ``name_or_path`` stands for, or MiniLM's whole body for ``"minilm"``."""
    path = Path(name_or_path)
    if path.is_dir():
        return path
    name = str(name_or_path)
    if name == "minilm":
        return minilm_body()
    if name in RECIPES:
        if not zoo_path(name).exists():
            raise ConvtextError(f"zoo model {name} is not built yet — run `convtext zoo build {name}`")
        return zoo_path(name)
    if name.count("/") == 1 and not name.startswith((".", "/")):
        return download(name)
    raise ConvtextError(
        f"{name}: not a model folder, 'minilm', a zoo name ({', '.join(sorted(RECIPES))}) or a Hugging Face Hub id "
        "(owner/name)"
    )
