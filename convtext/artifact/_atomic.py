"""Files and model folders that appear whole or not at all: written to a temporary sibling, then renamed."""

from __future__ import annotations

import glob
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .._errors import ArtifactError
from ._digest import write_digests
from ._folder import CONFIG

__all__ = ["check_output_file", "check_output_folder", "replaced_atomically", "write_atomically"]


@contextmanager
def replaced_atomically(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; when the block ends without error, the file written there
    replaces ``target`` in one rename (a kill or crash mid-write leaves the old ``target`` untouched)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(target)
    temporary = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        yield temporary
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        if target.exists():  # an overwritten file keeps its permissions
            shutil.copymode(target, temporary)
        os.replace(temporary, target)
    except OSError as error:  # a full disk, say: name the file the user asked for, not its hidden stand-in
        if error.filename not in (None, str(temporary)):
            raise
        raise OSError(error.errno, error.strerror, str(target)) from error
    finally:
        temporary.unlink(missing_ok=True)


def _remove_leftovers(target: Path) -> None:
    """Delete ``target``'s temporary siblings whose writer no longer runs (it was killed mid-write: SIGKILL, power)."""
    for leftover in target.parent.glob(f".{glob.escape(target.name)}.tmp-*"):
        pid = leftover.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _running(int(pid)):
            leftover.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def check_output_file(target: str | Path) -> Path:
    """``target`` if a file may be written there (it is not a folder, and its folder exists or can be made and is
    writable), else an error — checked before any work."""
    target = Path(target)
    if target.is_dir():
        raise ArtifactError(f"{target} is a folder — give a file path to write, e.g. {target / 'predictions.jsonl'}")
    folder = next((parent for parent in [target.parent, *target.parent.parents] if parent.exists()), Path("."))
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise ArtifactError(f"cannot write {target}: {folder} is not a writable folder — give a path you can write")
    return target


def check_output_folder(target: str | Path) -> Path:
    """``target`` if a model folder may be written there (absent, empty, or an older convtext model), else an error
    — checked before training as well as when saving, so no work is lost to a bad ``-o``."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or (any(target.iterdir()) and not (target / CONFIG).exists())):
        raise ArtifactError(
            f"refusing to write a model to {target}: it exists and is not a convtext model folder — "
            "give a new or empty folder (or an older model's, which is replaced)"
        )
    return target


def write_atomically(target: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_folder)``, record its weights files' digests, then move the folder to ``target`` (replacing
    an older model there)."""
    target = check_output_folder(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        write(staging)
        write_digests(staging)
        if target.exists():
            retired = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
            target.rename(retired)
            staging.rename(target)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target
