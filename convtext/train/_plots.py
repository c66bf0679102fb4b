"""PNG figures written next to a saved model: the training curve, the confusion matrix, the reliability diagram."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = ["plot_confusion_matrix", "plot_head_search", "plot_reliability", "plot_training_curve", "plot_trials"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only, no display needed
    import matplotlib.pyplot as plt

    return plt


def plot_training_curve(
    history: Sequence, best_epoch: int, path: Path, members: Sequence[dict] = (), kept_by: str = "validation score"
) -> Path:
    """Training and validation loss, validation accuracy / macro-F1 per epoch; the kept epoch is marked (the best
    ``kept_by``). Multi-task: each task's
    validation accuracy too; DANN: how well the domain classifier told the domains apart; an ensemble trained
    member by member (``members``: its record): each member's validation accuracy (the main curve is member 0's)."""
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    epochs = [entry.epoch for entry in history]
    figure, loss_axis = plt.subplots(figsize=(6, 3.5), dpi=100)
    loss_axis.plot(epochs, [entry.train_loss for entry in history], "o-", color="tab:red", label="training loss")
    loss_axis.set_xlabel("epoch (0: the starting state)" if epochs and epochs[0] == 0 else "epoch")
    loss_axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    loss_axis.set_ylabel("loss")
    if getattr(history[0], "valid_loss", None) is not None:
        valid_loss = [entry.valid_loss for entry in history]
        loss_axis.plot(epochs, valid_loss, "o--", color="tab:red", alpha=0.6, label="validation loss")
    score_axis = loss_axis.twinx()
    accuracy, macro_f1 = [entry.valid_accuracy for entry in history], [entry.valid_macro_f1 for entry in history]
    _scores(score_axis, epochs, accuracy, macro_f1, best_epoch, f"kept: epoch {best_epoch} (best {kept_by})")
    for task in getattr(history[0], "tasks", {}):  # multi-task: the scores above are the means over tasks
        accuracy = [entry.tasks[task]["valid_accuracy"] for entry in history]
        score_axis.plot(epochs, accuracy, ".:", linewidth=1, label=f"{task}: valid accuracy")
    for index, member in enumerate(members[1:], start=1):
        curve = member.get("valid_curve", [])
        score_axis.plot(range(1, len(curve) + 1), curve, "--", linewidth=1, label=f"member {index}: valid accuracy")
    if hasattr(history[0], "domain_accuracy"):  # DANN
        domain = [entry.domain_accuracy for entry in history]
        score_axis.plot(epochs, domain, "x:", color="tab:purple", label="domain accuracy (0.5: domains hidden)")
    return _save(plt, figure, path, columns=2)


def plot_head_search(search: Sequence[dict], chosen: float, path: Path) -> Path:
    """Feature extraction's linear probe: validation accuracy / macro-F1 for each regularisation strength C tried
    (no epochs); the chosen C is marked."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(6, 3.5), dpi=100)
    accuracy, macro_f1 = [entry["valid_accuracy"] for entry in search], [entry["valid_macro_f1"] for entry in search]
    _scores(axis, [entry["c"] for entry in search], accuracy, macro_f1, chosen, f"chosen: C = {chosen:g}")
    axis.set_xscale("log")
    axis.set_xlabel("C (inverse L2 strength) of the logistic-regression head")
    return _save(plt, figure, path, columns=3)


def _scores(axis, xs: Sequence, accuracy: Sequence, macro_f1: Sequence, kept, label: str) -> None:
    """Validation accuracy and macro-F1 along ``xs``, the kept point marked."""
    axis.plot(xs, accuracy, "s-", label="valid accuracy")
    axis.plot(xs, macro_f1, "^--", label="valid macro-F1")
    axis.set_ylabel("validation score")
    axis.axvline(kept, color="grey", linestyle=":", label=label)


def _save(plt, figure, path: Path, columns: int) -> Path:
    """One legend under the axes, then the PNG."""
    figure.legend(loc="lower center", ncol=columns, fontsize=8, bbox_to_anchor=(0.5, 0.0))
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


def plot_reliability(report: dict, title: str, path: Path) -> Path:
    """A reliability diagram from ``convtext.runtime.calibration_report``: per confidence bin, how often the
    forecasts came true, at temperature 1 and calibrated (a point per bin that holds forecasts; the diagonal is
    perfect calibration)."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(4.5, 4.5), dpi=100)
    axis.plot([0, 1], [0, 1], ":", color="grey", label="perfectly calibrated")
    for scores, style, name in ((report["uncalibrated"], "o--", "temperature 1"),
                                (report, "s-", f"temperature {report['temperature']:.2f}")):  # fmt: skip
        held = [b for b in scores["bins"] if b["count"]]
        axis.plot([b["confidence"] for b in held], [b["accuracy"] for b in held], style,
                  label=f"{name}: ECE {scores['ece']:.3f}")  # fmt: skip
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1)
    axis.set_xlabel("predicted probability (mean of the bin)")
    axis.set_ylabel("share that came true")
    axis.set_title(title, fontsize=9, wrap=True)
    return _save(plt, figure, path, columns=1)


def plot_trials(trials: Sequence[dict], metric: str, path: Path) -> Path:
    """An autotune search: each finished trial's validation score at the time it ended, the best so far as a
    step line (pruned and failed trials as crosses at the bottom)."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(6, 3.5), dpi=100)
    elapsed, done, best, best_curve, stopped = 0.0, [], None, [], []
    for trial in trials:
        elapsed += trial["seconds"] or 0.0
        if trial["score"] is None:
            stopped.append(elapsed)
            continue
        done.append((elapsed, trial["score"]))
        best = trial["score"] if best is None else max(best, trial["score"])
        best_curve.append((elapsed, best))
    if done:
        axis.plot(*zip(*done), "o", alpha=0.6, label="finished trial")
        axis.step(*zip(*best_curve), where="post", color="tab:red", label="best so far")
        if stopped:
            axis.plot(stopped, [min(s for _, s in done)] * len(stopped), "x", color="grey", label="pruned or failed")
    axis.set_xlabel("search time (s, trials one after another)")
    axis.set_ylabel(f"validation {metric}")
    return _save(plt, figure, path, columns=3)
