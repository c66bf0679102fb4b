"""Model folders as PyTorch models: writing one, and loading one with every tensor shape checked against the
config before weights are allocated (the folder's files and config: ``_folder.py``).

No pickle anywhere. Saving goes through ``write_atomically`` (``_atomic.py``), so a crash or kill mid-save
never leaves a half-written model under the target name.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file

from .._errors import ArtifactError, ConvtextError
from .._version import __version__
from ..models import TextModel, create_model, is_pretrained_only, model_entrypoint
from ..tokenize import TextTokenizer
from ._folder import (
    FORMAT,
    MULTITASK,
    TOKENIZER,
    WEIGHTS,
    checked_weights_file,
    model_settings,
    read_config,
    read_tokenizer,
    unreadable_weights,
)

__all__ = ["build_model", "check_tokenizer_fits", "config_for", "read_model", "read_weights", "write_model"]


def write_model(folder: Path, model: TextModel, tokenizer: TextTokenizer, config: dict) -> None:
    """``tokenizer.json`` and ``model.safetensors`` (+ the config) into ``folder``; weights go to disk as CPU
    tensors, so a model trained on a GPU loads anywhere, and the model returns to its device."""
    tokenizer.save(folder / TOKENIZER)
    device = next(model.parameters()).device
    model.cpu().save_pretrained(folder, config=config)
    model.to(device)


MAX_PARAMETERS = 2**31  # orders of magnitude above any model convtext writes: a bigger claim is a tampered file
MAX_SETTING = 2**31


def _same_kind(value: object, example: object) -> bool:
    """Whether a stored setting has the type of the architecture's own value for it (bool is not an int here)."""
    if isinstance(example, bool) or example is None:
        return isinstance(value, bool) or example is None and (value is None or isinstance(value, int | float | str))
    if isinstance(example, int):
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_SETTING
    if isinstance(example, float):
        return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if isinstance(example, list | tuple):
        return isinstance(value, list) and all(_same_kind(item, example[0] if example else 0) for item in value)
    return isinstance(value, type(example))


def _check_settings(architecture: str, settings: dict) -> None:
    """Every stored setting is one the architecture has, of its type, within sane bounds."""
    entry = model_entrypoint(architecture)
    with torch.device("meta"):  # a small model of the architecture (a pretrained-only body has fixed sizes)
        reference = (
            entry(num_classes=2) if is_pretrained_only(architecture) else entry(vocab_size=8, num_classes=2)
        ).config()
    for key, value in settings.items():
        if key not in reference:
            raise ArtifactError(
                f"config.json: {architecture} has no setting {key!r} — the file was edited or corrupted"
            )
        if not _same_kind(value, reference[key]):
            raise ArtifactError(
                f"config.json: {key} = {json.dumps(value)[:60]} is not a valid {type(reference[key]).__name__} "
                "setting — the file was edited or corrupted; save the model again"
            )


def build_model(config: dict) -> TextModel:
    """An untrained model of the configured architecture (on the meta device: shapes, no memory).

    Settings are type-checked against the architecture's own, and the size they describe is bounded,
    so a tampered config.json is an ``ArtifactError`` before any memory is allocated."""
    settings = model_settings(config)
    _check_settings(config["architecture"], settings)  # an unknown architecture names the known ones
    try:
        with torch.device("meta"):
            model = create_model(config["architecture"], **settings)
    except ConvtextError:
        raise
    except Exception as error:  # whatever a constructor raises on settings it cannot build
        raise ArtifactError(
            f"config.json: settings do not fit architecture {config['architecture']!r} ({type(error).__name__}: "
            f"{str(error)[:200]})"
        ) from None
    parameters = sum(parameter.numel() for parameter in model.parameters())
    if parameters > MAX_PARAMETERS:
        raise ArtifactError(f"config.json describes {parameters:,} parameters — the file was edited or corrupted")
    return model


def read_model(folder: str | Path) -> tuple[TextModel, TextTokenizer, dict]:
    """Load ``(model, tokenizer, config)`` from a model folder, checking that everything agrees."""
    folder = Path(folder)
    config = read_config(folder)
    if config["convtext"].get("task") == MULTITASK:
        raise ArtifactError(
            f"{folder} is a multi-task model (tasks: {', '.join(config['convtext']['tasks'])}) — load one task with "
            "convtext.load(folder, task=NAME) (CLI: --task NAME), or all with convtext.MultiTaskClassifier.load(folder)"
        )
    tokenizer = read_tokenizer(folder)
    model = build_model(config)
    check_tokenizer_fits(folder, model, tokenizer)
    outputs = config["convtext"].get("output_dim") or len(config["convtext"]["labels"])
    if model.num_classes != outputs:
        raise ArtifactError(f"{folder}: config.json promises {outputs} outputs, the model has {model.num_classes}")
    expected = {name: tuple(tensor.shape) for name, tensor in model.state_dict().items()}
    model = model.to_empty(device="cpu")
    model.load_state_dict(read_weights(folder, expected))
    model.eval()
    return model, tokenizer, config


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
    """``model.safetensors`` (or ``name``) as tensors, after checking its digest (``digests.json``) and that it holds
    exactly the ``expected`` names and shapes (read from its header before any tensor is loaded)."""
    weights = checked_weights_file(folder, name)
    try:
        with safe_open(str(weights), framework="pt") as handle:
            stored = {name: tuple(handle.get_slice(name).get_shape()) for name in handle.keys()}
    except (SafetensorError, OSError, ValueError) as error:
        raise unreadable_weights(weights, error) from None
    if stored != expected:
        differences = sorted(set(stored.items()) ^ set(expected.items()))[:3]
        raise ArtifactError(f"{weights}: tensors do not match config.json (first differences: {differences})")
    try:
        return load_file(str(weights))
    except (SafetensorError, OSError, ValueError) as error:
        raise unreadable_weights(weights, error) from None


def config_for(model: TextModel, tokenizer: TextTokenizer, meta: dict) -> dict:
    """config.json: the model's hyperparameters at top level (so ``TextCNN.from_pretrained`` works too),
    plus ``architecture`` and a ``convtext`` entry with labels, max length, tokenizer and metrics."""
    return {
        **model.config(),
        "architecture": model.architecture,
        "convtext": {"format": FORMAT, "version": __version__, "tokenizer": tokenizer.config(), **meta},
    }
