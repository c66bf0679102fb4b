"""Reading interactions (user, item, rating) and item names from CSV files, with every skipped row counted."""

from __future__ import annotations

import csv
import io
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._errors import DataError
from ..data import read_text

__all__ = ["Ratings", "read_item_names", "read_ratings"]

log = logging.getLogger(__name__)


@dataclass
class Ratings:
    """Interactions as index arrays: ``users[k]`` rated ``items[k]`` with ``values[k]``."""

    user_ids: list[str]  # index -> the id in the file
    item_ids: list[str]
    users: np.ndarray  # (n,) int64
    items: np.ndarray  # (n,) int64
    values: np.ndarray  # (n,) float32
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)

    def __len__(self) -> int:
        return len(self.values)

    def item_counts(self) -> np.ndarray:
        """``(n_items,)`` how many ratings each item has."""
        return np.bincount(self.items, minlength=len(self.item_ids))


def _rows(path: Path, columns: list[str]) -> tuple[csv.DictReader, list[str]]:
    text, _ = read_text(path)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [column for column in columns if column not in header]
    if missing:
        raise DataError(f"{path}: no column {missing[0]!r} — the columns are {', '.join(header)}; name the right one")
    return reader, header


def read_ratings(path: str | Path, user_col: str = "userId", item_col: str = "movieId", rating_col: str = "rating"):
    """Ratings from a CSV with a header; rows without a user, an item or a numeric rating are skipped and logged."""
    path = Path(path)
    reader, _ = _rows(path, [user_col, item_col, rating_col])
    user_index: dict[str, int] = {}
    item_index: dict[str, int] = {}
    users, items, values, skipped = [], [], [], []
    for row in reader:
        line = reader.line_num
        user, item = (row.get(user_col) or "").strip(), (row.get(item_col) or "").strip()
        rating = row.get(rating_col)
        try:
            value = float(rating)
        except (TypeError, ValueError):
            skipped.append((line, f"rating {rating!r} is not a number"))
            continue
        if not user or not item or not math.isfinite(value):
            skipped.append((line, "empty user or item, or an infinite rating"))
            continue
        users.append(user_index.setdefault(user, len(user_index)))
        items.append(item_index.setdefault(item, len(item_index)))
        values.append(value)
    if not values:
        raise DataError(f"{path}: no usable rating rows — check --user-col/--item-col/--rating-col")
    if skipped:
        log.warning("%s: skipped %d rows (first: line %d, %s)", path, len(skipped), *skipped[0])
    return Ratings(
        list(user_index), list(item_index), np.array(users, dtype=np.int64), np.array(items, dtype=np.int64),
        np.array(values, dtype=np.float32), skipped,
    )  # fmt: skip


def read_item_names(path: str | Path, item_col: str = "movieId", name_col: str = "title") -> dict[str, dict[str, str]]:
    """``{item id: its row}`` from a CSV of item descriptions (names, genres, ...)."""
    path = Path(path)
    reader, _ = _rows(path, [item_col, name_col])
    return {row[item_col].strip(): {k: (v or "") for k, v in row.items() if k} for row in reader if row[item_col]}
