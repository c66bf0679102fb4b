"""Sizes as users write them (``1MB``, ``500KB``, ``2MiB``) and the bytes a model folder takes on disk."""

from __future__ import annotations

import re
from pathlib import Path

from .._errors import ConvtextError

__all__ = ["folder_bytes", "parse_size", "shown_size"]

UNITS = {"": 1, "B": 1, "K": 10**3, "KB": 10**3, "M": 10**6, "MB": 10**6, "G": 10**9, "GB": 10**9,
         "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}  # fmt: skip  # decimal units, as fastText's -autotune-modelsize


def parse_size(size: str | int) -> int:
    """``"1MB"`` -> 1,000,000 bytes (``"1MiB"``: 1,048,576; a bare number: bytes)."""
    if isinstance(size, int) and not isinstance(size, bool) and size > 0:
        return size
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", str(size))
    unit = match.group(2).upper() if match else None
    if match is None or unit not in UNITS or float(match.group(1)) * UNITS[unit] < 1:
        raise ConvtextError(f"size {size!r} is not a size — write it as 1MB, 500KB, 2MiB or a number of bytes")
    return int(float(match.group(1)) * UNITS[unit])


def shown_size(count: int) -> str:
    """Bytes as a person reads them: ``998,312 bytes (1.00 MB)``."""
    return f"{count:,} bytes ({count / 10**6:.2f} MB)"


def folder_bytes(folder: str | Path) -> int:
    """Every file under ``folder``, byte for byte."""
    return sum(path.stat().st_size for path in Path(folder).rglob("*") if path.is_file())
