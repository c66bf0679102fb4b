"""``TextClassifier.adapt``: train on labelled source texts and unlabelled target texts with DANN."""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path

from .._errors import ConvtextError, DataError
from ..adapt import DannConfig, confident_rows, fit_dann
from ..data import LabeledTexts, stratified_holdout
from ..train import stage_checkpoint
from . import training

__all__ = ["fit_adapted"]

log = logging.getLogger(__name__)


def unlabelled_texts(target) -> list[str]:
    """The target texts as plain strings; anything carrying labels is refused (DANN must not see target labels)."""
    if isinstance(target, LabeledTexts):
        raise DataError(
            "the target data carries labels — domain adaptation takes unlabelled target texts only: pass the "
            "texts (data.texts), and give a small labelled target set as target_valid to select on, if you have one"
        )
    if isinstance(target, str):
        raise ConvtextError("target_texts must be a list of strings, not one string — wrap it: [text]")
    texts = list(target)
    bad = [i for i, text in enumerate(texts) if not isinstance(text, str)]
    if bad:
        raise DataError(
            f"target_texts[{bad[0]}] is {type(texts[bad[0]]).__name__}, not a text ({len(bad)} such rows) — "
            "the target side takes unlabelled texts only, never (text, label) pairs"
        )
    if not texts:
        raise DataError("no target texts — domain adaptation needs unlabelled text from the target domain")
    return texts


def fit_adapted(
    classifier, texts, labels, target, target_valid_texts, target_valid_labels, dann: DannConfig | None,
    checkpoints: str | Path | None = None, resume: bool = False,
):  # fmt: skip
    """See ``TextClassifier.adapt``. Each round (and each ensemble member) checkpoints to its own file."""
    training.seed_and_threads(classifier)
    source, target_valid = training.given_data(texts, labels, target_valid_texts, target_valid_labels, "source data")
    dann = dann or DannConfig()
    target_texts = unlabelled_texts(target)
    if classifier.multi_label:
        raise ConvtextError("domain adaptation trains single-label models — leave multi_label off")
    train = source.require_classes(2)
    if target_valid is None:  # no target labels at all: select on held-out source data
        keep, held = stratified_holdout(train.label_sets, 0.1, classifier.seed)
        train, valid, selected_on = train.subset(keep), train.subset(held), "source holdout"
    else:
        valid, selected_on = target_valid, "target-valid"
    classifier.label_set_ = train.label_set()
    unknown = sorted(set(valid.label_set()) - set(classifier.label_set_))
    if unknown:
        raise DataError(f"{valid.source}: labels {unknown[:10]} do not occur in the source data")
    valid_y = training.targets(classifier, valid)
    saving = {"checkpoints": Path(checkpoints) if checkpoints is not None else None, "resume": resume}
    result = _adversarial_round(classifier, train, train.texts, target_texts, valid, dann, "round-1", **saving)
    adaptation = {
        "method": "dann", "target_rows": len(target_texts), "selected_on": selected_on, **asdict(dann),
        "domain_accuracy": _domain_accuracy(result),
    }  # fmt: skip
    pseudo = pseudo_labelled(classifier, target_texts, dann.self_training) if dann.self_training else None
    if pseudo is not None and not pseudo.texts:
        log.warning("self-training skipped: %d target texts are too few to pseudo-label", len(target_texts))
        adaptation["self_training_round"] = {"skipped": f"{len(target_texts)} target texts are too few"}
    elif pseudo is not None:
        first_valid = result.best_valid["accuracy"]
        source_texts = train.texts
        train = LabeledTexts(train.texts + pseudo.texts, train.label_sets + pseudo.label_sets, source=train.source)
        result = _adversarial_round(classifier, train, source_texts, target_texts, valid, dann, "round-2", **saving)
        adaptation["method"] = "dann + self-training"
        adaptation["self_training_round"] = {
            "pseudo_labelled": pseudo.label_counts(), "first_round_valid_accuracy": round(first_valid, 4),
            "domain_accuracy": _domain_accuracy(result),
        }  # fmt: skip
    classifier.data_seen_ = list(dict.fromkeys([*classifier.data_seen_, train.source, valid.source]))
    training.record_fit(classifier, result, valid, valid_y, len(train), train.source)
    classifier.training_["adaptation"] = adaptation
    return classifier


def _domain_accuracy(result) -> list[float]:
    """How well the domain classifier told the domains apart, epoch by epoch (0.5 = not at all)."""
    return [round(entry.domain_accuracy, 4) for entry in result.history]


def pseudo_labelled(classifier, target_texts: list[str], share: float) -> LabeledTexts:
    """The target texts the adapted ``classifier`` is surest of, class-balanced, labelled by its predictions."""
    rows, classes = confident_rows(classifier.predict_proba(target_texts), share)
    labels = [(classifier.classes_[label],) for label in classes]
    pseudo = LabeledTexts([target_texts[row] for row in rows], labels, source="pseudo-labelled target texts")
    log.info("self-training: %d pseudo-labelled target texts %s", len(pseudo), pseudo.label_counts())
    return pseudo


def _adversarial_round(
    classifier, train: LabeledTexts, source_texts: list[str], target_texts: list[str], valid: LabeledTexts,
    dann: DannConfig, stage: str, checkpoints: Path | None, resume: bool,
):  # fmt: skip
    """A fresh model trained by DANN on ``train`` (source rows, then any pseudo-labelled target rows) and the
    unlabelled ``target_texts``. Its vocabulary: ``train``'s words, plus the target's when the input vectors are
    pretrained; ``source_texts`` alone is what ``embeddings="auto"`` judges, so both rounds choose alike."""
    training.forget_derived(classifier)
    if classifier.pretrained is not None:
        training.start_from_pretrained(classifier, source_texts + target_texts)  # new words start as in any transfer
    else:
        training.build_model(classifier, train.texts, sample=source_texts, unlabelled=target_texts)
    train_data = (classifier.encode(train.texts), training.targets(classifier, train))
    target_ids = classifier.encode(target_texts)
    valid_data = (classifier.encode(valid.texts), training.targets(classifier, valid))
    labels, config = classifier.label_set_.labels, training.train_config(classifier)

    def fit_member(model, member_config, index):
        name = stage if index is None else f"{stage}-member-{index}"
        saving = stage_checkpoint(checkpoints, name, resume)
        return fit_dann(model, train_data, target_ids, valid_data, labels, member_config, dann, **saving)

    return training.train_members(classifier, fit_member, valid_data, labels, config)
