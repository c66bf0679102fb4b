"""Training a ``TextClassifier``: the steps ``fit``, ``adapt``, ``distill`` and streamed training share — build
or copy the model (through the recipe), encode the targets, run the loop (each ensemble member alone, or
transfer's head first), and keep what it did. Each takes the estimator and sets its learned ``_`` attributes."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch

from .._errors import ConvtextError, DataError
from ..data import LabeledTexts, as_labeled, as_text_list, stratified_holdout
from ..infer import model_device, predict_logits, resolve_device, set_threads
from ..models import TextCNN, TextModel
from ..runtime import calibration_report, fit_temperature, to_probabilities, why_not_calibrate
from ..train import (
    TrainConfig,
    TrainResult,
    can_fork_trainings,
    confined_cores,
    ensemble_result,
    fit,
    parallel_training,
    score_logits,
    stage_checkpoint,
    train_side_by_side,
)
from ..transfer import fit_head, prepare_transfer
from ._ensemble import EnsembleClassifier
from ._recipe import Built, Recipe, training_settings

__all__ = [
    "EpochHook", "build_model", "calibrate", "choose_thresholds", "ensemble_size", "fit_sets", "forget_derived",
    "given_data", "logit_rows", "record_fit", "seed_and_threads", "start_from_pretrained", "targets", "train",
    "train_and_valid", "train_config", "train_members",
]  # fmt: skip

log = logging.getLogger(__name__)

EpochHook = Callable[[int, int, dict], None]  # (member, epoch, validation report): after every epoch


def train_config(clf, new_model: bool = False, rows: tuple[int, int] | None = None) -> TrainConfig:
    """The loop's settings from the estimator's; ``new_model``: a plain fit of a new model (its own schedule) on
    ``rows`` (training, validation) texts."""
    given = {name: getattr(clf, name) for name in ("epochs", "batch_size", "lr", "patience")}
    source = getattr(clf, "embeddings_", None)
    schedule = training_settings(given, source, clf.architecture, new_model, rows)
    return TrainConfig(
        **schedule, lr_schedule=clf.lr_schedule, class_weights=clf.class_weights, seed=clf.seed, threads=clf.threads,
        progress=clf.progress, device=clf.device,
    )  # fmt: skip


def seed_and_threads(clf) -> None:
    """Before anything random: the estimator's thread count and torch seed."""
    set_threads(clf.threads)
    torch.manual_seed(clf.seed)


def given_data(texts, labels, valid_texts, valid_labels, what: str = "training data") -> tuple:
    """``(train, valid or None)`` as ``LabeledTexts`` from the lists a user passed (``what``: how errors name
    the training side)."""
    train = as_labeled(as_text_list(texts), labels, what)
    if valid_texts is None:
        return train, None
    return train, as_labeled(as_text_list(valid_texts, "valid_texts"), valid_labels or [], "validation data")


def train_and_valid(texts, labels, valid_texts, valid_labels, seed: int) -> tuple[LabeledTexts, LabeledTexts]:
    """``given_data``, at least two classes to train on, and without a validation set a seeded stratified 10 %
    of the training data held out."""
    train, valid = given_data(texts, labels, valid_texts, valid_labels)
    train = train.require_classes(2)
    if valid is None:
        keep, held = stratified_holdout(train.label_sets, 0.1, seed)
        train, valid = train.subset(keep), train.subset(held)
    return train, valid


def ensemble_size(model: TextModel) -> int:
    """How many separately trained members ``model`` holds (a TextCNN ensemble; 1 for any other model)."""
    return model.members if isinstance(model, TextCNN) else 1


def logit_rows(model: TextModel):
    """What the loss scores for ``model``: a TextCNN's logits member by member ``(B, M, C)`` (each member learns
    as if alone), or ``None`` (the model's own logits)."""
    return model.member_logits if isinstance(model, TextCNN) else None


def forget_derived(clf) -> None:
    """Drop what a new fit makes stale: the vectors-file report, an ONNX graph of the old weights, the old
    probabilities' temperature, a compression record (the new weights are stored whole)."""
    for name in ("vectors_", "onnx_", "temperature_", "compression_", "compress_candidates_"):
        clf.__dict__.pop(name, None)


def _adopt(clf, built: Built) -> None:
    clf.model_, clf.tokenizer_ = built.model, built.tokenizer
    clf.embeddings_, clf.embedding_mode_ = built.embeddings, built.embedding_mode
    if built.vectors is not None:
        clf.vectors_ = built.vectors
    clf.transfer_, clf.data_seen_ = built.transfer, built.data_seen


def build_model(clf, texts: Iterable[str], sample: list[str] | None = None, unlabelled: Sequence[str] = ()) -> None:
    """A new model for ``clf`` (its ``label_set_`` set first): see ``Recipe.build``."""
    recipe = Recipe(clf.get_params(deep=False))
    _adopt(clf, recipe.build(texts, lambda: len(clf.label_set_), sample, unlabelled))


def start_from_pretrained(clf, texts: list[str]) -> None:
    """``clf.pretrained``'s tokenizer and body (a name or folder is loaded first): see ``Recipe.from_pretrained``."""
    base = clf.pretrained if hasattr(clf.pretrained, "model_") else type(clf).from_pretrained(clf.pretrained)
    if isinstance(base, EnsembleClassifier):
        raise ConvtextError(
            f"{clf.pretrained} is an ensemble of {len(base.members)} models, not one body to start from — start from "
            "one member (FOLDER/members/0, the heaviest), or distil the ensemble into one model (convtext distill "
            "--teacher FOLDER)"
        )
    base._check_fitted()
    built = Recipe(clf.get_params(deep=False)).from_pretrained(base, texts, clf.label_set_.labels, clf.multi_label)
    _adopt(clf, built)


def targets(clf, data: LabeledTexts) -> list[int] | np.ndarray:
    """Label ids, or for multi-label an ``(N, C)`` 0/1 array."""
    if not clf.multi_label:
        return clf.label_set_.encode(data.labels)
    encoded = np.zeros((len(data), len(clf.label_set_)), dtype=np.float32)
    for row, labels in enumerate(data.label_sets):
        encoded[row, clf.label_set_.encode(labels)] = 1.0
    return encoded


def calibrate(clf, logits: np.ndarray, valid_targets) -> dict:
    """Set ``clf.temperature_`` from the validation set's ``(N, C)`` logits (1 with ``calibrate=False``, or where
    ``why_not_calibrate`` says why not) and return the validation set's calibration report at it."""
    clf.temperature_ = 1.0
    gold = np.asarray(valid_targets)  # (N,) | (N, C)
    why_not = why_not_calibrate(logits, gold, clf.multi_label) if clf.calibrate else None
    if why_not:
        log.info("probabilities left uncalibrated (temperature 1): %s", why_not)
    elif clf.calibrate:
        clf.temperature_ = fit_temperature(logits, gold, clf.multi_label)
    report = calibration_report(logits, gold, clf.multi_label, clf.temperature_)
    if report["n"]:
        log.info(
            "probabilities at temperature %.2f: validation ECE %.3f (was %.3f), NLL %.3f (was %.3f)", clf.temperature_,
            report["ece"], report["uncalibrated"]["ece"], report["nll"], report["uncalibrated"]["nll"],
        )  # fmt: skip
    return report


def choose_thresholds(clf, probabilities: np.ndarray, valid_targets) -> np.ndarray:
    """Multi-label decision thresholds ``(C,)``: the global one, or per label the best F1 on validation (its
    ``(N, C)`` probabilities).

    A label without a positive validation text keeps 0.5; ties go to the threshold nearest 0.5.
    """
    count = len(clf.label_set_)
    if not clf.multi_label:
        return np.full(count, 0.5)
    if clf.threshold != "tune":
        if not isinstance(clf.threshold, int | float) or not 0 < clf.threshold < 1:
            raise ConvtextError(f"threshold must be a probability in (0, 1) or 'tune', got {clf.threshold!r}")
        return np.full(count, float(clf.threshold))
    gold = valid_targets > 0  # (N, C)
    grid = np.round(np.linspace(0.05, 0.95, 19), 2)
    chosen = np.full(count, 0.5)
    for label in range(count):
        if not gold[:, label].any():
            continue
        scores = []
        for t in grid:
            on = probabilities[:, label] >= t
            tp = (on & gold[:, label]).sum()
            scores.append((2 * tp / (on.sum() + gold[:, label].sum()), -abs(t - 0.5), t))
        chosen[label] = max(scores)[2]
    log.info("thresholds tuned on validation: %s", dict(zip(clf.classes_, chosen.round(2).tolist())))
    return chosen


def fit_sets(
    clf, data: LabeledTexts, valid: LabeledTexts, checkpoints: str | Path | None, resume: bool,
    on_epoch_end: EpochHook | None = None,
):  # fmt: skip
    """``TextClassifier.fit_data``: labels, a new (or pretrained) model, training, the record; returns ``clf``."""
    seed_and_threads(clf)
    if data.is_multilabel and not clf.multi_label:
        raise DataError(
            f"{data.source}: some rows have several labels — train a multi-label model (multi_label=True, --multi-label)"
        )
    clf.label_set_ = data.label_set()
    unknown = sorted(set(valid.label_set()) - set(clf.label_set_))
    if unknown:
        raise DataError(f"validation labels {unknown[:10]} do not occur in the training data")
    forget_derived(clf)
    if clf.pretrained is None:
        build_model(clf, data.texts)
    else:
        start_from_pretrained(clf, data.texts)
    clf.data_seen_ = list(dict.fromkeys([*clf.data_seen_, data.source, valid.source]))
    train_y, valid_y = targets(clf, data), targets(clf, valid)
    train_data, valid_data = (clf.encode(data.texts), train_y), (clf.encode(valid.texts), valid_y)
    saving = Path(checkpoints) if checkpoints is not None else None
    result = train(clf, train_data, valid_data, saving, resume, on_epoch_end)
    return record_fit(clf, result, valid, valid_y, len(data), data.source)


def record_fit(clf, result: TrainResult, valid: LabeledTexts, valid_y, train_rows: int, train_source: str):
    """Keep what training did: history, thresholds, validation metrics and the training record; returns ``clf``."""
    clf.history_ = result
    logits = clf.decision_function(valid.texts)  # (N, C), once for the temperature and the thresholds
    calibration = calibrate(clf, logits, valid_y)  # before the thresholds: they apply to these probabilities
    clf.thresholds_ = choose_thresholds(clf, to_probabilities(logits, clf.multi_label, clf.temperature_), valid_y)
    clf.metrics_ = {
        "valid": clf.evaluate(valid.texts, valid.label_sets) if clf.multi_label else dict(result.best_valid)
    }
    clf.metrics_["valid"]["calibration"] = calibration
    clf.training_ = {
        "train_rows": train_rows, "valid_rows": len(valid), "train_source": train_source,
        "best_epoch": result.best_epoch, "seconds": round(result.seconds, 2),
        "history": [asdict(entry) for entry in result.history], "config": result.config,
    }  # fmt: skip
    return clf


def train(
    clf, train_data: tuple, valid_data: tuple, checkpoints: Path | None, resume: bool,
    on_epoch_end: EpochHook | None = None,
) -> TrainResult:  # fmt: skip
    """From scratch: the training loop. Transfer: the head alone on the frozen body's features
    (feature extraction ends there); fine-tuning then trains every group from that point and keeps
    the best epoch on validation, that starting point included (of equal accuracies, the lower loss).
    Each run of the loop checkpoints to its own file in ``checkpoints`` (the head's fit is quick
    and deterministic: it simply runs again). ``on_epoch_end``: see ``TextClassifier.fit_data``."""
    labels = clf.label_set_.labels
    config = train_config(clf, new_model=clf.pretrained is None, rows=(len(train_data[1]), len(valid_data[1])))

    if clf.pretrained is None:

        def fit_member(model: TextModel, member_config: TrainConfig, index: int | None) -> TrainResult:
            stage = "train" if index is None else f"member-{index}"
            return fit(
                model,
                train_data,
                valid_data,
                labels,
                member_config,
                **stage_checkpoint(checkpoints, stage, resume),
                logit_rows=logit_rows(model),
                on_epoch_end=member_hook(on_epoch_end, index or 0),
            )

        return train_members(clf, fit_member, valid_data, labels, config, in_process=on_epoch_end is not None)
    warm = None
    if clf.transfer in ("feature-extraction", "fine-tune"):
        clf.model_.freeze()
        warm = fit_head(clf.model_, train_data, valid_data, labels, config)
        if clf.transfer == "feature-extraction":
            return warm
    groups, on_epoch_start = prepare_transfer(
        clf.model_, clf.transfer, config.lr, clf.transfer_["body_lr_mult"], clf.lr_range, clf.unfreeze_schedule
    )
    result = fit(
        clf.model_, train_data, valid_data, labels, config, groups, on_epoch_start, warm is not None,
        **stage_checkpoint(checkpoints, "fine-tune", resume), logit_rows=logit_rows(clf.model_),
        loss_breaks_ties=warm is not None, on_epoch_end=member_hook(on_epoch_end, 0),
    )  # fmt: skip
    if warm is not None:
        result.config["head_warmup_c"] = warm.config["head_c"]  # the linear probe fine-tuning started from
        result.config["selected_on"] = "validation accuracy, ties broken by validation loss"
    return result


def member_hook(on_epoch_end: EpochHook | None, member: int) -> Callable[[int, dict], None] | None:
    """The engine's ``on_epoch_end(epoch, report)`` for one member, from the classifier's hook."""
    return None if on_epoch_end is None else lambda epoch, report: on_epoch_end(member, epoch, report)


def train_members(
    clf, fit_member: Callable[[TextModel, TrainConfig, int | None], TrainResult], valid_data: tuple,
    labels: list[str], config: TrainConfig, in_process: bool = False,
) -> TrainResult:  # fmt: skip
    """``fit_member(model, config, index)`` on ``clf.model_`` — or, for an ensemble, on each member alone (its
    own seed, batch order and early stopping), side by side in processes of their own where the threads allow
    (``parallel_training``) unless ``in_process``, the members then joined into ``model_``. The training curve is
    the first member's; ``config["members"]`` lists them all."""
    if ensemble_size(clf.model_) == 1:
        return fit_member(clf.model_, config, None)
    singles = clf.model_.split_members()
    count = len(singles)
    configs = [replace(config, seed=config.seed + i, progress_label=f"member {i + 1}/{count} ") for i in range(count)]
    processes, threads = parallel_training(count, config.threads)
    budget = processes * threads
    started = time.perf_counter()
    if processes > 1 and not in_process and can_fork_trainings(resolve_device(config.device).type):
        processes, cores = min(count, budget), confined_cores(count, config.threads)  # members at once, on these
        log.info("training %d members, %d at a time (each but one in a process of its own, on one thread%s); the "
                 "progress bar follows member 1", count, processes,
                 f"; all on {len(cores)} cores" if cores else "")  # fmt: skip
        configs = [replace(c, progress=c.progress and i == 0) for i, c in enumerate(configs)]
        results = train_side_by_side(
            lambda i, threads: fit_member(singles[i], replace(configs[i], threads=threads), i), singles, budget, cores
        )
        set_threads(config.threads)  # "auto": predict on the cores free now, not those free when training began
    else:
        processes = 1
        results = [
            fit_member(single, member_config, i) for i, (single, member_config) in enumerate(zip(singles, configs))
        ]
    clf.model_.to(model_device(singles[0])).join_members(singles)
    report, _ = score_logits(predict_logits(clf.model_, valid_data[0]), valid_data[1], labels)
    result = ensemble_result(results, report, config.seed, [r.best_valid.get("accuracy") for r in results])
    result.config["members_side_by_side"] = processes
    result.seconds = time.perf_counter() - started  # side by side, less than the members' own times added up
    return result
