"""Parsers for each supported file format, and format detection from extension and content.

Every parser returns ``(rows, skipped)``: ``rows`` are ``(line, text, labels)`` with ``labels`` a
tuple of strings (empty when the row has none), ``skipped`` lists rows that could not be parsed.
Empty text or empty labels are judged later, in one place, by the reader.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from .._errors import DataError
from ._dataset import SkippedRow

__all__ = ["LABELLED_FORMATS", "CORPUS_FORMATS", "detect_format", "parse"]

LABELLED_FORMATS = ("csv", "tsv", "jsonl", "parquet", "fasttext", "label-text", "review-xml")
CORPUS_FORMATS = (*LABELLED_FORMATS, "lines")
FASTTEXT_PREFIX = "__label__"
_EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
               ".review": "review-xml"}  # fmt: skip
_SNIFF_LINES = 200

Row = tuple[int, str, tuple[str, ...]]


def _label_string(value: object) -> str:
    """JSON values to label strings: 1 -> "1", 1.0 -> "1", "pos" -> "pos"."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _looks_like_label_text(lines: list[str]) -> bool:
    """``LABEL TEXT`` lines: almost every line has two fields, and the first field is a number
    or takes few distinct values (at most one per five lines; a single line's first word proves nothing)."""
    split = [line.split(maxsplit=1) for line in lines if line.strip()]
    if not split:
        return False
    with_text = sum(len(parts) == 2 for parts in split)
    firsts = {parts[0] for parts in split}
    few = len(split) > 1 and len(firsts) <= max(1, len(split) // 5)
    few = few or all(first.lstrip("-").isdigit() for first in firsts)
    return with_text >= 0.9 * len(split) and few


def detect_format(path: Path, lines: list[str], text_col: str = "text", *, corpus: bool = False) -> str:
    """Guess the format from the extension, then from the first lines of content.

    For a corpus (texts without labels needed) a file that does not look labelled is ``lines``.
    """
    by_extension = _EXTENSIONS.get(path.suffix.lower())
    if by_extension:
        return by_extension
    sample = [line for line in lines[:_SNIFF_LINES] if line.strip()]
    if not sample:
        return "lines" if corpus else "label-text"
    if sample[0].strip() in ("<reviews>", "<review>"):
        return "review-xml"
    if sum(FASTTEXT_PREFIX in line for line in sample) >= 0.5 * len(sample):
        return "fasttext"
    if all(line.lstrip().startswith("{") for line in sample):
        return "jsonl"
    header = sample[0]
    for delimiter, name in (("\t", "tsv"), (",", "csv")):
        columns = [column.strip().strip('"').lower() for column in header.split(delimiter)]
        if delimiter in header and text_col.lower() in columns:
            return name
    if corpus and not _looks_like_label_text(sample):
        return "lines"
    return "label-text"


def _parse_label_text(lines: list[str], start: int = 1) -> tuple[list[Row], list[SkippedRow]]:
    rows, skipped = [], []
    for number, line in enumerate(lines, start=start):
        parts = line.split(maxsplit=1)
        if not parts:
            skipped.append(SkippedRow(number, "blank line"))
            continue
        text = parts[1].strip() if len(parts) == 2 else ""
        rows.append((number, text, (parts[0],)))
    return rows, skipped


_LABEL_TOKEN = re.compile(rf"(?<!\S){re.escape(FASTTEXT_PREFIX)}(\S*)")
_SPACE_RUN = re.compile(r"[ \t]{2,}")


def _parse_fasttext(lines: list[str], start: int = 1) -> tuple[list[Row], list[SkippedRow]]:
    """fastText's rule: every whitespace-separated token that starts with ``__label__`` is a label."""
    rows, skipped = [], []
    for number, line in enumerate(lines, start=start):
        if not line.strip():
            skipped.append(SkippedRow(number, "blank line"))
            continue
        labels = tuple(label for label in _LABEL_TOKEN.findall(line) if label)
        text = _SPACE_RUN.sub(" ", _LABEL_TOKEN.sub(" ", line)).strip()
        rows.append((number, text, labels))
    return rows, skipped


def _parse_lines(lines: list[str], start: int = 1) -> tuple[list[Row], list[SkippedRow]]:
    rows, skipped = [], []
    for number, line in enumerate(lines, start=start):
        if line.strip():
            rows.append((number, line.strip(), ()))
        else:
            skipped.append(SkippedRow(number, "blank line"))
    return rows, skipped


def _find_column(path: Path, columns: list[str], wanted: str, option: str) -> int:
    if wanted in columns:
        return columns.index(wanted)
    lowered = [column.lower() for column in columns]
    if wanted.lower() in lowered:
        return lowered.index(wanted.lower())
    raise DataError(f"{path}: no column {wanted!r}; columns found: {columns} — pass {option} with one of them")


def _parse_jsonl(
    path: Path, lines: list[str], text_col: str, label_col: str | None, start: int = 1
) -> tuple[list[Row], list[SkippedRow]]:
    rows, skipped = [], []
    checked_keys = False
    for number, line in enumerate(lines, start=start):
        if not line.strip():
            skipped.append(SkippedRow(number, "blank line"))
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            skipped.append(SkippedRow(number, f"invalid JSON ({error.msg})"))
            continue
        if not isinstance(record, dict):
            skipped.append(SkippedRow(number, "not a JSON object"))
            continue
        if not checked_keys:
            keys = list(record)
            _find_column(path, keys, text_col, "--text-col")
            if label_col is not None:
                _find_column(path, keys, label_col, "--label-col")
            checked_keys = True
        text = record.get(text_col)
        label = record.get(label_col) if label_col is not None else None
        values = label if isinstance(label, list) else ([] if label is None else [label])
        labels = tuple(string for string in (_label_string(value) for value in values) if string)
        rows.append((number, "" if text is None else str(text).strip(), labels))
    return rows, skipped


def _parse_delimited(
    path: Path, text: str, delimiter: str, text_col: str, label_col: str | None
) -> tuple[list[Row], list[SkippedRow]]:
    """CSV (RFC 4180 quoting, fields may span lines) or TSV (no quoting: a stray quote never eats rows)."""
    csv.field_size_limit(max(csv.field_size_limit(), len(text)))  # the default 128 kB refused whole files
    rows, skipped = [], []
    for item in iter_delimited(path, io.StringIO(text, newline=""), delimiter, text_col, label_col):
        (skipped if isinstance(item, SkippedRow) else rows).append(item)
    return rows, skipped


def iter_delimited(
    path: Path, lines: Iterable[str], delimiter: str, text_col: str, label_col: str | None
) -> Iterator[Row | SkippedRow]:
    """Rows of CSV/TSV ``lines`` (each ending in its newline) one by one, the header first checked."""
    quoting = csv.QUOTE_MINIMAL if delimiter == "," else csv.QUOTE_NONE
    reader = csv.reader(lines, delimiter=delimiter, quoting=quoting)
    try:
        header = [column.strip() for column in next(reader)]
    except StopIteration:
        raise DataError(f"{path}: the file is empty — give a header row and one row per text") from None
    text_index = _find_column(path, header, text_col, "--text-col")
    label_index = None if label_col is None else _find_column(path, header, label_col, "--label-col")
    needed = max(text_index, -1 if label_index is None else label_index) + 1
    try:
        for record in reader:
            number = reader.line_num
            if not any(field.strip() for field in record):
                yield SkippedRow(number, "blank line")
            elif len(record) < needed:
                yield SkippedRow(number, f"{len(record)} fields where the header has {len(header)}")
            else:
                labels = (record[label_index].strip(),) if label_index is not None else ()
                yield number, record[text_index].strip(), tuple(label for label in labels if label)
    except csv.Error as error:
        raise DataError(f"{path}: line {reader.line_num}: malformed {delimiter!r}-separated data ({error})") from None


_REVIEW = re.compile(r"<review>(.*?)</review>", re.S)
_FIELD = re.compile(r"<(title|review_text|rating)>(.*?)</\1>", re.S)


def _parse_review_xml(text: str) -> tuple[list[Row], list[SkippedRow]]:
    """Blitzer et al.'s Amazon reviews: pseudo-XML (unescaped ``&`` and ``<`` in the text, so no XML parser).

    Text: the title and the review joined by a blank line. Label: ``positive`` for 4-5 stars,
    ``negative`` for 1-2, ``neutral`` for 3; a review without a rating has no label.
    """
    rows, skipped = [], []
    for match in _REVIEW.finditer(text):
        number = text.count("\n", 0, match.start()) + 1
        fields = {name: value.strip() for name, value in _FIELD.findall(match.group(1))}
        body = "\n\n".join(part for part in (fields.get("title", ""), fields.get("review_text", "")) if part)
        try:
            stars = float(fields["rating"])
        except (KeyError, ValueError):
            rows.append((number, body, ()))
            continue
        label = "positive" if stars >= 4 else "negative" if stars <= 2 else "neutral"
        rows.append((number, body, (label,)))
    if not rows:
        skipped.append(SkippedRow(1, "no <review>...</review> element"))
    return rows, skipped


def parse(
    path: Path, text: str, lines: list[str], fmt: str, text_col: str, label_col: str | None
) -> tuple[list[Row], list[SkippedRow]]:
    """Dispatch to the parser of ``fmt`` (one of ``CORPUS_FORMATS``)."""
    if fmt == "csv":
        return _parse_delimited(path, text, ",", text_col, label_col)
    if fmt == "tsv":
        return _parse_delimited(path, text, "\t", text_col, label_col)
    if fmt == "jsonl":
        return _parse_jsonl(path, lines, text_col, label_col)
    if fmt == "fasttext":
        return _parse_fasttext(lines)
    if fmt == "label-text":
        return _parse_label_text(lines)
    if fmt == "lines":
        return _parse_lines(lines)
    if fmt == "review-xml":
        return _parse_review_xml(text)
    raise DataError(f"unknown format {fmt!r} — use one of {', '.join(CORPUS_FORMATS)} or auto")
