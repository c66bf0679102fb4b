"""``TextClassifier.autotune``: a search (``_autotune.search``) with its outputs — the best model as an ordinary
folder whose card lists the chosen settings and the search, and beside it ``FOLDER.autotune/``: the study
(SQLite, for resuming), the trials as a table (Markdown, JSON) and a plot of score against time."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from .._errors import ConvtextError
from ..artifact import check_output_folder, replaced_atomically, shown_settings
from ..compress import parse_size
from ..data import LabeledTexts
from ..train import plot_trials
from ._autotune import AutotuneResult, search
from ._search_space import metric_of
from .training import train_and_valid

__all__ = ["autotune", "autotune_data", "search_folder"]

log = logging.getLogger(__name__)

COMPRESS_RESERVE = (0.06, 60.0)  # of the budget, kept for compressing to --max-size: a share, at most seconds


def search_folder(folder: Path) -> Path:
    """Where the study, the trials table and plot of a search whose best model goes to ``folder`` live."""
    return folder.with_name(f"{folder.name}.autotune")


def _summary(result: AutotuneResult, metric: str, budget: float) -> dict:
    states = [row["state"] for row in result.trials]
    best = result.study.best_trial
    settings = next(row["settings"] for row in result.trials if row["number"] == best.number)
    return {
        "metric": metric, "budget_seconds": budget, "seconds": round(result.seconds, 1), "trials": len(states),
        "completed": states.count("complete"), "pruned": states.count("pruned"), "failed": states.count("fail"),
        "best_trial": best.number, "best_score": best.value, "settings": settings,
    }  # fmt: skip


def _write_trials(result: AutotuneResult, summary: dict, where: Path) -> None:
    where.mkdir(parents=True, exist_ok=True)
    lines = [
        f"# Autotune: {summary['trials']} trials in {summary['seconds']:.0f} s (budget {summary['budget_seconds']:.0f}"
        f" s), {summary['metric']} on validation; best: trial {summary['best_trial']} ({summary['best_score']:.4f})",
        "", "| trial | state | score | seconds | settings |", "|---|---|---|---|---|",
    ]  # fmt: skip
    for row in result.trials:
        score = f"{row['score']:.4f}" if row["score"] is not None else "—"
        seconds = f"{row['seconds']:.1f}" if row["seconds"] is not None else "—"
        settings = shown_settings(row["settings"])
        lines.append(f"| {row['number']} | {row['state']} | {score} | {seconds} | {settings} |")
    with replaced_atomically(where / "trials.md") as temporary:
        temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with replaced_atomically(where / "trials.json") as temporary:
        temporary.write_text(json.dumps({"summary": summary, "trials": result.trials}, indent=1), encoding="utf-8")
    plot_trials(result.trials, summary["metric"], where / "trials.png")


def autotune(
    cls, texts, labels, valid_texts=None, valid_labels=None, budget: float = 600, metric: str | None = None,
    folder: str | Path | None = None, threads: int | None = None, seed: int = 0, multi_label: bool = False,
    report=None, max_size: str | int | None = None,
):  # fmt: skip
    """``TextClassifier.autotune``: see its docstring."""
    train, valid = train_and_valid(texts, labels, valid_texts, valid_labels, seed)  # one holdout for every trial
    return autotune_data(cls, train, valid, None, budget, metric, folder, threads, seed, multi_label, report, max_size)


def autotune_data(
    cls, train: LabeledTexts, valid: LabeledTexts, test: LabeledTexts | None, budget: float, metric: str | None,
    folder: str | Path | None, threads: int | None, seed: int, multi_label: bool, report=None,
    max_size: str | int | None = None,
):  # fmt: skip
    """``autotune`` on already-read data sets (as the CLI does); ``test``: scored once, with the best model;
    ``max_size``: the best model compressed to it."""
    metric = metric or ("micro_f1" if multi_label else "accuracy")
    score = metric_of(metric, train.label_set().labels, multi_label)  # a wrong name is refused before any work
    max_bytes = None if max_size is None else parse_size(max_size)  # likewise a malformed size
    folder = None if folder is None else check_output_folder(Path(folder))
    storage = None
    if folder is not None:
        search_folder(folder).mkdir(parents=True, exist_ok=True)
        storage = search_folder(folder) / "study.db"

    def make(**settings):  # multi-label: each label's threshold tuned on validation, as for the metric
        labelling = {"multi_label": True, "threshold": "tune"} if multi_label else {}
        return cls(**settings, threads=threads, seed=seed, **labelling)

    def on_best(classifier, trial) -> None:
        classifier.autotune_ = {"best_trial": trial.number, "best_score": trial.value, "metric": metric}
        if folder is not None:
            classifier.save(folder)

    kept_back = 0.0 if max_bytes is None else min(COMPRESS_RESERVE[0] * budget, COMPRESS_RESERVE[1])
    result = search(
        make, train, valid, budget - kept_back, metric, score, storage, seed, on_best, report or log.info
    )  # fmt: skip
    summary = _summary(result, metric, budget)
    best = result.best
    if best is None:  # found by an earlier run of this study, saved then
        if folder is None or not (folder / "config.json").is_file():
            raise ConvtextError("the best trial came from an earlier run whose model folder is gone — start over")
        best = cls.load(folder)
    best.autotune_ = summary
    test_gold = None if test is None else test.label_sets if multi_label else test.labels
    if max_bytes is not None:
        valid_gold = valid.label_sets if multi_label else valid.labels
        best = best.compress(max_bytes, valid.texts, valid_gold, *(() if test is None else (test.texts, test_gold)))
    elif test is not None:
        best.metrics_["test"] = best.evaluate(test.texts, test_gold)
    if folder is not None:
        best.save(folder)
        _write_trials(result, summary, search_folder(folder))
    return best
