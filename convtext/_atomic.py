"""Files that appear whole or not at all: written to a temporary sibling, flushed to disk, then renamed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["replaced_atomically"]


@contextmanager
def replaced_atomically(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; when the block ends without error, the file written there
    replaces ``target`` in one rename (a kill or crash mid-write leaves the old ``target`` untouched)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        yield temporary
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
