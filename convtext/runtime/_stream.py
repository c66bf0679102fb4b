"""Predict a file of any size: one text per line, read and written in chunks, so memory stays bounded.

Lines are read by ``convtext.data.text_lines``, as every input path of the command line reads them (1 MB
blocks, lines ending at ``\\n`` or ``\\r\\n``, each decoded on its own). Every output record names its input
line; blank lines are counted and skipped, never silently.
The output is written to a temporary sibling and renamed into place when complete.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from json.encoder import encode_basestring  # json.dumps' string quoting (C)
from pathlib import Path

from .._errors import DataError
from ..artifact import replaced_atomically
from ..data import BLANK, NULL_TEXT, LineReport, text_lines

__all__ = ["StreamReport", "predict_file", "top_k_json"]


@dataclass
class StreamReport:
    """What ``predict_file`` did: texts predicted, blank lines skipped, lines that needed a fallback encoding
    (and, read from a Parquet table, rows skipped for a null text)."""

    predicted: int = 0
    blank: int = 0
    fallback_decoded: int = 0
    null: int = 0

    @classmethod
    def of(cls, lines: LineReport, predicted: int) -> StreamReport:
        return cls(predicted, lines.skipped[BLANK], lines.fallback_decoded, lines.skipped[NULL_TEXT])

    def summary(self) -> str:
        """One line for the user: what was skipped and what was read with the fallback encoding."""
        nulls = f"; {self.null:,} rows with a null text" if self.null else ""
        return (
            f"predicted {self.predicted:,} texts (skipped {self.blank:,} blank lines{nulls}; {self.fallback_decoded:,} "
            "lines were not UTF-8 and were read as Windows-1252/Latin-1)"
        )


def predict_file(
    classifier, source: str | Path, target: str | Path, chunk: int = 10_000, top_k: int = 1
) -> StreamReport:
    """Write one JSON line per non-blank input line: ``{"line", "label" | "labels", "top" | "probabilities"}``."""
    source, target = Path(source), Path(target)
    if not source.is_file():
        raise DataError(f"{source}: no such file — give a text file with one text per line")
    lines, predicted = LineReport(), 0
    with replaced_atomically(target) as temporary, open(temporary, "w", encoding="utf-8") as out:
        batch: list[tuple[int, str]] = []
        for item in text_lines(source, lines):
            batch.append(item)
            if len(batch) == chunk:
                _write(classifier, batch, out, top_k)
                predicted, batch = predicted + len(batch), []
        if batch:
            _write(classifier, batch, out, top_k)
            predicted += len(batch)
    return StreamReport.of(lines, predicted)


def _write(classifier, batch: list[tuple[int, str]], out, top_k: int) -> None:
    numbers, texts = [number for number, _ in batch], [text for _, text in batch]
    if classifier.multi_label:
        rows = classifier.predict_proba(texts)
        records = [{"line": n, "labels": labels, "probabilities": dict(zip(classifier.classes_, map(float, row)))}
                   for n, labels, row in zip(numbers, classifier.predict(texts), rows)]  # fmt: skip
        out.write("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records))
        return
    out.write("".join(line + "\n" for line in top_k_json(classifier, numbers, texts, top_k)))


def top_k_json(classifier, numbers: list[int], texts: list[str], top_k: int, with_text: bool = False) -> list[str]:
    """Each text's record ``{"line", ["text",] "label", "top"}`` as the text ``json.dumps(record,
    ensure_ascii=False)`` gives, written directly (labels quoted once): a single-label model's output line."""
    quoted = {label: json.dumps(label, ensure_ascii=False) for label in classifier.classes_}
    ranked = classifier.predict_top_k(texts, top_k)
    shown = (f', "text": {encode_basestring(text)}' for text in texts) if with_text else itertools.repeat("")
    lines = []
    for number, text, top in zip(numbers, shown, ranked):
        pairs = ", ".join(f"[{quoted[label]}, {probability!r}]" for label, probability in top)
        lines.append(f'{{"line": {number}{text}, "label": {quoted[top[0][0]]}, "top": [{pairs}]}}')
    return lines
