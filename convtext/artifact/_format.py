"""Model folders as PyTorch models: writing one, and loading one with every tensor shape checked against the
config before weights are allocated (the folder's files and config: ``_folder.py``).

No pickle anywhere. Saving goes through ``write_atomically`` (``_atomic.py``), so a crash or kill mid-save
never leaves a half-written model under the target name.
"""

from __future__ import annotations

from pathlib import Path

import torch

from .._errors import ArtifactError
from .._tensor_file import write_tensors
from .._version import __version__
from ..models import TextModel, checked_model, checked_tensors, load_weights
from ..tokenize import TextTokenizer
from ._folder import (
    ENSEMBLE,
    FORMAT,
    MULTITASK,
    TOKENIZER,
    WEIGHTS,
    checked_weights_file,
    model_settings,
    read_config,
    read_tokenizer,
)

__all__ = ["build_model", "check_tokenizer_fits", "config_for", "read_model", "read_weights", "write_model"]


def write_model(folder: Path, model: TextModel, tokenizer: TextTokenizer, config: dict) -> None:
    """``tokenizer.json`` and ``model.safetensors`` (+ the config) into ``folder``; weights go to disk as CPU
    tensors, so a model trained on a GPU loads anywhere, and the model returns to its device. The tensors a
    compressed model's config lists (``convtext.compression.int8``) are stored as int8 rows."""
    int8 = (config["convtext"].get("compression") or {}).get("int8", [])
    tokenizer.save(folder / TOKENIZER, pretty=not int8)
    device = next(model.parameters()).device
    model.cpu().save_pretrained(folder, config=config)
    if int8:  # a compressed model: those tensors as int8 rows (``convtext._tensor_file``)
        state = {name: tensor.detach().numpy() for name, tensor in model.state_dict().items()}
        write_tensors(folder / WEIGHTS, state, int8)
    model.to(device)


def build_model(config: dict) -> TextModel:
    """An untrained model of the configured architecture on the meta device (shapes, no memory), every setting
    checked and the size bounded first (``convtext.models.checked_model``)."""
    return checked_model(config["architecture"], model_settings(config))


def read_model(folder: str | Path) -> tuple[TextModel, TextTokenizer, dict]:
    """Load ``(model, tokenizer, config)`` from a model folder, checking that everything agrees."""
    folder = Path(folder)
    config = read_config(folder)
    if config["convtext"].get("task") == MULTITASK:
        raise ArtifactError(
            f"{folder} is a multi-task model (tasks: {', '.join(config['convtext']['tasks'])}) — load one task with "
            "convtext.load(folder, task=NAME) (CLI: --task NAME), or all with convtext.MultiTaskClassifier.load(folder)"
        )
    if config["convtext"].get("task") == ENSEMBLE:
        raise ArtifactError(
            f"{folder} is an ensemble of {len(config['convtext']['members'])} models — load it with "
            "convtext.load(folder) or TextClassifier.load(folder); one member's model is in its members/ folder"
        )
    tokenizer = read_tokenizer(folder)
    model = build_model(config)
    check_tokenizer_fits(folder, model, tokenizer)
    outputs = config["convtext"].get("output_dim") or len(config["convtext"]["labels"])
    if model.num_classes != outputs:
        raise ArtifactError(f"{folder}: config.json promises {outputs!r} outputs, the model has {model.num_classes}")
    return load_weights(model, checked_weights_file(folder)), tokenizer, config


def check_tokenizer_fits(folder: Path, model: TextModel, tokenizer: TextTokenizer) -> None:
    """The model's vocabulary size and padding id are the tokenizer's."""
    if model.vocab_size != tokenizer.vocab_size:
        raise ArtifactError(
            f"{folder}: config.json says vocab_size {model.vocab_size} but tokenizer.json has {tokenizer.vocab_size}"
        )
    if model.pad_id != tokenizer.pad_id:
        raise ArtifactError(
            f"{folder}: config.json says pad_id {model.pad_id!r} but the tokenizer pads with {tokenizer.pad_id}"
        )


def read_weights(folder: Path, expected: dict[str, tuple[int, ...]], name: str = WEIGHTS) -> dict[str, torch.Tensor]:
    """``model.safetensors`` (or ``name``) as tensors, after checking its digest (``digests.json``) and, in its header
    before any tensor is loaded, that it holds exactly the ``expected`` names and shapes, all float32 and finite."""
    return checked_tensors(checked_weights_file(folder, name), expected)


def config_for(model: TextModel, tokenizer: TextTokenizer, meta: dict) -> dict:
    """config.json: the model's hyperparameters at top level (so ``TextCNN.from_pretrained`` works too),
    plus ``architecture`` and a ``convtext`` entry with labels, max length, tokenizer and metrics."""
    return {
        **model.config(),
        "architecture": model.architecture,
        "convtext": {"format": FORMAT, "version": __version__, "tokenizer": tokenizer.config(), **meta},
    }
