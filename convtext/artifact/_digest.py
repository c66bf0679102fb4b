"""A content digest (SHA-256) of every weights file of a model folder, written when the folder is saved and checked
whenever a weights file is read: one damaged byte anywhere is an error, never silently wrong predictions."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .._errors import ArtifactError

__all__ = ["DIGESTS", "check_digest", "record_digest", "write_digests"]

DIGESTS = "digests.json"  # {"model.safetensors": "<sha256 hex>", ...}
WEIGHT_SUFFIXES = (".safetensors", ".onnx")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read(folder: Path) -> dict[str, str] | None:
    path = folder / DIGESTS
    if not path.is_file():
        return None
    try:
        digests = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        digests = None
    if not isinstance(digests, dict) or not all(isinstance(v, str) for v in digests.values()):
        raise ArtifactError(f"{path}: unreadable digest list — the folder is damaged; copy or train it again")
    return digests


def _write(folder: Path, digests: dict[str, str]) -> None:
    (folder / DIGESTS).write_text(json.dumps(digests, indent=2) + "\n", encoding="utf-8")


def write_digests(folder: Path) -> None:
    """``digests.json``: the SHA-256 of every weights file (``*.safetensors``, ``*.onnx``) in ``folder``."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in WEIGHT_SUFFIXES)
    _write(folder, {p.name: _sha256(p) for p in files})


def record_digest(path: Path) -> None:
    """Add (or renew) ``path``'s digest in its folder's ``digests.json`` (a file written into a saved folder later,
    such as an ONNX export); a folder without one (not a saved model) is left as it is."""
    digests = _read(path.parent)
    if digests is not None:
        _write(path.parent, {**digests, path.name: _sha256(path)})


def check_digest(path: Path) -> None:
    """Raise if ``path`` no longer has the digest recorded when its folder was saved. Folders saved before
    digests existed (no ``digests.json``, or the file not listed) are not checked."""
    digests = _read(path.parent)
    expected = digests.get(path.name) if digests else None
    if expected is not None and _sha256(path) != expected:
        raise ArtifactError(
            f"{path}: its bytes differ from the digest recorded when it was saved — the file is damaged, "
            "truncated or corrupted (disk, copy or edit); copy the model again from its source or train it again"
        )
