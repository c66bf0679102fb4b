"""Read labelled texts (or a plain corpus) from a file in any supported format."""

from __future__ import annotations

import io
import logging
from collections import Counter
from pathlib import Path

from .._errors import DataError
from ._dataset import LabeledTexts, SkippedRow
from ._decode import read_bytes, read_text, split_lines
from ._formats import CORPUS_FORMATS, LABELLED_FORMATS, detect_format, parse
from ._parquet import is_parquet, parquet_rows
from ._stream import LineReport, numbered_lines

__all__ = ["count_labelled", "read_labeled", "read_texts"]

log = logging.getLogger(__name__)


def _load(path: str | Path, fmt: str, text_col: str, label_col: str | None, encoding: str, corpus: bool):
    path = Path(path)
    allowed = CORPUS_FORMATS if corpus else LABELLED_FORMATS
    if fmt != "auto" and fmt not in allowed:
        raise DataError(f"unknown format {fmt!r} — use one of: auto, {', '.join(allowed)}")
    if fmt == "parquet" or (fmt == "auto" and is_parquet(path)):
        rows, skipped = [], []
        for items in parquet_rows(path, text_col, label_col):
            for item in items:
                (skipped if isinstance(item, SkippedRow) else rows).append(item)
        return path, "parquet", "utf-8", rows, skipped
    if encoding == "auto":  # the line reader of every input path: each line decoded on its own
        raw, report = io.BytesIO(read_bytes(path)), LineReport()
        raw.name = str(path)  # what a refusal names
        lines, used_encoding = [line for _, line in numbered_lines(raw, report)], report.encoding
    else:
        text, used_encoding = read_text(path, encoding)
        lines = split_lines(text)
    text = "".join(line + "\n" for line in lines)
    if fmt == "auto":
        fmt = detect_format(path, lines, text_col, corpus=corpus)
    rows, skipped = parse(path, text, lines, fmt, text_col, label_col)
    return path, fmt, used_encoding, rows, skipped


def _no_rows_error(path: Path, fmt: str, skipped: list[SkippedRow]) -> DataError:
    reasons = Counter(row.reason for row in skipped).most_common(3)
    summary = "; ".join(f"{count} {reason}" for reason, count in reasons)
    return DataError(
        f"{path}: no usable rows read as {fmt} ({len(skipped)} skipped: {summary}) — "
        "check --format, --text-col and --label-col"
    )


def read_labeled(
    path: str | Path,
    format: str = "auto",
    text_col: str = "text",
    label_col: str = "label",
    encoding: str = "auto",
    label_sep: str | None = None,
    multi_label: bool = False,
) -> LabeledTexts:
    """Read labelled texts from CSV, TSV, JSON Lines, Parquet, fastText (``__label__x text``) or ``LABEL TEXT`` lines.

    A folder of Amazon ``*.review`` files (Blitzer et al.'s layout: ``positive.review``, ``negative.review``)
    reads as one data set. ``format="auto"`` decides from the extension, then the content. Rows without text or without a
    label are skipped, counted in ``.skipped`` and logged; a file with no usable row is an error.
    ``label_sep`` splits a label cell into several labels (multi-label CSV/TSV/JSONL: ``"sports|news"``).
    With ``multi_label`` a row without a label is kept: a text none of the labels apply to.
    """
    if Path(path).is_dir():
        return _read_review_folder(Path(path), format)
    path, fmt, used_encoding, rows, skipped = _load(path, format, text_col, label_col, encoding, corpus=False)
    texts, label_sets = [], []
    for line, text, labels in rows:
        if label_sep:
            labels = tuple(
                dict.fromkeys(part.strip() for label in labels for part in label.split(label_sep) if part.strip())
            )
        if not text:
            skipped.append(SkippedRow(line, "without text"))
        elif not labels and not multi_label:
            skipped.append(SkippedRow(line, "without a label"))
        else:
            texts.append(text)
            label_sets.append(labels)
    skipped.sort(key=lambda row: row.line)
    if not texts:
        raise _no_rows_error(path, fmt, skipped)
    data = LabeledTexts(texts, label_sets, source=str(path), format=fmt, encoding=used_encoding, skipped=skipped)
    if skipped:
        log.warning(data.skip_summary())
    return data


def _read_review_folder(folder: Path, format: str) -> LabeledTexts:
    """Every ``*.review`` file of ``folder``, in name order, as one data set (sources joined by ``+``)."""
    files = sorted(folder.glob("*.review"))
    if not files or format not in ("auto", "review-xml"):
        raise DataError(
            f"{folder}: is a folder — name a data file inside it (a folder reads as data only when it holds "
            "Amazon *.review files)"
        )
    parts = [read_labeled(file, "review-xml") for file in files]
    return LabeledTexts(
        [text for part in parts for text in part.texts], [labels for part in parts for labels in part.label_sets],
        source=str(folder), format="review-xml", encoding=parts[0].encoding,
        skipped=[row for part in parts for row in part.skipped],
    )  # fmt: skip


def read_texts(
    path: str | Path, format: str = "auto", text_col: str = "text", encoding: str = "auto"
) -> tuple[list[str], list[SkippedRow]]:
    """Read the texts of a corpus: any labelled format (labels ignored) or ``lines`` (one text per line).

    Returns ``(texts, skipped)``; skipped rows are also logged.
    """
    path, fmt, _, rows, skipped = _load(path, format, text_col, None, encoding, corpus=True)
    texts = []
    for line, text, _labels in rows:
        if text:
            texts.append(text)
        else:
            skipped.append(SkippedRow(line, "without text"))
    if not texts:
        raise _no_rows_error(path, fmt, skipped)
    if skipped:
        log.warning("%s: read %d texts, skipped %d rows (blank or without text)", path, len(texts), len(skipped))
    return texts, skipped


def count_labelled(
    path: str | Path, format: str = "auto", text_col: str = "text", label_col: str = "label", encoding: str = "auto"
) -> int:
    """How many rows of a corpus carry a label (0 for plain lines, or a CSV/JSONL file without ``label_col``)."""
    path = Path(path)
    if path.is_dir():
        return len(read_labeled(path, format))
    _, fmt, _, rows, _ = _load(path, format, text_col, None, encoding, corpus=True)
    if fmt in ("csv", "tsv", "jsonl", "parquet"):
        try:
            _, _, _, rows, _ = _load(path, fmt, text_col, label_col, encoding, corpus=True)
        except DataError:  # no label column
            return 0
    return sum(1 for _, _, labels in rows if labels)
