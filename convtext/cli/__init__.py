"""The ``convtext`` command."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from .._errors import ConvtextError
from .._version import __version__
from ._adapt import adapt
from ._data import app as data_app
from ._distill import distill
from ._evaluate import evaluate
from ._explain import explain
from ._export import export
from ._items import app as items_app
from ._models import models
from ._predict import predict
from ._serve import serve
from ._tokenizers import bpe_app, tokenizer_app
from ._train import train
from ._transfer import features, summary
from ._vectors import app as embeddings_app
from ._zeroshot import zero_shot
from ._zoo import app as zoo_app

__all__ = ["app", "main"]

app = typer.Typer(
    help="Convolutional text classifiers and transfer learning.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
for command in (train, adapt, predict, evaluate, explain, export, models, features, summary, distill, serve):
    app.command()(command)
app.command("zero-shot")(zero_shot)
app.add_typer(data_app, name="data")
app.add_typer(tokenizer_app, name="tokenizer")
app.add_typer(bpe_app, name="bpe")
app.add_typer(embeddings_app, name="embeddings")
app.add_typer(items_app, name="items")
app.add_typer(zoo_app, name="zoo")


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
