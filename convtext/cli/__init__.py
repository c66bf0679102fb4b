"""The ``convtext`` command."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from .._errors import ConvtextError
from .._version import __version__
from ._lazy import LazyVerbs

__all__ = ["app", "main"]

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


def main(argv: list[str] | None = None) -> None:
    """Entry point: bad input ends with one line on stderr naming the problem and the fix (exit code 2)."""
    try:
        app(args=argv, prog_name="convtext")
    except ConvtextError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
