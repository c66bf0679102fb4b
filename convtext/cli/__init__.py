"""The ``convtext`` command."""

from __future__ import annotations

import errno
import logging
import signal
import sys
import threading
from typing import Annotated

import typer

from .._errors import ConvtextError
from .._version import __version__
from ._lazy import LazyVerbs

__all__ = ["app", "main"]

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
STORAGE_ERRORS = {  # errors of the place written to, not of convtext: one line each, with what to do
    errno.ENOSPC: "free some space or write elsewhere",
    errno.EDQUOT: "free some of your quota or write elsewhere",
    errno.EROFS: "the file system is read-only: write elsewhere",
    errno.EACCES: "you may not write there: choose another path",
}

app = typer.Typer(
    cls=LazyVerbs,
    help="Convolutional text classifiers and transfer learning.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        print(f"convtext {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s: %(message)s")


def _stop(signum: int, frame) -> None:
    """Ctrl-C and SIGTERM stop the command with one line and exit code 130; ``finally`` blocks still run, so a
    file or model being written is not put in place and its temporary file is removed."""
    print("interrupted — what was being written was not put in place", file=sys.stderr)
    raise KeyboardInterrupt  # typer turns it into exit code 130


def main(argv: list[str] | None = None) -> None:
    """Entry point: bad input ends with one line on stderr naming the problem and the fix (exit code 2)."""
    main_thread = threading.current_thread() is threading.main_thread()
    previous = {signum: signal.signal(signum, _stop) for signum in STOP_SIGNALS} if main_thread else {}
    try:
        app(args=argv, prog_name="convtext")
    except ConvtextError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    except OSError as error:
        if error.errno not in STORAGE_ERRORS:
            raise
        print(f"error: cannot write {error.filename or 'a file'}: {error.strerror} — {STORAGE_ERRORS[error.errno]}",
              file=sys.stderr)  # fmt: skip
        raise SystemExit(2) from None
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
