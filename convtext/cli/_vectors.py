"""``convtext embeddings neighbours | export | plot``: look inside a trained model's word vectors.

The printing and drawing helpers here also serve ``convtext items``: both hand a ``NamedVectors``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from .._errors import ConvtextError
from ..embed import NamedVectors, WordVectors
from ..multitask import load
from ._common import ModelDir, console, print_json

app = typer.Typer(help="Look inside a model's word vectors: neighbours, a projector export, a 2-D map.")

NeighboursK = Annotated[int, typer.Option("-k", help="How many neighbours.")]
NamesOption = Annotated[
    list[str],
    typer.Option(
        help="Words separated by commas; 'label=' in front names the group; repeat for groups with their own colour."
    ),
]
MethodOption = Annotated[str, typer.Option(help="pca (axes of most variance) or tsne (neighbourhoods).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def print_neighbours(vectors: NamedVectors, name: str, k: int, as_json: bool) -> None:
    """Print the k nearest neighbours of ``name`` as a table (or JSON)."""
    found = vectors.neighbours(name, k)
    _, rows = vectors.lookup(name)
    if len(rows) > 1:
        pieces = ", ".join(vectors.names[row] for row in rows)
        console.print(
            f"{escape(name)!r} is not one {vectors.kind}: using the mean of {escape(pieces)}", highlight=False
        )
    elif vectors.names[rows[0]] != name:
        console.print(f"{escape(name)!r}: using {escape(vectors.names[rows[0]])!r}", highlight=False)
    if as_json:
        print_json({"query": name, "neighbours": [{"name": n, "cosine": round(c, 4)} for n, c in found]})
        return
    table = Table("#", vectors.kind, "cosine", title=f"nearest to {escape(name)}")
    for rank, (neighbour, cosine) in enumerate(found, start=1):
        table.add_row(str(rank), escape(neighbour), f"{cosine:.3f}")
    console.print(table)


def group_names(options: list[str], separator: str = ",") -> dict[str, list[str]]:
    """``["praise=good,great", "bad,awful"]`` -> ``{"praise": [good, great], "group 2": [bad, awful]}``.

    Each option is one colour; ``label=`` in front names it in the legend (one unnamed group: no legend).
    """
    groups: dict[str, list[str]] = {}
    for number, option in enumerate(options, start=1):
        label, has_label, rest = option.partition("=")
        if not has_label or separator in label:
            label, rest = f"group {number}", option
        names = [name.strip() for name in rest.split(separator) if name.strip()]
        if names:
            groups.setdefault(label.strip(), []).extend(names)
    if sum(len(names) for names in groups.values()) < 3:
        raise ConvtextError("a map needs at least 3 names — e.g. --words good,great,bad,awful")
    if len(groups) == 1 and not any("=" in option for option in options):
        return {"": next(iter(groups.values()))}
    return groups


def draw(
    vectors: NamedVectors, options: list[str], output: Path, method: str, title: str, separator: str = ","
) -> None:
    groups = group_names(options, separator)
    path = vectors.plot(groups, output, method, title)
    console.print(f"map of {sum(len(g) for g in groups.values())} {vectors.kind}s ({method}) → {path}")


@app.command()
def neighbours(
    model: ModelDir,
    word: Annotated[str, typer.Argument(help="A word (several pieces: the mean of their vectors).")],
    k: NeighboursK = 10,
    as_json: JsonOption = False,
) -> None:
    """The words whose vectors are closest (cosine) to WORD's in the model."""
    print_neighbours(WordVectors.from_classifier(load(model)), word, k, as_json)


@app.command()
def export(
    model: ModelDir,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for vectors.tsv and metadata.tsv.")],
    limit: Annotated[int | None, typer.Option(help="Only the most frequent N tokens.")] = None,
) -> None:
    """Write the model's token vectors for the TensorBoard projector (projector.tensorflow.org: Load)."""
    vectors = WordVectors.from_classifier(load(model))
    folder = vectors.export(output, limit)
    rows = min(int(vectors.candidates.sum()), limit or len(vectors.names))
    console.print(f"{rows:,} vectors of {vectors.matrix.shape[1]} dimensions → {folder}/vectors.tsv, metadata.tsv")


@app.command()
def plot(
    model: ModelDir,
    words: NamesOption,
    output: Annotated[Path, typer.Option("--output", "-o", help="PNG file to write.")],
    method: MethodOption = "pca",
) -> None:
    """Draw chosen words on a 2-D map of the model's embedding space."""
    draw(WordVectors.from_classifier(load(model)), words, output, method, f"word vectors of {model.name} ({method})")
