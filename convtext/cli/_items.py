"""``convtext items train | neighbours | plot``: embeddings of things that are not words (films, products)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..items import FactorizationConfig, fit_factorization, item_vectors, read_item_names, read_ratings, save_items
from ._common import ModelOutput, console, print_json
from ._vectors import JsonOption, MethodOption, NeighboursK, draw, print_neighbours

app = typer.Typer(help="Learn and explore item embeddings from interactions (user, item, rating).")

ItemsDir = Annotated[Path, typer.Argument(help="A folder written by `convtext items train -o`.")]
MinRatings = Annotated[int, typer.Option(help="Only items with at least this many ratings are answers.")]


@app.command()
def train(
    ratings: Annotated[Path, typer.Argument(help="CSV with a header: one interaction per row.")],
    output: ModelOutput,
    user_col: Annotated[str, typer.Option(help="Column with the user id.")] = "userId",
    item_col: Annotated[str, typer.Option(help="Column with the item id.")] = "movieId",
    rating_col: Annotated[str, typer.Option(help="Column with the rating (a number).")] = "rating",
    names: Annotated[Path | None, typer.Option(help="CSV with item names (and e.g. genres).")] = None,
    name_col: Annotated[str, typer.Option(help="Column of --names with the item name.")] = "title",
    dim: Annotated[int, typer.Option(help="Size of the user and item vectors.")] = FactorizationConfig.dim,
    epochs: Annotated[
        int, typer.Option(help="Most epochs (early stopping on the holdout).")
    ] = FactorizationConfig.epochs,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = FactorizationConfig.lr,
    l2: Annotated[float, typer.Option(help="L2 penalty on the vectors and biases.")] = FactorizationConfig.l2,
    holdout: Annotated[float, typer.Option(help="Share of ratings held out (seeded).")] = FactorizationConfig.holdout,
    seed: Annotated[int, typer.Option(help="Seed for the holdout, initialisation and batches.")] = 0,
    threads: Annotated[
        int | None, typer.Option(help="CPU threads (default: the free cores; training: at most half, or two).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Learn user and item vectors by matrix factorisation; report holdout RMSE against two baselines."""
    data = read_ratings(ratings, user_col, item_col, rating_col)
    item_names = read_item_names(names, item_col, name_col) if names else {}
    config = FactorizationConfig(dim=dim, epochs=epochs, lr=lr, l2=l2, holdout=holdout, seed=seed, threads=threads)
    result = fit_factorization(data, config)
    meta = {"source": ratings.name, "user_col": user_col, "item_col": item_col, "rating_col": rating_col}
    meta["name_col"] = name_col if names else None
    meta["skipped_rows"] = len(data.skipped)
    folder = save_items(output, result, data, item_names, meta)
    metrics = result.metrics
    if as_json:
        print_json({k: v for k, v in metrics.items() if k != "config"} | {"output": str(folder)})
        return
    console.print(
        f"{len(data):,} ratings, {len(data.user_ids):,} users, {len(data.item_ids):,} items"
        + (f" ({len(data.skipped)} rows skipped)" if data.skipped else "")
    )
    console.print(f"holdout RMSE ({metrics['holdout_ratings']:,} ratings): global mean {metrics['global_mean_rmse']:.4f}"
                  f"  biases only {metrics['bias_only_rmse']:.4f}  [bold]factorisation {metrics['rmse']:.4f}[/]")  # fmt: skip
    console.print(
        f"kept epoch {metrics['best_epoch']} of {metrics['epochs_run']}, {metrics['seconds']:.1f}s → {folder}"
    )


@app.command()
def neighbours(
    folder: ItemsDir,
    item: Annotated[str, typer.Argument(help='An item name or id, e.g. "Shrek (2001)".')],
    k: NeighboursK = 10,
    min_ratings: MinRatings = 10,
    as_json: JsonOption = False,
) -> None:
    """The items whose vectors are closest (cosine) to ITEM's."""
    print_neighbours(item_vectors(folder, min_ratings), item, k, as_json)


@app.command()
def plot(
    folder: ItemsDir,
    items: Annotated[
        list[str],
        typer.Option(
            help="Item names separated by ';' (titles hold commas); 'label=' in front names the group; "
            "repeat for groups with their own colour."
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="PNG file to write.")],
    method: MethodOption = "pca",
    min_ratings: Annotated[int, typer.Option(help="PCA axes come from the items with this many ratings.")] = 10,
) -> None:
    """Draw chosen items on a 2-D map of the embedding space."""
    draw(
        item_vectors(folder, min_ratings),
        items,
        output,
        method,
        f"item vectors of {folder.name} ({method})",
        separator=";",
    )
