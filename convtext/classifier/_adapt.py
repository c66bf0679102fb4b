"""``TextClassifier.adapt``: train on labelled source texts and unlabelled target texts with DANN."""

from __future__ import annotations

import logging
from dataclasses import asdict

from .._errors import ConvtextError, DataError
from ..adapt import DannConfig, fit_dann
from ..data import LabeledTexts, stratified_holdout

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


def fit_adapted(classifier, source: LabeledTexts, target, target_valid: LabeledTexts | None, dann: DannConfig):
    """See ``TextClassifier.adapt``."""
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
    classifier._forget_derived()
    if classifier.pretrained is not None:
        classifier._start_from_pretrained(train.texts + target_texts)  # new words start as in any transfer
    else:
        classifier._build_model(train.texts, unlabelled=target_texts)
    train_y, valid_y = classifier._targets(train), classifier._targets(valid)
    source_ids, target_ids = classifier._encode(train.texts), classifier._encode(target_texts)
    valid_data = (classifier._encode(valid.texts), valid_y)
    labels, config = classifier.label_set_.labels, classifier._train_config()

    def fit_member(model, member_config, index):
        return fit_dann(model, (source_ids, train_y), target_ids, valid_data, labels, member_config, dann)

    result = classifier._train_members(fit_member, valid_data, labels, config)
    classifier.data_seen_ = list(dict.fromkeys([*classifier.data_seen_, train.source, valid.source]))
    classifier._record_fit(result, valid, valid_y, len(train), train.source)
    classifier.training_["adaptation"] = {
        "method": "dann", "target_rows": len(target_texts), "selected_on": selected_on, **asdict(dann),
        "domain_accuracy": [round(entry.domain_accuracy, 4) for entry in result.history],
    }  # fmt: skip
    return classifier
