"""Parquet tables (pyarrow): labelled rows streamed in record batches, the text and label columns chosen by name.

A row's number is its 1-based position in the table (what messages call its line). A null or blank text is a
skipped row; a null label is a row without one; a list column holds several labels (multi-label).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .._errors import DataError
from ._dataset import SkippedRow
from ._formats import _find_column, _label_string

__all__ = [
    "NULL_TEXT",
    "PARQUET_EXTENSIONS",
    "check_text_column",
    "is_parquet",
    "parquet_batches",
    "parquet_file",
    "parquet_rows",
    "pyarrow_modules",
    "table_rows",
    "text_column",
]

PARQUET_EXTENSIONS = (".parquet", ".pq")
_MAGIC = b"PAR1"
NULL_TEXT = "null text"  # the reason a row without a text value is skipped

Row = tuple[int, str, tuple[str, ...]]


def is_parquet(path: str | Path) -> bool:
    """By the extension, else by the magic bytes a Parquet file starts and ends with (and room for a footer)."""
    path = Path(path)
    if path.suffix.lower() in PARQUET_EXTENSIONS:
        return True
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
            handle.seek(0, 2)
            if handle.tell() < 12:  # magic, footer length, magic
                return False
            handle.seek(-4, 2)
            return head == _MAGIC and handle.read(4) == _MAGIC
    except OSError:
        return False


def pyarrow_modules():
    """``(pyarrow, pyarrow.parquet)``, or an error that says how to install them."""
    try:
        import pyarrow
        import pyarrow.parquet as pq
    except ImportError:
        raise DataError("Parquet tables need pyarrow — pip install 'convtext[parquet]'") from None
    return pyarrow, pq


def parquet_file(path: str | Path):
    """``pyarrow.parquet.ParquetFile`` of ``path``, read a page at a time (not a row group's columns at once); a clear
    error for a missing or damaged file."""
    pyarrow, pq = pyarrow_modules()
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file — check the path")
    try:
        return pq.ParquetFile(path, pre_buffer=False)
    except (pyarrow.ArrowInvalid, OSError) as error:
        raise DataError(f"{path}: not a readable Parquet file ({error}) — check that the file is whole") from None


def table_rows(path: str | Path) -> int:
    """Rows of a Parquet file, or of every part in a folder of them (Spark's, Ray's), read from the footers."""
    path = Path(path)
    parts = (
        [p for p in sorted(path.rglob("*.parquet")) if not p.name.startswith((".", "_"))] if path.is_dir() else [path]
    )
    return sum(parquet_file(part).metadata.num_rows for part in parts)


def text_column(path: Path, table_file, wanted: str) -> str:
    """The name of the text column (``wanted``, matched case-insensitively), checked to hold strings."""
    pa, _ = pyarrow_modules()
    schema = table_file.schema_arrow
    name = schema.names[_find_column(path, schema.names, wanted, "--text-col")]
    kind = schema.field(name).type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_dictionary(kind)):
        raise DataError(f"{path}: column {name!r} holds {kind}, not text — choose the text column with --text-col")
    return name


def record_batches(table_file, batch_rows: int, columns: list[str] | None = None):
    """The file's record batches of at most ``batch_rows`` rows, decoded on this thread; once read, Arrow's memory
    pool hands the memory it kept back to the system (why: docs/decisions.md)."""
    pa, _ = pyarrow_modules()
    try:
        yield from table_file.iter_batches(batch_size=batch_rows, columns=columns, use_threads=False)
    finally:
        pa.default_memory_pool().release_unused()


def check_text_column(path: str | Path, text_col: str) -> None:
    """Fail now (before a model loads) unless ``path`` is a readable table with the text column ``text_col``."""
    text_column(Path(path), parquet_file(path), text_col)


def parquet_rows(
    path: str | Path, text_col: str, label_col: str | None, batch_rows: int = 10_000
) -> Iterator[list[Row | SkippedRow]]:
    """Lists of ``(row, text, labels)`` (and ``SkippedRow`` for a null text), one per record batch of at most
    ``batch_rows`` rows: the file is never read whole."""
    path = Path(path)
    table_file = parquet_file(path)
    columns = [text_column(path, table_file, text_col)]
    if label_col is not None:
        names = table_file.schema_arrow.names
        columns.append(names[_find_column(path, names, label_col, "--label-col")])
    number = 0
    for batch in record_batches(table_file, batch_rows, columns):
        texts = batch.column(0).to_pylist()
        labels = batch.column(1).to_pylist() if label_col is not None else [None] * len(texts)
        items: list[Row | SkippedRow] = []
        for text, label in zip(texts, labels):
            number += 1
            if text is None:
                items.append(SkippedRow(number, NULL_TEXT))
                continue
            values = label if isinstance(label, list) else ([] if label is None else [label])
            found = tuple(
                string for string in (_label_string(value) for value in values if value is not None) if string
            )
            items.append((number, text.strip(), found))
        yield items


def parquet_batches(path: str | Path, text_col: str, batch_rows: int = 10_000):
    """``(record batch, its texts)`` for every batch of at most ``batch_rows`` rows, every column kept and the
    texts as they are (``None`` for a null): prediction's input."""
    path = Path(path)
    table_file = parquet_file(path)
    name = text_column(path, table_file, text_col)
    for batch in record_batches(table_file, batch_rows):
        yield batch, batch.column(name).to_pylist()
