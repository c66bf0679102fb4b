"""Looking inside an embedding table — of words or of items: nearest neighbours, a 2-D map, a projector export.

The same functions serve a CNN's word vectors and the item vectors of ``convtext items``; they take
a ``(N, D)`` matrix and ``N`` names.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._errors import ConvtextError

__all__ = ["export_projector", "map_figure", "nearest", "plot_map", "project_2d"]

PROJECTIONS = ("pca", "tsne")


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


def nearest(
    matrix: np.ndarray, query: np.ndarray, k: int = 10, exclude: Sequence[int] = (), allowed: np.ndarray | None = None
) -> list[tuple[int, float]]:
    """The ``k`` rows most cosine-similar to ``query`` ``(D,)``: ``[(row, cosine), ...]``, best first.

    ``exclude`` rows (the query itself) are skipped; ``allowed`` ``(N,)`` bool limits the candidates.
    """
    if k < 1:
        raise ConvtextError(f"k must be at least 1, got {k}")
    scores = _unit_rows(np.asarray(matrix, dtype=np.float64)) @ _unit_rows(np.asarray(query, dtype=np.float64)[None])[0]
    candidates = np.ones(len(scores), dtype=bool) if allowed is None else allowed.copy()
    candidates[list(exclude)] = False
    order = np.argsort(-np.where(candidates, scores, -np.inf), kind="stable")[: min(k, int(candidates.sum()))]
    return [(int(i), float(scores[i])) for i in order]


def project_2d(matrix: np.ndarray, method: str = "pca", seed: int = 0) -> np.ndarray:
    """``(N, D)`` -> ``(N, 2)`` by PCA (linear, distances along the main axes) or t-SNE (neighbourhoods).

    Rows are compared by direction (as the neighbours are: cosine), so they are scaled to unit length.
    The axes come from the chosen rows: the map spreads out what differs among them (axes of the
    whole table mostly show popularity or frequency, measured on MovieLens).
    """
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    matrix = _unit_rows(np.asarray(matrix, dtype=np.float64))
    if method not in PROJECTIONS:
        raise ConvtextError(f"unknown projection {method!r} — use pca or tsne")
    if len(matrix) < 3:
        raise ConvtextError(f"a map needs at least 3 points, got {len(matrix)}")
    if method == "pca":
        return PCA(n_components=2, random_state=seed).fit_transform(matrix)
    perplexity = min(30.0, (len(matrix) - 1) / 3)
    return TSNE(2, perplexity=perplexity, init="pca", random_state=seed, metric="cosine").fit_transform(matrix)


def plot_map(
    points: np.ndarray, names: Sequence[str], path: str | Path, groups: Sequence[str] | None = None, title: str = ""
) -> Path:
    """Labelled 2-D scatter plot written to ``path`` (PNG): see ``map_figure``."""
    import matplotlib.pyplot as plt

    path = Path(path)
    figure = map_figure(points, names, groups, title)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path


def map_figure(points: np.ndarray, names: Sequence[str], groups: Sequence[str] | None = None, title: str = ""):
    """The figure of ``plot_map``: points of one group share a colour; labels are moved apart by adjustText (no
    overlaps, all inside the frame, a grey line back to a point moved from); a long title wraps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from adjustText import adjust_text

    figure, axes = plt.subplots(figsize=(8, 6.5), dpi=120)
    groups = list(groups) if groups is not None else [""] * len(names)
    palette = plt.get_cmap("tab10")
    for index, group in enumerate(dict.fromkeys(groups)):
        chosen = [i for i, g in enumerate(groups) if g == group]
        axes.scatter(points[chosen, 0], points[chosen, 1], s=40, color=palette(index % 10), label=group or None)
    legend = axes.legend(loc="best", fontsize=8) if any(groups) else None
    axes.set_title(textwrap.fill(title, 70))
    axes.set_xticks([])
    axes.set_yticks([])
    axes.margins(0.15)  # room for the labels of the outermost points
    figure.tight_layout()
    labels = [axes.text(x, y, textwrap.fill(name, 28), fontsize=9) for (x, y), name in zip(points, names)]
    adjust_text(
        labels, x=points[:, 0], y=points[:, 1], objects=[legend] if legend else None, ax=axes,
        arrowprops={"arrowstyle": "-", "color": "grey"},
    )  # fmt: skip
    return figure


def export_projector(matrix: np.ndarray, metadata: dict[str, Sequence[str]], folder: str | Path) -> Path:
    """TensorBoard projector files: ``vectors.tsv`` (one row per vector) and ``metadata.tsv`` (a header, then rows).

    ``metadata`` maps column names to one value per row (e.g. ``{"token": [...], "count": [...]}``).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    columns = list(metadata)
    if any(len(metadata[c]) != len(matrix) for c in columns):
        raise ConvtextError("every metadata column needs one value per vector")
    np.savetxt(folder / "vectors.tsv", np.asarray(matrix, dtype=np.float32), delimiter="\t", fmt="%.6g")
    rows = zip(*(metadata[c] for c in columns))
    lines = ([columns] if len(columns) > 1 else []) + [[_clean(value) for value in row] for row in rows]
    (folder / "metadata.tsv").write_text("".join("\t".join(line) + "\n" for line in lines), encoding="utf-8")
    return folder


def _clean(value: object) -> str:
    """One metadata cell: tabs and newlines would break the TSV, and an empty cell confuses the projector."""
    text = str(value).replace("\t", " ").replace("\n", " ").replace("\r", " ")
    return text if text.strip() else repr(str(value))
