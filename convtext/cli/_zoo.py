"""``convtext zoo list | info | build``: named pretrained models, built from the project's data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..zoo import RECIPES, build, get_recipe, is_built, load_pretrained, zoo_path
from ._common import JsonOption, console, print_json

app = typer.Typer(help="Named pretrained models: list them, see one, build one.", no_args_is_help=True)

NameArgument = Annotated[str, typer.Argument(help="A zoo name, e.g. textcnn.mr_sentiment (see `convtext zoo list`).")]


def recipe_kind(name: str) -> str:
    return get_recipe(name).kind


def _entry(name: str) -> dict:
    recipe = get_recipe(name)
    entry = {"name": name, "summary": recipe.summary, "built": is_built(name), "path": str(zoo_path(name))}
    entry["recipe"], entry["data_seen"] = recipe.as_dict(), recipe.files
    return entry


@app.command("list")
def list_(as_json: JsonOption = False) -> None:
    """Every zoo model, whether it is built, and what it was trained on."""
    entries = [_entry(name) for name in sorted(RECIPES)]
    if as_json:
        print_json(entries)
        return
    table = Table(title="convtext zoo (build with `convtext zoo build NAME`)")
    for column in ("name", "built", "trained on", "about"):
        table.add_column(column, overflow="fold")
    for e in entries:
        table.add_row(e["name"], "yes" if e["built"] else "no", ", ".join(e["data_seen"]), e["summary"])
    console.print(table)


@app.command()
def info(name: NameArgument, as_json: JsonOption = False) -> None:
    """One zoo model: its recipe, the data it saw and, once built, its validation scores."""
    entry = _entry(name)
    if entry["built"]:
        model = load_pretrained(name)
        entry["metrics"] = model.metrics_ if recipe_kind(name) == "encoder" else {
            split: {"accuracy": r["accuracy"], "n": r["n"]} for split, r in model.metrics_.items()
        }  # fmt: skip
        entry["labels"] = getattr(model, "classes_", [])
        entry["architecture"] = model.model_.architecture
    if as_json:
        print_json(entry)
        return
    console.print(f"[bold]{name}[/bold]: {entry['summary']}")
    console.print(f"recipe: {json.dumps(entry['recipe'], ensure_ascii=False)}")
    console.print(f"data seen (never score it on these): {', '.join(entry['data_seen'])}")
    if entry["built"]:
        scores = ", ".join(
            f"{s} {'cosine' if 'cosine' in m else 'accuracy'} {m.get('cosine', m.get('accuracy')):.4f} (n={m['n']:,})"
            for s, m in entry["metrics"].items()
        )
        console.print(f"built at {entry['path']}: {entry['architecture']}, labels {entry['labels']}; {scores}")
    else:
        console.print(f"not built — `convtext zoo build {name}`")


@app.command("build")
def build_(
    name: NameArgument,
    data: Annotated[
        Path | None, typer.Option(help="Data folder holding kim2014/ (default: the checkout's bundled data/).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Rebuild even if it is built.")] = False,
    threads: Annotated[
        int | None, typer.Option(help="CPU threads (default: the free cores; training: at most half, or two).")
    ] = None,
) -> None:
    """Train a zoo model from its recipe (seeded: the same data gives the same model) into the cache."""
    folder = build(name, data, force=force, threads=threads)
    valid = load_pretrained(folder).metrics_["valid"]
    score = (
        f"held-out cosine to the teacher {valid['cosine']:.4f}"
        if "cosine" in valid
        else f"valid accuracy {valid['accuracy']:.4f}"
    )
    console.print(f"{name}: {score} → {folder}")
