"""PNG figures written next to a saved model: the training curve and the confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = ["plot_confusion_matrix", "plot_head_search", "plot_training_curve"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only, no display needed
    import matplotlib.pyplot as plt

    return plt


def plot_training_curve(history: Sequence, best_epoch: int, path: Path) -> Path:
    """Training loss and validation accuracy / macro-F1 per epoch; the kept epoch is marked."""
    plt = _pyplot()
    epochs = [entry.epoch for entry in history]
    figure, loss_axis = plt.subplots(figsize=(6, 3.5), dpi=100)
    loss_axis.plot(epochs, [entry.train_loss for entry in history], "o-", color="tab:red", label="training loss")
    loss_axis.set_xlabel("epoch")
    loss_axis.set_ylabel("training loss")
    score_axis = loss_axis.twinx()
    score_axis.plot(epochs, [entry.valid_accuracy for entry in history], "s-", label="valid accuracy")
    score_axis.plot(epochs, [entry.valid_macro_f1 for entry in history], "^--", label="valid macro-F1")
    score_axis.set_ylabel("validation score")
    score_axis.axvline(best_epoch, color="grey", linestyle=":", label=f"kept: epoch {best_epoch}")
    figure.legend(loc="lower center", ncol=2, fontsize=8, bbox_to_anchor=(0.5, 0.0))
    figure.tight_layout(rect=(0, 0.12, 1, 1))
    figure.savefig(path)
    plt.close(figure)
    return path


def plot_head_search(search: Sequence[dict], chosen: float, path: Path) -> Path:
    """Feature extraction's linear probe: validation accuracy / macro-F1 for each regularisation strength C tried
    (no epochs); the chosen C is marked."""
    plt = _pyplot()
    cs = [entry["c"] for entry in search]
    figure, axis = plt.subplots(figsize=(6, 3.5), dpi=100)
    axis.plot(cs, [entry["valid_accuracy"] for entry in search], "s-", label="valid accuracy")
    axis.plot(cs, [entry["valid_macro_f1"] for entry in search], "^--", label="valid macro-F1")
    axis.set_xscale("log")
    axis.set_xlabel("C (inverse L2 strength) of the logistic-regression head")
    axis.set_ylabel("validation score")
    axis.axvline(chosen, color="grey", linestyle=":", label=f"chosen: C = {chosen:g}")
    figure.legend(loc="lower center", ncol=3, fontsize=8, bbox_to_anchor=(0.5, 0.0))
    figure.tight_layout(rect=(0, 0.12, 1, 1))
    figure.savefig(path)
    plt.close(figure)
    return path


def plot_confusion_matrix(matrix: Sequence[Sequence[int]], labels: Sequence[str], title: str, path: Path) -> Path:
    """Counts with true labels as rows and predictions as columns."""
    plt = _pyplot()
    size = max(3.5, 0.6 * len(labels) + 2)
    figure, axis = plt.subplots(figsize=(size, size), dpi=100)
    axis.imshow(matrix, cmap="Blues")
    axis.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    axis.set_yticks(range(len(labels)), labels)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    axis.set_title(title)
    peak = max((max(row) for row in matrix), default=0)
    for i, row in enumerate(matrix):
        for j, count in enumerate(row):
            axis.text(j, i, str(count), ha="center", va="center", color="white" if count > peak / 2 else "black")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path
