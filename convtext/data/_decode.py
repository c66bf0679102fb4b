"""Checks on a data file's bytes (present, a file, not empty, not binary, line ends), whole-file decoding, lines.

Only ``\\n`` and ``\\r\\n`` end a line, as on every input path (``convtext.data.numbered_lines``).
``str.splitlines`` would also split on U+0085 (NEL), U+2028 and friends, which occur *inside* lines of
real corpora (rt-polarity.all, subj.all) and would shift every label after them.
"""

from __future__ import annotations

from pathlib import Path

from .._errors import DataError

__all__ = ["FALLBACK_ENCODINGS", "decode_bytes", "read_bytes", "read_text", "split_lines"]

FALLBACK_ENCODINGS = ("utf-8", "cp1252", "latin-1")
_BINARY_SAMPLE = 8192


def _check_not_binary(path: Path, raw: bytes) -> None:
    sample = raw[:_BINARY_SAMPLE]
    offset = sample.find(b"\x00")
    if offset >= 0:
        raise DataError(
            f"{path}: looks like a binary file (NUL byte at offset {offset}); "
            "convtext reads text files (CSV, TSV, JSON Lines, fastText or 'LABEL TEXT' lines) "
            "in UTF-8, Windows-1252 or Latin-1 — decompress or convert it first"
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
    _check_not_binary(path, raw)
    if b"\n" not in raw and b"\r" in raw.strip():
        raise DataError(
            f"{path}: lines end at a lone \\r (classic Mac OS); convtext ends lines at \\n or \\r\\n only — "
            f"convert it first, e.g. tr '\\r' '\\n' < {path.name} > fixed.txt"
        )
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
