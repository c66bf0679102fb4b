"""Reading a ``.safetensors`` weights file someone else may have written: its header (every tensor's name, dtype and
shape) is checked before any tensor is read, and every value read must be finite. Needs no PyTorch.

A compressed model (``convtext compress``) stores some tensors in int8, row by row: ``NAME.int8`` (I8, the tensor's
shape) and ``NAME.scale`` (F32, one per row) stand for ``NAME``; reading gives back float32 ``int8 * scale``."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

import numpy as np

from ._errors import ArtifactError

__all__ = ["int8_rounded", "read_tensors", "unreadable_weights", "write_tensors"]

DTYPE = "F32"  # every tensor convtext writes is float32, apart from int8 rows with their float32 scales
INT8, SCALE = ".int8", ".scale"


def unreadable_weights(path: Path, error: Exception) -> ArtifactError:
    """The error for a weights file safetensors cannot read."""
    return ArtifactError(f"{path}: unreadable weights ({error}) — the file is truncated or corrupted")


def _quantize_rows(array: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(R, ...)`` float32 -> ``(R, ...)`` int8 and ``(R,)`` float32 scales, symmetric per row: a row's largest
    magnitude maps to 127 (an all-zero row keeps scale 1)."""
    rows = array.reshape(len(array), -1)  # (R, D)
    scale = np.abs(rows).max(axis=1) / 127.0  # (R,)
    scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
    codes = np.clip(np.rint(rows / scale[:, None]), -127, 127).astype(np.int8)
    return codes.reshape(array.shape), scale


def _dequantized(codes: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return (codes.reshape(len(codes), -1).astype(np.float32) * scale[:, None]).reshape(codes.shape)


def int8_rounded(array: np.ndarray) -> np.ndarray:
    """``array`` as reading it back after storing it as int8 rows gives it."""
    return _dequantized(*_quantize_rows(np.asarray(array, dtype=np.float32)))


def write_tensors(path: Path, tensors: Mapping[str, np.ndarray], int8: Collection[str] = ()) -> None:
    """Write float32 ``tensors`` to ``path``; those named in ``int8`` as int8 rows with their scales."""
    from safetensors.numpy import save_file

    stored = {}
    for name, array in tensors.items():
        array = np.ascontiguousarray(array, dtype=np.float32)
        if name in int8:
            stored[name + INT8], stored[name + SCALE] = _quantize_rows(array)
        else:
            stored[name] = array
    save_file(stored, str(path))


def _stored_shapes(path: Path, stored: dict[str, tuple[tuple[int, ...], str]]) -> dict[str, tuple[int, ...]]:
    """The tensors ``stored`` (name -> shape, dtype) stands for: float32 ones as they are, int8 pairs by their name."""
    shapes = {}
    for name, (shape, dtype) in sorted(stored.items()):
        if name.endswith(INT8) and dtype == "I8":
            base = name.removesuffix(INT8)
            if stored.get(base + SCALE) != ((shape[0],) if shape else (), DTYPE) or not shape:
                raise ArtifactError(
                    f"{path}: int8 tensor {name} has no float32 {base + SCALE} of one value per row — the file is "
                    "damaged; compress the model again"
                )
            shapes[base] = shape
        elif name.endswith(SCALE) and (name.removesuffix(SCALE) + INT8) in stored:
            continue
        elif dtype != DTYPE:
            raise ArtifactError(
                f"{path}: tensor {name} is {dtype}, convtext's weights are float32 (F32) — save the model with "
                "convtext (or convert every tensor with .float() before saving)"
            )
        else:
            shapes[name] = shape
    return shapes


def read_tensors(path: Path, shapes: Mapping[str, tuple[int, ...]] | None = None) -> dict[str, np.ndarray]:
    """``{name: float32 array}`` from ``path``, after checking in its header that every tensor is float32 (or int8
    rows with their scales) and, when ``shapes`` is given, that the file holds exactly those names and shapes; then
    that every value is finite."""
    from safetensors import SafetensorError, safe_open
    from safetensors.numpy import load_file

    try:
        with safe_open(str(path), framework="numpy") as handle:
            header = {name: handle.get_slice(name) for name in handle.keys()}
            stored = {name: (tuple(part.get_shape()), part.get_dtype()) for name, part in header.items()}
    except (SafetensorError, OSError, ValueError) as error:
        raise unreadable_weights(path, error) from None
    found = _stored_shapes(path, stored)
    if shapes is not None and found != {name: tuple(shape) for name, shape in shapes.items()}:
        differences = sorted(set(found.items()) ^ {(name, tuple(shape)) for name, shape in shapes.items()})[:3]
        raise ArtifactError(f"{path}: tensors do not match config.json (first differences: {differences})")
    try:
        raw = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as error:
        raise unreadable_weights(path, error) from None
    tensors = {name: raw[name] if name in raw else _dequantized(raw[name + INT8], raw[name + SCALE]) for name in found}
    damaged = next((name for name, array in sorted(tensors.items()) if not np.isfinite(array).all()), None)
    if damaged is not None:
        raise ArtifactError(
            f"{path}: tensor {damaged} holds NaN or infinite values — the weights are damaged (training diverged or "
            "the file was edited); train the model again or use a good copy"
        )
    return tensors
