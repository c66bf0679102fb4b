"""``TextClassifier.compress``: the classifier that fits a size budget and scores best on validation (the search
itself is ``convtext.compress``'s), trained further on the training data when given (fastText's ``-retrain``),
recalibrated, with a record of what was cut for its card."""

from __future__ import annotations

import copy
import logging
import tempfile
from dataclasses import replace
from pathlib import Path

from .._errors import ConvtextError
from ..compress import Compressed, compress_textcnn, folder_bytes, int8_names, parse_size, round_to_int8, shown_size
from ..models import TextCNN
from ..runtime import to_probabilities
from ..tokenize import TextTokenizer
from ..train import ClassificationStep, EpochEnd, run
from ._search_space import metric_of
from .training import calibrate, choose_thresholds, given_data, logit_rows, targets, train_config

__all__ = ["compress"]

log = logging.getLogger(__name__)

RETRAIN = {"epochs": 4, "lr_share": 0.25, "patience": 2}  # why: docs/decisions.md


def _variant(clf, model: TextCNN, tokenizer: TextTokenizer, record: dict, metrics: dict):
    """A copy of ``clf`` with another model and tokenizer (what training left behind dropped)."""
    other = copy.copy(clf)
    for name in ("history_", "onnx_", "vectors_"):
        other.__dict__.pop(name, None)
    other.model_, other.tokenizer_, other.compression_, other.metrics_ = model, tokenizer, record, metrics
    return other


def _trained_rate(clf) -> float:
    """The peak rate ``clf`` was trained at (its training record), else the one it would train at now."""
    recorded = getattr(clf, "training_", {}).get("config", {}).get("lr")
    return float(recorded) if recorded is not None else train_config(clf).lr


def _saved_bytes(clf) -> int:
    with tempfile.TemporaryDirectory() as folder:
        return folder_bytes(clf.save(Path(folder) / "model"))


class _StoredWeightsStep(ClassificationStep):
    """Training whose every epoch ends on the int8 grid the weights are stored on, so that validation (and the epoch
    kept) sees the model as it will be saved; epochs are compared on validation log-loss, as the search compares
    forms."""

    def end_epoch(self, epoch: int, seconds: float) -> EpochEnd:
        round_to_int8(self.model)
        end = super().end_epoch(epoch, seconds)
        return replace(end, score=-end.entry.valid_loss)


def _retrained(clf, best: Compressed, train, valid) -> tuple[TextCNN, dict]:
    """The compressed model trained further on ``train`` at a share of ``clf``'s rate, each epoch rounded to int8,
    the epoch of lowest validation log-loss kept (epoch 0: as compressed). Returns the model and what was done."""
    model = copy.deepcopy(best.model)
    variant = _variant(clf, model, best.tokenizer, {}, {})
    config = replace(train_config(clf), epochs=RETRAIN["epochs"], lr=_trained_rate(clf) * RETRAIN["lr_share"],
                     patience=RETRAIN["patience"], progress=False, device="cpu")  # fmt: skip
    data = {split: (variant.encode(d.texts), targets(variant, d)) for split, d in (("train", train), ("valid", valid))}
    step = _StoredWeightsStep(model, data["train"], data["valid"], clf.classes_, config.batch_size,
                              config.class_weights, logit_rows=logit_rows(model))  # fmt: skip
    result = run(step, config, validate_first=True)
    epochs = {entry.epoch: entry for entry in result.history}
    kept, start = epochs[result.best_epoch], epochs[0]

    def metric(entry) -> float:
        return round(entry.valid_micro_f1 if clf.multi_label else entry.valid_accuracy, 4)

    record = {"epochs": result.best_epoch, "lr": config.lr, "valid_score": metric(kept),
              "valid_log_loss": round(kept.valid_loss, 4), "compressed_score": metric(start),
              "compressed_log_loss": round(start.valid_loss, 4)}  # fmt: skip
    if result.best_epoch == 0:
        log.info("trained further: no epoch beat the compressed model's validation log-loss, kept as compressed")
        return best.model, record
    log.info("trained further for %d epoch(s): validation log-loss %.4f (compressed %.4f), %s %.4f (compressed "
             "%.4f)", result.best_epoch, kept.valid_loss, start.valid_loss, "micro-F1" if clf.multi_label else
             "accuracy", record["valid_score"], record["compressed_score"])  # fmt: skip
    return model.cpu().eval(), record


def compress(
    clf, max_size: str | int, valid_texts, valid_labels, test_texts=None, test_labels=None, train_texts=None,
    train_labels=None,
):  # fmt: skip
    """A new classifier whose saved folder takes at most ``max_size`` (``"1MB"``, bytes): of the forms that fit,
    the one with the lowest validation log-loss — trained further on the training texts when given — its
    temperature (and multi-label thresholds) fitted again on validation; its accuracy (multi-label: micro-F1)
    before and after recorded, on the test texts too when given (its test report is then in the folder)."""
    clf._check_fitted()
    if not isinstance(clf.model_, TextCNN):
        raise ConvtextError(
            f"compress shrinks TextCNN models (convtext's default architecture); this one is "
            f"{clf.model_.architecture} — train a textcnn, or export it to ONNX with int8 weights (export --int8)"
        )
    max_bytes = parse_size(max_size)
    splits = {"valid": given_data(valid_texts, valid_labels, None, None, "validation data")[0]}
    if test_texts is not None:
        splits["test"] = given_data(test_texts, test_labels, None, None, "test data")[0]
    train = given_data(train_texts, train_labels, None, None)[0] if train_texts is not None else None
    gold = {split: data.label_sets if clf.multi_label else data.labels for split, data in splits.items()}
    metric = "micro_f1" if clf.multi_label else "accuracy"
    score_of = metric_of(metric, clf.classes_, clf.multi_label)
    before = {split: clf.evaluate(data.texts, gold[split]) for split, data in splits.items()}
    model, valid = clf.model_.cpu(), splits["valid"]
    record = {
        "max_bytes": max_bytes,
        "bytes": max_bytes,
        "bytes_before": _saved_bytes(clf),
        "rank": model.embed_dim,
        "embed_dim_before": model.embed_dim,
        "rows": model.vocab_size,
        "rows_before": model.vocab_size,
        "int8": int8_names(model),
        "metric": metric,
        **{f"{split}_{when}": score_of(report) for split, report in before.items() for when in ("before", "after")},
    }  # fmt: skip; the shape of the final record, so that probing sizes counts its bytes
    if train is not None:
        record["retrained"] = {"epochs": 0, "lr": _trained_rate(clf) * RETRAIN["lr_share"], "valid_score": 0.0,
                               "valid_log_loss": 0.0, "compressed_score": 0.0, "compressed_log_loss": 0.0}  # fmt: skip

    def score(candidate: TextCNN, tokenizer: TextTokenizer) -> float:  # higher is better
        report = _variant(clf, candidate, tokenizer, record, {}).evaluate(valid.texts, gold["valid"])
        return -report["calibration"].get("nll", float("inf"))

    def size_of(candidate: TextCNN, tokenizer: TextTokenizer) -> int:
        return _saved_bytes(_variant(clf, candidate, tokenizer, record, before))

    budget = max_bytes
    for _ in range(3):  # the final card may run longer than the probes' by more than the slack: then aim lower
        best = compress_textcnn(model, clf.tokenizer_, budget, score, size_of)
        if train is not None:
            best.model, record["retrained"] = _retrained(clf, best, train, valid)
        smaller = _variant(clf, best.model, best.tokenizer, record, {})
        logits, valid_targets = smaller.decision_function(valid.texts), targets(smaller, valid)
        calibration = calibrate(smaller, logits, valid_targets)  # then the thresholds, on these probabilities
        probabilities = to_probabilities(logits, smaller.multi_label, smaller.temperature_)
        smaller.thresholds_ = choose_thresholds(smaller, probabilities, valid_targets)
        smaller.metrics_ = {split: smaller.evaluate(data.texts, gold[split]) for split, data in splits.items()}
        smaller.metrics_["valid"]["calibration"] = calibration
        after = {f"{split}_after": score_of(report) for split, report in smaller.metrics_.items()}
        smaller.compression_ = {**record, "rank": best.rank or model.embed_dim, "rows": best.rows, **after}
        for _ in range(2):  # the record holds the folder's own size: measure until the number settles
            smaller.compression_["bytes"] = _saved_bytes(smaller)
        if smaller.compression_["bytes"] <= max_bytes:
            break
        budget -= smaller.compression_["bytes"] - max_bytes
    else:
        raise ConvtextError(f"could not bring the model under {shown_size(max_bytes)} — give a larger --max-size")
    smaller.compress_candidates_ = best.candidates
    log.info(
        "compressed to %s (was %s): %d of %d rows, rank %d of %d; validation %s %.4f (was %.4f)",
        shown_size(smaller.compression_["bytes"]), shown_size(record["bytes_before"]), best.rows, model.vocab_size,
        best.rank or model.embed_dim, model.embed_dim, metric, smaller.compression_["valid_after"],
        record["valid_before"],
    )  # fmt: skip
    return smaller
