"""Predict a file of any size: one text per line, read and written in chunks, so memory stays bounded.

Lines end at ``\\n``, ``\\r\\n`` or ``\\r`` only (as everywhere in convtext); each line is decoded on its
own (UTF-8, else Windows-1252, else Latin-1), so one bad byte never makes a whole file unreadable.
Every output record names its input line; blank lines are counted and skipped, never silently.
The output is written to a temporary sibling and renamed into place when complete.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .._atomic import replaced_atomically
from .._errors import DataError
from ..data._decode import FALLBACK_ENCODINGS

__all__ = ["StreamReport", "predict_file"]


@dataclass
class StreamReport:
    """What ``predict_file`` did: texts predicted, blank lines skipped, lines that needed a fallback encoding."""

    predicted: int = 0
    blank: int = 0
    fallback_decoded: int = 0


def _decode(raw: bytes, report: StreamReport) -> str:
    for encoding in FALLBACK_ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        report.fallback_decoded += encoding != "utf-8"
        return text
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _lines(path: Path, report: StreamReport) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of every non-blank line, read in 1 MB blocks."""
    number, pending = 0, b""
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            data = pending + block
            if number == 0 and not pending and data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]  # a UTF-8 byte-order mark
            held = 1 if data.endswith(b"\r") else 0  # maybe the first half of a \r\n split across blocks
            lines = data[: len(data) - held].replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
            pending = lines.pop() + data[len(data) - held :]
            for raw in lines:
                number += 1
                yield from _keep(number, raw, report)
        if pending:
            yield from _keep(number + 1, pending.rstrip(b"\r"), report)


def _keep(number: int, raw: bytes, report: StreamReport) -> Iterator[tuple[int, str]]:
    text = _decode(raw, report)
    if text.strip():
        yield number, text
    else:
        report.blank += 1


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
