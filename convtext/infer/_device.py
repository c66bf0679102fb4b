"""Where tensors live: ``auto`` (CUDA when there is a GPU), ``cpu`` or ``cuda``; bfloat16 autocast on CUDA."""

from __future__ import annotations

import contextlib

import torch

from .._errors import ConvtextError

__all__ = ["DEVICES", "autocast", "model_device", "resolve_device"]

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(name: str | None = "auto") -> torch.device:
    """``auto`` → ``cuda`` when a GPU is visible, else ``cpu``; ``cuda`` without a GPU is an error."""
    name = name or "auto"
    if name not in DEVICES and not name.startswith("cuda:"):
        raise ConvtextError(f"unknown device {name!r} — use one of {', '.join(DEVICES)} (or cuda:N)")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConvtextError(f"device {name!r}: no CUDA GPU is visible to PyTorch here — use --device cpu (or auto)")
    return torch.device(name)


def model_device(model: torch.nn.Module) -> torch.device:
    """The device of the model's first parameter (CPU for a model without parameters)."""
    return next(model.parameters(), torch.empty(0)).device


def autocast(device: torch.device, enabled: bool = True):
    """Mixed precision on CUDA (bfloat16: no loss scaling needed); nothing on CPU."""
    if enabled and device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()
