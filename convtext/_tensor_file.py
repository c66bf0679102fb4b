"""Reading a ``.safetensors`` weights file someone else may have written: its header (every tensor's name, dtype and
shape) is checked before any tensor is read, and every value read must be finite. Needs no PyTorch."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ._errors import ArtifactError

__all__ = ["read_tensors", "unreadable_weights"]

DTYPE = "F32"  # every weights file convtext writes holds float32 tensors only


def unreadable_weights(path: Path, error: Exception) -> ArtifactError:
    """The error for a weights file safetensors cannot read."""
    return ArtifactError(f"{path}: unreadable weights ({error}) — the file is truncated or corrupted")


def read_tensors(path: Path, shapes: Mapping[str, tuple[int, ...]] | None = None) -> dict[str, np.ndarray]:
    """``{name: array}`` from ``path``, after checking in its header that every tensor is float32 and, when
    ``shapes`` is given, that the file holds exactly those names and shapes; then that every value is finite."""
    from safetensors import SafetensorError, safe_open
    from safetensors.numpy import load_file

    try:
        with safe_open(str(path), framework="numpy") as handle:
            header = {name: handle.get_slice(name) for name in handle.keys()}
            stored = {name: (tuple(part.get_shape()), part.get_dtype()) for name, part in header.items()}
    except (SafetensorError, OSError, ValueError) as error:
        raise unreadable_weights(path, error) from None
    other = next(((name, dtype) for name, (_, dtype) in sorted(stored.items()) if dtype != DTYPE), None)
    if other is not None:
        raise ArtifactError(
            f"{path}: tensor {other[0]} is {other[1]}, convtext's weights are float32 (F32) — save the model with "
            "convtext (or convert every tensor with .float() before saving)"
        )
    if shapes is not None and {name: shape for name, (shape, _) in stored.items()} != dict(shapes):
        found = {(name, shape) for name, (shape, _) in stored.items()}
        differences = sorted(found ^ {(name, tuple(shape)) for name, shape in shapes.items()})[:3]
        raise ArtifactError(f"{path}: tensors do not match config.json (first differences: {differences})")
    try:
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as error:
        raise unreadable_weights(path, error) from None
    damaged = next((name for name, array in sorted(tensors.items()) if not np.isfinite(array).all()), None)
    if damaged is not None:
        raise ArtifactError(
            f"{path}: tensor {damaged} holds NaN or infinite values — the weights are damaged (training diverged or "
            "the file was edited); train the model again or use a good copy"
        )
    return tensors
