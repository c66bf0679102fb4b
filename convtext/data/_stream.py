"""Files of any size, read in 1 MB blocks: numbered lines, and labelled rows in chunks.

Lines end at ``\\n`` or ``\\r\\n`` only (a lone ``\\r`` is part of its line); each line is decoded on its
own (UTF-8, else Windows-1252, else Latin-1), so one bad byte never makes a whole file unreadable.
Labelled rows come in the formats that can be cut at line ends — fastText, ``LABEL TEXT``, JSON Lines,
TSV and CSV (a quoted CSV field may span lines: the csv reader follows it across blocks) — and Parquet, read
in record batches (``_parquet``). Skipped rows
are counted by reason with their first line numbers, never dropped silently.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .._errors import DataError
from ._dataset import SkippedRow
from ._decode import BLOCK, FALLBACK_ENCODINGS, check_start
from ._formats import _parse_fasttext, _parse_jsonl, _parse_label_text, detect_format, iter_delimited
from ._parquet import is_parquet, parquet_rows, table_rows

__all__ = ["BLANK", "STREAM_FORMATS", "LabeledStream", "LineReport", "count_lines", "numbered_lines", "text_lines"]

STREAM_FORMATS = ("fasttext", "label-text", "jsonl", "tsv", "csv", "parquet")
BLANK = "blank lines"  # the reason text_lines counts
_UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")

Row = tuple[int, str, tuple[str, ...]]


@dataclass
class LineReport:
    """What a pass over a file saw: lines that needed a fallback encoding, rows skipped (by reason)."""

    fallback_decoded: int = 0
    encoding: str = "utf-8"  # the last of FALLBACK_ENCODINGS that any line needed
    skipped: Counter = field(default_factory=Counter)
    first_skipped: dict[str, list[int]] = field(default_factory=dict)

    def skip(self, line: int, reason: str) -> None:
        self.skipped[reason] += 1
        lines = self.first_skipped.setdefault(reason, [])
        if len(lines) < 5:
            lines.append(line)

    def summary(self, source: str) -> str:
        """One line: how many rows were skipped, why, and where."""
        parts = [
            f"{count:,} {reason} (line {', '.join(map(str, self.first_skipped[reason]))}"
            f"{', ...' if count > len(self.first_skipped[reason]) else ''})"
            for reason, count in self.skipped.most_common()
        ]
        return f"{source}: skipped {sum(self.skipped.values()):,} rows: " + "; ".join(parts)


def _decode(raw: bytes, report: LineReport) -> str:
    for encoding in FALLBACK_ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        report.fallback_decoded += encoding != "utf-8"
        if FALLBACK_ENCODINGS.index(encoding) > FALLBACK_ENCODINGS.index(report.encoding):
            report.encoding = encoding
        return text
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _check_streamable(path: Path) -> None:
    if not path.is_file():
        raise DataError(f"{path}: no such file — check the path")
    with open(path, "rb") as handle:
        _refuse_utf16(handle.read(4), path)


def _refuse_utf16(head: bytes, source) -> None:
    if head.startswith(_UTF16_MARKS):
        raise DataError(f"{source}: is UTF-16; lines are read as UTF-8 (or Windows-1252) — convert it with iconv first")


def _source_name(stream: BinaryIO) -> Path | str:
    """A stream's file for messages, or "standard input" (stdin's own name is "<stdin>": no file to name)."""
    name = getattr(stream, "name", None)
    return Path(name) if isinstance(name, str) and not name.startswith("<") else "standard input"


def numbered_lines(source: str | Path | BinaryIO, report: LineReport) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of every line of a file or binary stream (stdin), blank ones included, read in
    1 MB blocks."""
    if not hasattr(source, "read"):
        path = Path(source)
        _check_streamable(path)
        with open(path, "rb") as handle:
            yield from numbered_lines(handle, report)
        return
    number, pending, first = 0, b"", True
    while block := source.read(BLOCK):
        data = pending + block
        if first:
            name = _source_name(source)
            _refuse_utf16(data, name)
            data, first = data.removeprefix(b"\xef\xbb\xbf"), False  # a UTF-8 byte-order mark
            check_start(data, name)
        lines = data.split(b"\n")
        pending = lines.pop()
        for raw in lines:
            number += 1
            yield number, _decode(raw[:-1] if raw.endswith(b"\r") else raw, report)
    if pending:
        yield number + 1, _decode(pending, report)


def text_lines(source: str | Path | BinaryIO | Sequence[str], report: LineReport) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of every non-blank line of a file, a binary stream (stdin) or a list of texts
    (numbered from 1); blank ones are counted in ``report`` as ``BLANK``."""
    numbered = enumerate(source, 1) if isinstance(source, list | tuple) else numbered_lines(source, report)
    for number, text in numbered:
        if text.strip():
            yield number, text
        else:
            report.skip(number, BLANK)


def count_lines(path: str | Path) -> int:
    """Lines in the file (a fast byte count; a last line without its newline counts)."""
    count, last = 0, b"\n"
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


class LabeledStream:
    """Labelled rows of a big file in chunks, re-readable (each ``chunks()`` call reads the file again).

    >>> stream = LabeledStream("reviews.txt")                   # doctest: +SKIP
    >>> for rows in stream.chunks(): ...                        # [(line, text, label), ...]
    """

    def __init__(
        self, path: str | Path, format: str = "auto", text_col: str = "text", label_col: str = "label",
        chunk: int = 10_000,
    ):  # fmt: skip
        self.path, self.text_col, self.label_col, self.chunk = Path(path), text_col, label_col, chunk
        _check_streamable(self.path)
        self.format = self._detect() if format == "auto" else format
        if self.format not in STREAM_FORMATS:
            raise DataError(
                f"{self.path}: {self.format} files are not read in a stream — use one of {', '.join(STREAM_FORMATS)}, "
                "or train without --stream (the file is read whole)"
            )
        self.report = LineReport()

    def _detect(self) -> str:
        if is_parquet(self.path):
            return "parquet"
        sample = []
        for _, line in numbered_lines(self.path, LineReport()):
            sample.append(line)
            if len(sample) == 200:
                break
        return detect_format(self.path, sample, self.text_col)

    def row_count(self) -> int:
        """Rows in the file: a Parquet table's from its footer, else its lines."""
        if self.format == "parquet":
            return table_rows(self.path)
        return count_lines(self.path)

    def chunks(self) -> Iterator[list[tuple[int, str, str]]]:
        """Lists of ``(line, text, label)`` for every usable row; ``report`` counts the rest (reset per pass)."""
        self.report = LineReport()
        rows: list[tuple[int, str, str]] = []
        for parsed in self._parsed():
            for item in parsed:
                if isinstance(item, SkippedRow):
                    self.report.skip(item.line, item.reason)
                else:
                    self._keep(item, rows)
            if len(rows) >= self.chunk:
                yield rows
                rows = []
        if rows:
            yield rows

    def _keep(self, row: Row, rows: list) -> None:
        number, text, labels = row
        if not text:
            self.report.skip(number, "without text")
        elif not labels:
            self.report.skip(number, "without a label")
        elif len(labels) > 1:
            raise DataError(
                f"{self.path}: line {number} has several labels {list(labels)[:5]} — a streamed file trains a "
                "single-label model; train multi-label data without --stream"
            )
        else:
            rows.append((number, text, labels[0]))

    def _parsed(self) -> Iterator[list]:
        """Parsed items (rows and ``SkippedRow``s) in groups of about ``chunk`` lines (Parquet: rows)."""
        if self.format == "parquet":
            yield from parquet_rows(self.path, self.text_col, self.label_col, self.chunk)
            return
        lines = numbered_lines(self.path, self.report)
        if self.format in ("csv", "tsv"):
            csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))
            delimiter = "," if self.format == "csv" else "\t"
            items = iter_delimited(
                self.path, (line + "\n" for _, line in lines), delimiter, self.text_col, self.label_col
            )
            group: list = []
            for item in items:
                group.append(item)
                if len(group) == self.chunk:
                    yield group
                    group = []
            yield group
            return
        parse = {
            "fasttext": _parse_fasttext,
            "label-text": _parse_label_text,
            "jsonl": lambda texts, start: _parse_jsonl(self.path, texts, self.text_col, self.label_col, start),
        }[self.format]
        while batch := [line for _, line in zip(range(self.chunk), lines)]:
            rows, skipped = parse([text for _, text in batch], batch[0][0])
            yield [*rows, *skipped]
