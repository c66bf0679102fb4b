"""``TextClassifier.distill``: train a student on a teacher classifier's outputs over the training texts and more."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .._errors import ConvtextError, DataError
from ..data import LabeledTexts, as_text_list, stratified_holdout
from ..distill import NO_LABEL, Augmentation, DistillConfig, SoftTargetLoss, augment, soft_targets, teacher_logits
from ..train import fit
from . import training

__all__ = ["fit_distilled"]

log = logging.getLogger(__name__)


def _teacher(teacher, student):
    """A trained single-label classifier — given as one, or as a folder or zoo name that ``from_pretrained`` reads,
    as a transfer body is — and what to call it."""
    name = str(teacher) if isinstance(teacher, str | Path) else None
    if name is not None:
        teacher = type(student).from_pretrained(teacher)
    if not hasattr(teacher, "decision_function") or not hasattr(teacher, "classes_"):
        raise ConvtextError(f"the teacher must be a trained TextClassifier or its folder, not {type(teacher).__name__}")
    teacher._check_fitted()
    if teacher.multi_label:
        raise ConvtextError("the teacher is a multi-label model — task distillation takes single-label teachers")
    return teacher, name or f"a {_architecture(teacher)} TextClassifier"


def _architecture(teacher) -> str:
    return teacher.model_.architecture if hasattr(teacher, "model_") else f"ensemble of {len(teacher.members)}"


def _extra_texts(
    train: LabeledTexts, valid: LabeledTexts, unlabelled: list[str], augmentation: Augmentation | None,
    hidden: set[str],
) -> tuple[list[str], dict]:  # fmt: skip
    """The texts only the teacher labels: augmented training texts, then the unlabelled ones; each once, none that
    is a training, validation or ``hidden`` text (those must stay unseen). Returns them and their counts."""
    made = augment(train.texts, augmentation) if augmentation is not None else []
    taken = set(train.texts) | set(valid.texts) | hidden
    extra, dropped = [], 0
    for text in [*made, *unlabelled]:
        if text in taken or not text.strip():
            dropped += 1
            continue
        taken.add(text)
        extra.append(text)
    if dropped:
        log.info(
            "distillation: %d extra texts skipped (empty, repeated, or a training/validation/excluded text)", dropped
        )
    counts = {"augmented_rows": len(made), "unlabelled_rows": len(unlabelled), "skipped_extra_rows": dropped}
    return extra, counts


def fit_distilled(
    student, teacher, texts, labels, valid_texts, valid_labels, unlabelled, augmentation: Augmentation | None,
    config: DistillConfig, unlabelled_source: str, exclude,
):  # fmt: skip
    """See ``TextClassifier.distill``."""
    training.seed_and_threads(student)
    train, valid = training.given_data(texts, labels, valid_texts, valid_labels)
    unlabelled = as_text_list(unlabelled, "unlabelled")
    hidden = set(as_text_list(exclude, "exclude"))
    teacher, teacher_name = _teacher(teacher, student)
    if student.multi_label:
        raise ConvtextError("task distillation trains single-label students — leave multi_label off")
    if student.pretrained is not None:
        raise ConvtextError("a distilled student is trained from scratch — leave pretrained unset")
    train = train.require_classes(2)
    if valid is None:
        keep, held = stratified_holdout(train.label_sets, 0.1, student.seed)
        train, valid = train.subset(keep), train.subset(held)
    unknown = sorted((set(train.label_set()) | set(valid.label_set())) - set(teacher.classes_))
    if unknown:
        raise DataError(
            f"labels {unknown[:10]} are not the teacher's ({', '.join(teacher.classes_)}) — distil a teacher "
            "trained on this task"
        )
    student.label_set_ = teacher.label_set_  # the teacher's columns, in its order
    training.forget_derived(student)
    extra, counts = _extra_texts(train, valid, unlabelled, augmentation, hidden)
    texts = train.texts + extra
    started = time.perf_counter()
    logits = teacher_logits(teacher, texts)  # (N, C), cached on disk
    teacher_seconds = time.perf_counter() - started
    label_ids = np.concatenate([training.targets(student, train), np.full(len(extra), NO_LABEL)])  # (N,)
    training.build_model(student, texts)
    valid_y = training.targets(student, valid)
    rows, valid_data = soft_targets(logits, label_ids).numpy(), (student.encode(valid.texts), valid_y)
    train_ids, labels, loss = student.encode(texts), student.label_set_.labels, SoftTargetLoss(config)

    def fit_member(model, member_config, index):
        return fit(
            model, (train_ids, rows), valid_data, labels, member_config, loss_function=loss,
            logit_rows=training.logit_rows(model),
        )  # fmt: skip

    result = training.train_members(student, fit_member, valid_data, labels, training.train_config(student))
    seen = [*teacher.data_seen_, train.source, valid.source] + ([unlabelled_source] if unlabelled else [])
    student.data_seen_ = list(dict.fromkeys(seen))
    training.record_fit(student, result, valid, valid_y, len(texts), train.source)
    teacher_valid = teacher.evaluate(valid.texts, valid.labels)["accuracy"]
    student.training_["distillation"] = {
        "teacher": teacher_name, "teacher_architecture": _architecture(teacher),
        "teacher_valid_accuracy": teacher_valid, "labelled_rows": len(train), "extra_rows": len(extra), **counts,
        "teacher_seconds": round(teacher_seconds, 2), **asdict(config),
        "augmentation": asdict(augmentation) if augmentation is not None else None,
    }  # fmt: skip
    return student
