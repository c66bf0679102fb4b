"""Autotune: the best classifier a time budget buys. Optuna's TPE sampler proposes settings (``_search_space``),
convtext's defaults first; every epoch reports its validation score, and Optuna's median pruner stops a trial whose
curve falls below the others'. The study lives in SQLite, so a killed search resumes and a budget can be extended.
"""

from __future__ import annotations

import hashlib
import logging
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from .._errors import ConvtextError
from ..data import LabeledTexts
from ..minilm import minilm_available, minilm_coverage
from ._recipe import AUTO_MINILM_COVERAGE
from ._search_space import DEFAULT_TRIALS, settings_of, suggest

__all__ = ["AutotuneResult", "search"]

log = logging.getLogger(__name__)

STUDY = "convtext-autotune"
RESERVE = (0.03, 20.0)  # of the budget, kept for saving the best model and the trials: a share, at most seconds
CANDIDATES = 4  # per kind of input vectors, the best finished trials of a run kept in memory to join an ensemble


class BudgetSpent(Exception):
    """Raised at an epoch's end once the budget is spent: the trial stops there."""


@dataclass
class AutotuneResult:
    best: object  # the fitted TextClassifier of the best trial (None when it was found by an earlier run)
    study: object  # the optuna.Study
    trials: list[dict] = field(default_factory=list)  # one row per trial: number, state, score, seconds, settings
    seconds: float = 0.0  # spent by every run of this study
    candidates: list[tuple[float, int, object]] = field(default_factory=list)  # (score, trial, classifier), best first

    def keep(self, score: float, number: int, classifier) -> None:
        """Keep a finished trial's model if it is among this run's ``CANDIDATES`` best from the same kind of input
        vectors (MiniLM's, random): models that differ most err on different texts, which is what an ensemble gains
        from, so the best of each kind stay on offer."""
        self.candidates.append((score, number, classifier))
        self.candidates.sort(key=lambda kept: (-kept[0], kept[1]))
        kind = str(classifier.embeddings)
        same = [kept for kept in self.candidates if str(kept[2].embeddings) == kind]
        for dropped in same[CANDIDATES:]:
            self.candidates.remove(dropped)


def data_digest(train: LabeledTexts, valid: LabeledTexts) -> str:
    """What the study was run on: a study is resumed on the same data only."""
    digest = hashlib.sha256()
    for part in (train, valid):
        for text, labels in zip(part.texts, part.label_sets):
            digest.update(f"{text}\t{'|'.join(labels)}\n".encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def open_study(storage: Path | None, seed: int, digest: str, metric: str):
    """A new or resumed maximising study with TPE and the median pruner (in SQLite at ``storage``)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with warnings.catch_warnings():  # grouped sampling of conditional settings is marked experimental
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True)
    pruner = optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=1)  # from the first epoch on
    url = None if storage is None else f"sqlite:///{storage}"
    study = optuna.create_study(storage=url, sampler=sampler, pruner=pruner, study_name=STUDY,
                                direction="maximize", load_if_exists=True)  # fmt: skip
    for trial in study.trials:  # a run killed mid-trial left it running: it never will
        if trial.state == optuna.trial.TrialState.RUNNING:
            study.tell(trial.number, state=optuna.trial.TrialState.FAIL)
    known = study.user_attrs.get("data")
    if known is None:
        study.set_user_attr("data", digest)
        study.set_user_attr("metric", metric)
        study.set_user_attr("seconds", 0.0)
    elif known != digest or study.user_attrs.get("metric") != metric:
        raise ConvtextError(
            f"{storage} holds a search on other data or for another metric ({study.user_attrs.get('metric')}) — "
            "give another output folder, or delete it to start over"
        )
    return study


def _hook(trial, metric, deadline: float):
    """The classifier's ``on_epoch_end``: stop at the deadline; report member 0's curve and prune on it."""
    import optuna

    def on_epoch_end(member: int, epoch: int, report: dict) -> None:
        if time.monotonic() > deadline:
            raise BudgetSpent
        if member == 0:
            trial.report(metric(report), epoch)
            if trial.should_prune():
                raise optuna.TrialPruned

    return on_epoch_end


def _minilm_on_offer(train: LabeledTexts) -> bool:
    return minilm_available() and minilm_coverage(train.texts) >= AUTO_MINILM_COVERAGE


def search(
    make, train: LabeledTexts, valid: LabeledTexts, budget: float, metric_name: str, metric,
    storage: Path | None, seed: int, on_best=None, report=print,
) -> AutotuneResult:  # fmt: skip
    """Search for ``budget`` seconds (counting earlier runs of the same study). ``make(**settings)``: a new
    classifier; ``metric(report)``: the score of a validation report (``metric_of(metric_name, ...)``);
    ``on_best(classifier, trial)``: called with each new best fitted classifier (to save it); ``report(line)``:
    one line per trial."""
    import optuna

    if budget <= 0:
        raise ConvtextError(f"the budget must be positive, got {budget:g} s")
    study = open_study(storage, seed, data_digest(train, valid), metric_name)
    minilm = _minilm_on_offer(train)
    if not study.trials:
        for defaults in DEFAULT_TRIALS if minilm else DEFAULT_TRIALS[1:]:
            study.enqueue_trial(defaults)
    started, spent_before = time.monotonic(), float(study.user_attrs.get("seconds", 0.0))
    deadline = started + budget - spent_before - min(RESERVE[0] * budget, RESERVE[1])
    result = AutotuneResult(best=None, study=study)
    while time.monotonic() < deadline:
        trial = study.ask()
        settings = suggest(trial, minilm)
        trial_started = time.monotonic()
        classifier = make(**settings)
        try:
            classifier.fit_data(train, valid, on_epoch_end=_hook(trial, metric, deadline))
        except optuna.TrialPruned:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        except BudgetSpent:
            trial.set_user_attr("stopped", "the budget ended")
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        except ConvtextError as error:  # settings that do not suit this data: recorded, the search goes on
            trial.set_user_attr("error", str(error)[:300])
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        else:
            score = metric(classifier.metrics_["valid"])
            is_best = not _completed(study) or score > study.best_value
            study.tell(trial, score)
            result.keep(score, trial.number, classifier)
            if is_best:
                result.best = classifier
                if on_best is not None:
                    on_best(classifier, study.best_trial)
        trial_seconds = time.monotonic() - trial_started
        study.set_user_attr("seconds", spent_before + time.monotonic() - started)
        report(trial_line(study.trials[trial.number], trial_seconds, study, deadline - time.monotonic()))
    result.trials = trial_rows(study)
    result.seconds = float(study.user_attrs["seconds"])
    if not _completed(study):
        raise ConvtextError(
            f"the budget ({budget:g} s) ended before any trial finished — give a larger budget (the first trial, "
            "convtext's defaults, needs about as long as one `convtext train` of this data)"
        )
    return result


def _completed(study) -> bool:
    import optuna

    return any(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)


def trial_line(trial, seconds: float, study, left: float) -> str:
    """One line per trial for the progress display."""
    complete = trial.state.name == "COMPLETE"
    outcome = f"{trial.value:.4f}" if complete else trial.state.name.lower()
    best = f"{study.best_value:.4f}" if _completed(study) else "—"
    return f"trial {trial.number}: {outcome} in {seconds:.1f}s · best {best} · {max(left, 0):.0f}s left"


def trial_rows(study) -> list[dict]:
    """Every trial: number, state, score (finished trials), seconds, settings."""
    return [
        {"number": t.number, "state": t.state.name.lower(), "score": t.value if t.state.name == "COMPLETE" else None,
         "seconds": t.duration.total_seconds() if t.duration else None, "settings": settings_of(t.params),
         **({"note": t.user_attrs.get("error") or t.user_attrs.get("stopped")} if t.user_attrs else {})}
        for t in study.trials if t.params
    ]  # fmt: skip
