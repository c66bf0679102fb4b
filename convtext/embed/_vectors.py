"""Pretrained word vectors from a file: word2vec (binary or text), GloVe (text, no header), fastText ``.vec``.

The file is streamed once, start to end; only the rows the vocabulary asks for (and their
lower-cased forms) are kept, so a multi-GB file costs the memory of the vocabulary, not of the
file. ``.gz`` files are read through gzip. The format and the dimension are detected from the
first lines; a row of another dimension is an error naming the line.
"""

from __future__ import annotations

import gzip
import io
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import torch

from .._errors import ConvtextError
from ..tokenize import PAD, UNK

__all__ = ["VECTOR_FORMATS", "VectorTable", "detect_vector_format", "load_vectors", "iter_vectors"]

log = logging.getLogger(__name__)

VECTOR_FORMATS = ("word2vec-binary", "word2vec-text", "glove")
UNKNOWN_INITS = ("uniform", "match")
_HEADER = re.compile(rb"^\s*(\d+)\s+(\d+)\s*$")
_PROBE_BYTES = 1 << 16


@dataclass
class VectorTable:
    """Initial embedding rows for a vocabulary, and how many of its tokens the file knew."""

    weight: torch.Tensor  # (V, D): row i is the vector of token i; <pad> is zero
    found: int  # tokens with a vector in the file (exact or lower-cased)
    lowercased: int  # of those, found only through their lower-cased form
    total: int  # tokens looked up (the vocabulary without <pad> and <unk>)
    file_format: str
    file_dim: int
    source: str

    @property
    def coverage(self) -> float:
        return self.found / self.total if self.total else 0.0

    def summary(self) -> dict:
        return {
            "source": self.source, "format": self.file_format, "file_dim": self.file_dim,
            "dim": int(self.weight.shape[1]), "found": self.found, "lowercased": self.lowercased,
            "total": self.total, "coverage": round(self.coverage, 4),
        }  # fmt: skip


def _open(path: Path) -> BinaryIO:
    if not path.is_file():
        raise ConvtextError(f"{path}: no such vectors file — give a word2vec, GloVe or fastText .vec file")
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def _parse_text_row(line: bytes, dim: int | None) -> tuple[str, list[bytes]]:
    """``word v1 ... vD`` -> (word, D value fields); the word may itself contain spaces (GloVe 840B)."""
    fields = line.rstrip(b"\r\n").rstrip(b" ").split(b" ")
    if dim is None:
        dim = len(fields) - 1
    return b" ".join(fields[:-dim]).decode("utf-8", errors="replace"), fields[-dim:]


def _looks_like_text_row(line: bytes) -> bool:
    try:
        _, values = _parse_text_row(line, None)
        line.decode("utf-8")
        np.asarray(values, dtype=np.float32)
        return len(values) > 0
    except (UnicodeDecodeError, ValueError):
        return False


def detect_vector_format(path: str | Path) -> tuple[str, int]:
    """``(format, dimension)`` of a vectors file, from its first lines."""
    path = Path(path)
    with _open(path) as handle:
        head = handle.read(_PROBE_BYTES)
    if not head.strip():
        raise ConvtextError(f"{path}: the vectors file is empty")
    first, _, rest = head.partition(b"\n")
    header = _HEADER.match(first)
    if header:
        dim = int(header.group(2))
        second = rest.split(b"\n", 1)[0]
        if b"\n" in rest and _looks_like_text_row(second) and len(_parse_text_row(second, None)[1]) == dim:
            return "word2vec-text", dim
        return "word2vec-binary", dim
    if b"\x00" in first or not _looks_like_text_row(first):
        raise ConvtextError(
            f"{path}: not a vectors file — expected word2vec (binary or text with a 'count dim' header), "
            "GloVe ('word v1 v2 ...' per line) or fastText .vec"
        )
    return "glove", len(_parse_text_row(first, None)[1])


def _text_rows(handle: BinaryIO, dim: int, first_line: int, path: Path) -> Iterator[tuple[str, bytes, int]]:
    for number, line in enumerate(handle, start=first_line):
        if not line.strip():
            continue
        word, values = _parse_text_row(line, dim)
        if len(values) != dim or not word:
            raise ConvtextError(
                f"{path}:{number}: expected a word and {dim} numbers — the file mixes dimensions or is truncated"
            )
        yield word, b" ".join(values), number


def _binary_rows(handle: BinaryIO, count: int, dim: int, path: Path) -> Iterator[tuple[str, bytes, int]]:
    reader = io.BufferedReader(handle) if not isinstance(handle, io.BufferedReader) else handle
    width = 4 * dim
    for index in range(count):
        word = bytearray()
        while True:
            chunk = reader.peek(64)[:64]
            if not chunk:
                raise ConvtextError(f"{path}: ended after {index} of {count} vectors — the file is truncated")
            cut = chunk.find(b" ")
            if cut < 0:
                word += reader.read(len(chunk))
                continue
            word += reader.read(cut + 1)[:-1]
            break
        vector = reader.read(width)
        if len(vector) != width:
            raise ConvtextError(f"{path}: ended inside vector {index + 1} of {count} — the file is truncated")
        yield bytes(word).lstrip(b"\n").decode("utf-8", errors="replace"), vector, index + 2


def iter_vectors(path: str | Path) -> Iterator[tuple[str, np.ndarray]]:
    """Every ``(word, vector)`` of the file, one at a time (float32)."""
    path = Path(path)
    file_format, dim = detect_vector_format(path)
    for word, raw, _ in _rows(path, file_format, dim):
        yield word, _decode(raw, file_format, dim)


def _rows(path: Path, file_format: str, dim: int) -> Iterator[tuple[str, bytes, int]]:
    with _open(path) as handle:
        if file_format == "glove":
            yield from _text_rows(handle, dim, 1, path)
            return
        count = int(_HEADER.match(handle.readline()).group(1))
        if file_format == "word2vec-text":
            seen = 0
            for row in _text_rows(handle, dim, 2, path):
                seen += 1
                yield row
            if seen != count:
                log.warning("%s: the header promises %d vectors, the file has %d", path, count, seen)
        else:
            yield from _binary_rows(handle, count, dim, path)


def _decode(raw: bytes, file_format: str, dim: int) -> np.ndarray:
    if file_format == "word2vec-binary":
        return np.frombuffer(raw, dtype="<f4", count=dim).astype(np.float32)
    return np.asarray(raw.split(b" "), dtype=np.float32)


def _pca(weight: torch.Tensor, rows: torch.Tensor, dim: int) -> tuple[torch.Tensor, float]:
    """Project ``weight`` onto the top ``dim`` principal axes of ``weight[rows]``; returns (projected, kept variance)."""
    sample = weight[rows].double()
    mean = sample.mean(dim=0)
    _, singular, axes = torch.linalg.svd(sample - mean, full_matrices=False)  # axes: (D, D)
    kept = float((singular[:dim] ** 2).sum() / (singular**2).sum())
    return ((weight.double() - mean) @ axes[:dim].T).float(), kept


def load_vectors(
    path: str | Path,
    tokens: Sequence[str],
    dim: int | None = None,
    unknown_init: str = "uniform",
    lowercase_retry: bool = True,
    seed: int = 0,
) -> VectorTable:
    """Initial embedding rows for ``tokens`` (a vocabulary, ``<pad>`` first) from a vectors file.

    Tokens the file lacks are retried lower-cased, then drawn from U[-0.25, 0.25] (``"uniform"``,
    Kim 2014) or from a normal with the found vectors' per-dimension mean and std (``"match"``).
    ``dim`` smaller than the file's reduces the vectors by PCA; larger is an error.
    """
    path = Path(path)
    if unknown_init not in UNKNOWN_INITS:
        raise ConvtextError(f"unknown_init must be one of {', '.join(UNKNOWN_INITS)}, got {unknown_init!r}")
    file_format, file_dim = detect_vector_format(path)
    if dim is not None and dim > file_dim:
        raise ConvtextError(
            f"{path}: the vectors are {file_dim}-d but embed_dim is {dim} — use embed_dim {file_dim} or less "
            "(smaller sizes are reached by PCA)"
        )
    wanted = [i for i, token in enumerate(tokens) if token not in (PAD, UNK)]
    exact = {tokens[i]: i for i in wanted}
    lower: dict[str, list[int]] = {}
    for i in wanted:
        lower.setdefault(tokens[i].lower(), []).append(i)
    weight = torch.zeros(len(tokens), file_dim)
    by_exact, by_lower = set(), set()
    for word, raw, _ in _rows(path, file_format, file_dim):
        targets = [exact[word]] if word in exact and exact[word] not in by_exact else []
        by_exact.update(targets)
        by_lower.difference_update(targets)
        if lowercase_retry and word in lower and word == word.lower():  # fills cased tokens still missing
            pending = [i for i in lower[word] if i not in by_exact and i not in by_lower]
            by_lower.update(pending)
            targets += pending
        if targets:  # decode a row only when the vocabulary wants it, and once
            weight[targets] = torch.from_numpy(_decode(raw, file_format, file_dim))
    found = sorted(by_exact | by_lower)
    missing = [i for i in range(len(tokens)) if i not in by_exact and i not in by_lower and tokens[i] != PAD]
    generator = torch.Generator().manual_seed(seed)
    if unknown_init == "match" and len(found) >= 2:
        mean, std = weight[found].mean(dim=0), weight[found].std(dim=0)
        weight[missing] = mean + std * torch.randn(len(missing), file_dim, generator=generator)
    else:
        weight[missing] = torch.rand(len(missing), file_dim, generator=generator) * 0.5 - 0.25
    if dim is not None and dim < file_dim:
        if len(found) <= dim:
            raise ConvtextError(f"{path}: only {len(found)} vocabulary words found, too few for a {dim}-d PCA")
        weight, kept = _pca(weight, torch.tensor(found), dim)
        log.info("reduced %d-d vectors to %d-d by PCA (%.0f%% of their variance kept)", file_dim, dim, 100 * kept)
    weight[[i for i, token in enumerate(tokens) if token == PAD]] = 0.0
    table = VectorTable(weight, len(found), len(by_lower), len(wanted), file_format, file_dim, path.name)
    log.info(
        "found %s of %s words, %.1f%% (%s of them lower-cased) in %s; the rest start %s",
        f"{table.found:,}", f"{table.total:,}", 100 * table.coverage, f"{table.lowercased:,}", path.name,
        "from U[-0.25, 0.25]" if unknown_init == "uniform" else "from the vectors' mean and std",
    )  # fmt: skip
    return table
