"""The model folder: its format (config.json, model.safetensors, tokenizer.json, README.md, digests.json), the
checks on loading, the model card, and files and folders that are written atomically.

What builds or loads PyTorch models (``_format.py``) is imported on first use (PEP 562): reading a folder's
config, tokenizer and digests, and writing files atomically, need no PyTorch."""

from __future__ import annotations

import importlib

from .._errors import ArtifactError
from ._atomic import (
    check_output_file,
    check_output_folder,
    remove_dead_leftovers,
    replaced_atomically,
    replaced_folder,
    write_atomically,
)
from ._card import ensemble_card, front_matter, model_card, shown_settings, usage
from ._digest import DIGESTS, check_digest, record_digest, write_digests
from ._folder import (
    CONFIG,
    ENSEMBLE,
    MULTITASK,
    TOKENIZER,
    WEIGHTS,
    checked_weights_file,
    model_settings,
    read_config,
    read_temperature,
    read_thresholds,
    read_tokenizer,
    require_file,
)

_WITH_TORCH = ("build_model", "check_tokenizer_fits", "config_for", "read_model", "read_weights", "write_model")

__all__ = [
    "CONFIG", "DIGESTS", "ENSEMBLE", "MULTITASK", "TOKENIZER", "WEIGHTS", "ArtifactError", "build_model",
    "check_digest", "check_output_file", "check_output_folder", "check_tokenizer_fits", "checked_weights_file",
    "config_for", "ensemble_card", "front_matter", "model_card", "model_settings", "read_config", "read_model",
    "read_temperature", "read_thresholds", "read_tokenizer", "read_weights", "record_digest", "remove_dead_leftovers",
    "replaced_atomically", "replaced_folder", "require_file", "shown_settings", "usage", "write_atomically",
    "write_digests", "write_model",
]  # fmt: skip


def __getattr__(name: str):
    if name not in _WITH_TORCH:
        raise AttributeError(f"module 'convtext.artifact' has no attribute {name!r}")
    value = getattr(importlib.import_module("._format", __name__), name)
    globals()[name] = value
    return value
