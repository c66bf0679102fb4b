"""Files and model folders that appear whole or not at all: written to a temporary sibling ``.NAME.tmp-PID...``,
then renamed (a file) or swapped in (a folder); what a killed writer left is deleted by the next write."""

from __future__ import annotations

import ctypes
import errno
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

__all__ = [
    "check_output_file", "check_output_folder", "remove_dead_leftovers", "replaced_atomically", "replaced_folder",
    "write_atomically",
]  # fmt: skip


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
    """Delete ``target``'s temporary siblings (files or staged folders) whose writer no longer runs: it was killed
    mid-write (SIGKILL, power)."""
    remove_dead_leftovers(target.parent, f".{glob.escape(target.name)}.tmp-*")


def remove_dead_leftovers(folder: Path, pattern: str = ".*.tmp-*") -> None:
    """Delete the entries of ``folder`` matching ``pattern`` named ``...tmp-PID[-tag]`` whose process ``PID`` is gone."""
    for leftover in folder.glob(pattern):
        pid = leftover.name.rsplit(".tmp-", 1)[-1].split("-")[0]
        if pid.isdigit() and not _running(int(pid)):
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
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
    """Call ``write(staging_folder)``, record its weights files' digests, then put the folder under ``target`` in one
    step: swapped with an older model there (which is then deleted), so the name holds the old or the new model
    whole at every instant, whenever the process is killed."""
    target = check_output_folder(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(target)
    staging = target.parent / f".{target.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        write(staging)
        write_digests(staging)
        _sync_files(staging)
        _swap_in(staging, target)
    finally:
        if staging.exists():  # a failed write, or the old model swapped out
            shutil.rmtree(staging, ignore_errors=True)
    return target


@contextmanager
def replaced_folder(target: str | Path) -> Iterator[Path]:
    """Yield a path beside ``target`` where a writer makes a folder (Spark's or Ray's Parquet parts); when the block
    ends without error, that folder replaces ``target`` in one step, as a model folder does."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(target)
    staging = target.parent / f".{target.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        yield staging
        _sync_files(staging)
        _swap_in(staging, target)
    finally:
        if staging.is_dir():  # a failed write, or the old folder swapped out
            shutil.rmtree(staging, ignore_errors=True)
        else:  # the old target was a file
            staging.unlink(missing_ok=True)


def _swap_in(staging: Path, target: Path) -> None:
    """Put the folder ``staging`` under ``target`` in one step (what was there is left at ``staging``)."""
    if not target.exists():
        staging.rename(target)
    elif not _exchange(staging, target):  # no atomic swap here: two renames, a moment without the name
        retired = target.parent / f".{target.name}.tmp-{os.getpid()}-old"
        target.rename(retired)
        staging.rename(target)
        if retired.is_dir():
            shutil.rmtree(retired, ignore_errors=True)
        else:
            retired.unlink()
    _sync_folder(target.parent)


def _sync_files(folder: Path) -> None:
    """Flush every file of ``folder`` to disk, so a power cut after the swap cannot leave empty files."""
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


RENAME_EXCHANGE, AT_FDCWD = 2, -100  # Linux's renameat2 flag and "relative to the current folder"


def _exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where the system or file
    system cannot (another OS, an old kernel, some network file systems)."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(error, os.strerror(error), str(second))
