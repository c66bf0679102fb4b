"""Predict a file of any size: one text per line, read and written in chunks, so memory stays bounded.

Lines are read as ``convtext.data`` streams them (1 MB blocks, each line decoded on its own).
Every output record names its input line; blank lines are counted and skipped, never silently.
The output is written to a temporary sibling and renamed into place when complete.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .._errors import DataError
from ..artifact import replaced_atomically
from ..data import LineReport, numbered_lines

__all__ = ["StreamReport", "predict_file"]


@dataclass
class StreamReport:
    """What ``predict_file`` did: texts predicted, blank lines skipped, lines that needed a fallback encoding."""

    predicted: int = 0
    blank: int = 0
    fallback_decoded: int = 0


def _lines(path: Path, report: StreamReport) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of every non-blank line; blank ones are counted."""
    lines = LineReport()
    for number, text in numbered_lines(path, lines):
        if text.strip():
            yield number, text
        else:
            report.blank += 1
    report.fallback_decoded = lines.fallback_decoded


def predict_file(
    classifier, source: str | Path, target: str | Path, chunk: int = 10_000, top_k: int = 1
) -> StreamReport:
    """Write one JSON line per non-blank input line: ``{"line", "label" | "labels", "top" | "probabilities"}``."""
    source, target = Path(source), Path(target)
    if not source.is_file():
        raise DataError(f"{source}: no such file — give a text file with one text per line")
    report = StreamReport()
    with replaced_atomically(target) as temporary, open(temporary, "w", encoding="utf-8") as out:
        batch: list[tuple[int, str]] = []
        for item in _lines(source, report):
            batch.append(item)
            if len(batch) == chunk:
                _write(classifier, batch, out, top_k)
                report.predicted, batch = report.predicted + len(batch), []
        if batch:
            _write(classifier, batch, out, top_k)
            report.predicted += len(batch)
    return report


def _write(classifier, batch: list[tuple[int, str]], out, top_k: int) -> None:
    numbers, texts = [number for number, _ in batch], [text for _, text in batch]
    if classifier.multi_label:
        rows = classifier.predict_proba(texts)
        records = [{"line": n, "labels": labels, "probabilities": dict(zip(classifier.classes_, map(float, row)))}
                   for n, labels, row in zip(numbers, classifier.predict(texts), rows)]  # fmt: skip
    else:
        ranked = classifier.predict_top_k(texts, top_k)
        records = [{"line": n, "label": top[0][0], "top": [[label, p] for label, p in top]}
                   for n, top in zip(numbers, ranked)]  # fmt: skip
    out.write("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records))
