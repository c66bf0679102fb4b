"""Train a classifier on a labelled file larger than memory: two streamed passes, ids packed on disk."""

from __future__ import annotations

import logging
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .._errors import ConvtextError, DataError
from ..data import LabeledStream, LabeledTexts, LabelSet
from ..tokenize import PackedWriter
from . import training

__all__ = ["VALID_FRACTION", "VALID_MAX_ROWS", "fit_stream"]

log = logging.getLogger(__name__)

VALID_FRACTION = 0.1  # held out for validation when no validation set is given ...
VALID_MAX_ROWS = 20_000  # ... but no more rows than this: validation runs every epoch and stays in memory


def _held_out(rows: list, rng: np.random.Generator | None, rate: float) -> np.ndarray:
    """``(len(rows),)`` booleans: which rows of this chunk go to validation."""
    if rng is None:
        return np.zeros(len(rows), dtype=bool)
    return rng.random(len(rows)) < rate


def fit_stream(
    classifier, path, valid: LabeledTexts | None, format: str, text_col: str, label_col: str,
    work_dir, checkpoints, resume: bool,
):  # fmt: skip
    """``TextClassifier.fit_file``: see there."""
    if classifier.pretrained is not None or classifier.multi_label:
        raise ConvtextError(
            "a streamed file trains a single-label model from scratch — for --from or --multi-label, "
            "train without --stream (the file is read whole)"
        )
    training.seed_and_threads(classifier)
    stream = LabeledStream(path, format, text_col, label_col)
    rate = 0.0 if valid is not None else min(VALID_FRACTION, VALID_MAX_ROWS / max(stream.row_count(), 1))
    held_rows: list[tuple[str, str]] = []
    label_counts: Counter = Counter()

    def training_texts() -> Iterator[str]:
        """Pass 1: the training texts for the tokenizer; the labels counted and the holdout kept on the way."""
        rng = np.random.default_rng(classifier.seed) if rate else None
        for rows in stream.chunks():
            for (_, text, label), held in zip(rows, _held_out(rows, rng, rate)):
                if held:
                    held_rows.append((text, label))
                else:
                    label_counts[label] += 1
                    yield text
        classifier.label_set_ = LabelSet.from_labels(label_counts)

    first = stream.chunks()
    sample = [text for _, text, _ in next(first, [])]  # what embeddings="auto" judges
    first.close()
    if not sample:
        raise DataError(f"{path}: no usable rows ({stream.report.summary(str(path))}) — check --format and the columns")
    training.forget_derived(classifier)
    classifier.__dict__.pop("label_set_", None)  # set by pass 1 once read, never a stale one
    training.build_model(classifier, training_texts(), sample)
    if len(classifier.label_set_) < 2:
        raise DataError(f"{path}: only {len(classifier.label_set_)} class found — a classifier needs at least 2")
    skipped_first_pass = stream.report
    if skipped_first_pass.skipped:
        log.warning(skipped_first_pass.summary(str(path)))
    if valid is None:
        if not held_rows:
            raise DataError(f"{path}: too few rows to hold out a validation set — give one (valid=..., --valid)")
        valid = LabeledTexts([t for t, _ in held_rows], [(y,) for _, y in held_rows], source=f"{path} (holdout)")
    unknown = sorted(set(valid.label_set()) - set(classifier.label_set_))
    if unknown:
        raise DataError(f"validation labels {unknown[:10]} do not occur in the training data {path}")
    with tempfile.TemporaryDirectory(prefix="convtext-stream-", dir=work_dir) as folder:
        writer, targets = PackedWriter(Path(folder) / "train-ids.int32"), []
        rng = np.random.default_rng(classifier.seed) if rate else None
        for rows in stream.chunks():  # pass 2: the same rows, the same holdout draw
            kept = [row for row, held in zip(rows, _held_out(rows, rng, rate)) if not held]
            writer.append(classifier.encode([text for _, text, _ in kept]))
            targets.append(np.asarray(classifier.label_set_.encode([label for _, _, label in kept]), dtype=np.int64))
        train_ids, train_y = writer.finish(), np.concatenate(targets)  # ids on disk, (N,) labels in memory
        log.info("%s: %d training rows, %d token ids packed in %s", path, len(train_ids), len(train_ids.flat), folder)
        valid_y = training.targets(classifier, valid)
        result = training.train(classifier, 
            (train_ids, train_y), (classifier.encode(valid.texts), valid_y),
            Path(checkpoints) if checkpoints is not None else None, resume,
        )  # fmt: skip
        del train_ids  # the memory map closes before its file is deleted
    classifier.data_seen_ = [str(path), valid.source]
    training.record_fit(classifier, result, valid, valid_y, len(train_y), str(path))
    classifier.training_["stream"] = {
        "skipped": dict(skipped_first_pass.skipped), "fallback_decoded_lines": skipped_first_pass.fallback_decoded,
        "holdout_rate": rate,
    }  # fmt: skip
    return classifier
