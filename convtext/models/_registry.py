"""The model registry (as in timm): thin registered functions build each architecture by name."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable

import torch.nn as nn

from .._errors import ConvtextError

__all__ = ["register_model", "create_model", "default_tokenizer", "list_models", "model_entrypoint"]

_ENTRYPOINTS: dict[str, Callable[..., nn.Module]] = {}


def register_model(function: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
    """Register ``function`` under its own name; it takes ``vocab_size``, ``num_classes`` and overrides."""
    _ENTRYPOINTS[function.__name__] = function
    return function


def list_models(pattern: str = "*") -> list[str]:
    """Registered names matching a shell-style ``pattern``, sorted."""
    return sorted(name for name in _ENTRYPOINTS if fnmatch.fnmatch(name, pattern))


def model_entrypoint(name: str) -> Callable[..., nn.Module]:
    if name not in _ENTRYPOINTS:
        raise ConvtextError(f"unknown architecture {name!r} — choose one of: {', '.join(list_models())}")
    return _ENTRYPOINTS[name]


def default_tokenizer(name: str) -> str:
    """The tokenizer kind an architecture is built for (``word`` unless its entrypoint says otherwise)."""
    return getattr(model_entrypoint(name), "default_tokenizer", "word")


def create_model(name: str, vocab_size: int, num_classes: int, **overrides) -> nn.Module:
    """``create_model("textcnn", vocab_size=8000, num_classes=2, num_filters=200)``."""
    return model_entrypoint(name)(vocab_size=vocab_size, num_classes=num_classes, **overrides)
