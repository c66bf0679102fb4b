"""Checks on a data file's bytes (present, a file, not empty, not binary, line ends), whole-file decoding, lines.

Only ``\\n`` and ``\\r\\n`` end a line, as on every input path (``convtext.data.numbered_lines``).
``str.splitlines`` would also split on U+0085 (NEL), U+2028 and friends, which occur *inside* lines of
real corpora (rt-polarity.all, subj.all) and would shift every label after them.
"""

from __future__ import annotations

from pathlib import Path

from .._errors import DataError

__all__ = ["BLOCK", "FALLBACK_ENCODINGS", "check_start", "decode_bytes", "read_bytes", "read_text", "split_lines"]

FALLBACK_ENCODINGS = ("utf-8", "cp1252", "latin-1")
BLOCK = 1 << 20  # bytes read at a time; the checks on a file's start look at its first block
_BINARY_SAMPLE = 8192


def check_start(head: bytes, source) -> None:
    """The checks every reader makes on a file's (or stdin's) first block: a NUL byte in its first 8 KB means a
    binary file; no ``\n`` but a ``\r`` means lines that end at a lone ``\r``. Both are errors with the fix."""
    offset = head[:_BINARY_SAMPLE].find(b"\x00")
    if offset >= 0:
        raise DataError(
            f"{source}: looks like a binary file (NUL byte at offset {offset}); "
            "convtext reads text files (CSV, TSV, JSON Lines, fastText or 'LABEL TEXT' lines, or one text per line) "
            "in UTF-8, Windows-1252 or Latin-1 — decompress or convert it first"
        )
    if b"\n" not in head and b"\r" in head.strip():
        name = Path(source).name if isinstance(source, Path) else "FILE"
        raise DataError(
            f"{source}: lines end at a lone \\r (classic Mac OS); convtext ends lines at \\n or \\r\\n only — "
            f"convert it first, e.g. tr '\\r' '\\n' < {name} > fixed.txt"
        )


def decode_bytes(raw: bytes, encoding: str = "auto") -> tuple[str, str]:
    """Decode ``raw``; ``encoding="auto"`` tries UTF-8 (BOM allowed), Windows-1252, Latin-1.

    Returns ``(text, encoding_used)``.
    """
    if encoding != "auto":
        return raw.decode(encoding), encoding
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    for candidate in FALLBACK_ENCODINGS:
        try:
            return raw.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte string")  # pragma: no cover


def read_bytes(path: str | Path) -> bytes:
    """A data file's bytes; clear errors for the usual traps (missing, a folder, empty, binary, \\r line ends)."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file — check the path")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a data file — name a file inside it")
    raw = path.read_bytes()
    if not raw.strip():
        raise DataError(f"{path}: the file is empty — give a file with one labelled text per row")
    check_start(raw[:BLOCK], path)
    return raw


def read_text(path: str | Path, encoding: str = "auto") -> tuple[str, str]:
    """Read a whole text file; returns ``(text, encoding_used)``; clear errors for the usual traps."""
    try:
        return decode_bytes(read_bytes(path), encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise DataError(f"{path}: cannot decode as {encoding!r} ({error}) — try --encoding auto") from None


def split_lines(text: str) -> list[str]:
    """Split on ``\\n`` / ``\\r\\n``, never on NEL/U+2028 (or a lone ``\\r``, which stays in its line).

    A final line ending does not make an extra empty line.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]
