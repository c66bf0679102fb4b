"""An item-embedding folder: ``config.json``, ``vectors.safetensors``, ``items.json``, ``users.json``, ``README.md``.

Written atomically like a model folder; read without pickle, with every tensor shape checked.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

from .._errors import ConvtextError
from ..artifact import ArtifactError, read_weights, write_atomically
from ..embed import NamedVectors
from ..models import MAX_PARAMETERS
from ._factorization import FactorizationResult, MatrixFactorization
from ._ratings import Ratings

__all__ = ["ItemVectors", "item_vectors", "load_items", "save_items"]

FORMAT = "convtext-items/1"
_YEAR = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})\)\s*$")


class ItemVectors(NamedVectors):
    """Item vectors by name; a name may leave out alternative titles: "Three Colors: Blue (1993)"."""

    kind = "item"

    def __init__(self, matrix: np.ndarray, names: list[str], counts: np.ndarray, min_count: int = 10, info=None):
        super().__init__(matrix, names, counts >= min_count)
        self.counts, self.info = counts, info or {}

    def lookup(self, name: str) -> tuple[np.ndarray, list[int]]:
        if name in self._index or name.casefold() in self._folded:
            return super().lookup(name)
        match = _YEAR.match(name)
        title, year = (match["title"], match["year"]) if match else (name, None)
        hits = [
            i for i, candidate in enumerate(self.names)
            if candidate.casefold().startswith(title.casefold()) and (year is None or candidate.endswith(f"({year})"))
        ]  # fmt: skip
        if len(hits) > 1:
            shown = "; ".join(self.names[i] for i in hits[:5]) + ("; …" if len(hits) > 5 else "")
            raise ConvtextError(f"{name!r} matches {len(hits)} items, e.g. {shown} — give the full name")
        if hits:
            return self.matrix[hits[0]], hits
        return super().lookup(name)  # the error, with close matches


def save_items(folder: str | Path, result: FactorizationResult, ratings: Ratings, names: dict, meta: dict) -> Path:
    """Write the learned vectors with the ids, names and rating counts they belong to."""
    model = result.model
    counts = ratings.item_counts().tolist()
    items = {"ids": ratings.item_ids, "counts": counts}
    if names:
        columns = sorted({key for row in names.values() for key in row})
        items["info"] = {c: [names.get(i, {}).get(c, "") for i in ratings.item_ids] for c in columns}
    config = {
        "format": FORMAT, "dim": model.item_vectors.embedding_dim, "num_users": len(ratings.user_ids),
        "num_items": len(ratings.item_ids), "metrics": result.metrics, "history": result.history, **meta,
    }  # fmt: skip

    def write(staging: Path) -> None:
        state = {name: tensor.detach().contiguous() for name, tensor in model.state_dict().items()}
        save_file(state, str(staging / "vectors.safetensors"))
        (staging / "items.json").write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        (staging / "users.json").write_text(json.dumps(ratings.user_ids, ensure_ascii=False), encoding="utf-8")
        (staging / "config.json").write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
        (staging / "README.md").write_text(_card(config), encoding="utf-8")

    return write_atomically(folder, write)


def _card(config: dict) -> str:
    metrics = config["metrics"]
    return (
        f"# convtext item embeddings\n\n{config['num_items']:,} items and {config['num_users']:,} users, "
        f"{config['dim']}-d vectors learned by matrix factorisation from {config.get('source', 'ratings')}.\n\n"
        f"| holdout RMSE ({metrics['holdout_ratings']:,} ratings) | |\n|---|---|\n"
        f"| global mean | {metrics['global_mean_rmse']:.4f} |\n| biases only | {metrics['bias_only_rmse']:.4f} |\n"
        f"| matrix factorisation | {metrics['rmse']:.4f} |\n"
    )


def _read_json(path: Path) -> object:
    if not path.is_file():
        raise ArtifactError(f"{path.parent}: {path.name} is missing — train it again with `convtext items train`")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ArtifactError(f"{path}: not valid JSON ({error}) — the file is corrupted") from None


def load_items(folder: str | Path) -> tuple[MatrixFactorization, dict, dict]:
    """``(model, config, items)`` from a folder written by ``save_items``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ArtifactError(f"{folder}: no such folder — give the folder written by `convtext items train -o`")
    config, items = _read_json(folder / "config.json"), _read_json(folder / "items.json")
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ArtifactError(f"{folder}: not an item-embedding folder (written by `convtext items train`)")
    sizes = {k: config.get(k) for k in ("num_users", "num_items", "dim")}
    if not all(isinstance(v, int) and 0 < v < 100_000_000 for v in sizes.values()):
        raise ArtifactError(f"{folder}/config.json: bad sizes {sizes}")
    if (sizes["num_users"] + sizes["num_items"]) * (sizes["dim"] + 1) > MAX_PARAMETERS:
        raise ArtifactError(
            f"{folder}/config.json: {sizes} describe over {MAX_PARAMETERS:,} numbers — edited or corrupted"
        )
    with torch.device("meta"):  # shapes, no memory, until the file's header has been checked against them
        model = MatrixFactorization(sizes["num_users"], sizes["num_items"], sizes["dim"])
    state = read_weights(
        folder, {name: tuple(t.shape) for name, t in model.state_dict().items()}, "vectors.safetensors"
    )
    model = model.to_empty(device="cpu")
    model.load_state_dict(state)
    if len(items.get("ids", [])) != sizes["num_items"]:
        raise ArtifactError(f"{folder}/items.json: {len(items.get('ids', []))} ids for {sizes['num_items']} items")
    model.eval()
    return model, config, items


def item_vectors(folder: str | Path, min_count: int = 10) -> ItemVectors:
    """The item vectors of a folder, named by their names (or ids), ``min_count`` ratings to be an answer."""
    model, config, items = load_items(folder)
    info = items.get("info", {})
    names = info.get(config.get("name_col")) if config.get("name_col") else None
    names = [n or i for n, i in zip(names, items["ids"])] if names else items["ids"]
    matrix = model.item_vectors.weight.detach().numpy()
    return ItemVectors(matrix, names, np.asarray(items["counts"]), min_count, info)
