"""``TextClassifier.autotune``: a search (``_autotune.search``) with its outputs — the best model as an ordinary
folder whose card lists the chosen settings and the search, and beside it ``FOLDER.autotune/``: the study
(SQLite, for resuming), the trials as a table (Markdown, JSON) and a plot of score against time."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from .._errors import ConvtextError
from ..artifact import check_output_folder, replaced_atomically, shown_settings
from ..compress import parse_size
from ..data import LabeledTexts
from ..train import plot_trials
from ._autotune import AutotuneResult, search
from ._ensemble import EnsembleClassifier, greedy_weights
from ._search_space import metric_of
from .training import calibrate, train_and_valid

__all__ = ["autotune", "autotune_data", "search_folder"]

log = logging.getLogger(__name__)

COMPRESS_RESERVE = (0.06, 60.0)  # of the budget, kept for compressing to --max-size: a share, at most seconds
ENSEMBLE_ROUNDS = 10  # picks (with repetition) of the greedy ensemble selection: weights in tenths


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
    report=None, max_size: str | int | None = None, ensemble: int = 5,
):  # fmt: skip
    """``TextClassifier.autotune``: see its docstring."""
    train, valid = train_and_valid(texts, labels, valid_texts, valid_labels, seed)  # one holdout for every trial
    return autotune_data(
        cls, train, valid, None, budget, metric, folder, threads, seed, multi_label, report, max_size, ensemble
    )  # fmt: skip


def _ensemble_of(best, result: AutotuneResult, summary: dict, valid: LabeledTexts, score, most: int):
    """The finished trials' models joined by ``greedy_weights`` on ``valid`` when it picks two or more, else
    ``best``. Candidates: this run's best trials and the model an earlier run saved (its members, if an ensemble)."""
    pool = [(number, classifier) for _, number, classifier in result.candidates]
    if result.best is None:  # the best trial came from an earlier run: what it saved joins the pool
        earlier = best.autotune_.get("ensemble") or [{"trial": result.study.best_trial.number}]
        members = best.members if isinstance(best, EnsembleClassifier) else [best]
        pool += [(entry["trial"], member) for entry, member in zip(earlier, members)]
    if len(pool) < 2:
        return best
    gold = np.array([pool[0][1].classes_.index(label) for label in valid.labels])  # (N,)
    counts = greedy_weights([c.predict_proba(valid.texts) for _, c in pool], gold, ENSEMBLE_ROUNDS, most)
    chosen = sorted(((k, n, c) for (n, c), k in zip(pool, counts) if k), key=lambda kept: (-kept[0], kept[1]))
    if len(chosen) < 2:  # one model alone is best: the study's best trial (an earlier ensemble: the one chosen)
        return chosen[0][2] if isinstance(best, EnsembleClassifier) else best
    joined = EnsembleClassifier([c for _, _, c in chosen], [k for k, _, _ in chosen])
    calibration = calibrate(joined, joined.decision_function(valid.texts), gold)  # (N, C) log mean probabilities
    joined.metrics_ = {"valid": joined.evaluate(valid.texts, valid.labels)}
    joined.metrics_["valid"]["calibration"] = calibration
    rows = {row["number"]: row for row in result.trials}
    summary["ensemble"] = [
        {"folder": f"members/{i}", "trial": n, "weight": float(w), "score": rows[n]["score"],
         "settings": rows[n]["settings"]}
        for i, ((_, n, _), w) in enumerate(zip(chosen, joined.weights_))
    ]  # fmt: skip
    summary["ensemble_score"] = score(joined.metrics_["valid"])
    return joined


def autotune_data(
    cls, train: LabeledTexts, valid: LabeledTexts, test: LabeledTexts | None, budget: float, metric: str | None,
    folder: str | Path | None, threads: int | None, seed: int, multi_label: bool, report=None,
    max_size: str | int | None = None, ensemble: int = 5,
):  # fmt: skip
    """``autotune`` on already-read data sets (as the CLI does); ``test``: scored once, with the best model;
    ``max_size``: the best model compressed to it; ``ensemble``: at most this many trials' models joined (single-label,
    no ``max_size``; 1: the best trial's model alone)."""
    if int(ensemble) != ensemble or ensemble < 1:
        raise ConvtextError(f"ensemble takes the most models to join, a whole number from 1 — got {ensemble!r}")
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
    if ensemble > 1 and not multi_label and max_bytes is None:
        best = _ensemble_of(best, result, summary, valid, score, int(ensemble))
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
