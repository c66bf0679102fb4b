"""Pretrained word vectors: every file format, detection, coverage, lower-case retry, streaming, PCA, errors."""

import gzip
import logging
import tracemalloc

import numpy as np
import pytest
import torch

from convtext import ConvtextError
from convtext.embed import detect_vector_format, iter_vectors, load_vectors

WORDS = ["the", "film", "good", "bad", "фильм", "👍", "new york"]


def vectors_bytes(words, matrix, file_format, newline=True) -> bytes:
    """A vectors file as word2vec.c, gensim (``newline=False``), GloVe or fastText write it."""
    header = f"{len(words)} {matrix.shape[1]}\n".encode()
    if file_format == "word2vec-binary":
        rows = [
            w.encode() + b" " + v.astype("<f4").tobytes() + (b"\n" if newline else b"") for w, v in zip(words, matrix)
        ]
        return header + b"".join(rows)
    lines = "".join(f"{w} {' '.join(f'{x:.6f}' for x in v)}\n" for w, v in zip(words, matrix)).encode()
    return lines if file_format == "glove" else header + lines


@pytest.fixture
def matrix():
    return np.random.default_rng(0).normal(size=(len(WORDS), 6)).astype(np.float32)


@pytest.mark.parametrize(
    "file_format, name, newline",
    [
        ("word2vec-binary", "vectors.bin", True),
        ("word2vec-binary", "gensim.bin", False),
        ("word2vec-text", "vectors.txt", True),
        ("word2vec-text", "cc.vec", True),
        ("glove", "glove.6B.txt", True),
    ],
)
def test_each_format_is_detected_and_read_exactly(write, matrix, file_format, name, newline):
    words = WORDS if file_format != "word2vec-binary" else WORDS[:-1]  # GloVe-style words with spaces: text only
    path = write(name, vectors_bytes(words, matrix[: len(words)], file_format, newline))
    assert detect_vector_format(path) == (file_format, 6)
    read = dict(iter_vectors(path))
    assert list(read) == words
    for word, row in zip(words, matrix):
        np.testing.assert_allclose(read[word], row, atol=1e-5)


@pytest.mark.parametrize("file_format", ["word2vec-text", "word2vec-binary"])
def test_gzip_files_are_read_through(tmp_path, matrix, file_format):
    path = tmp_path / "vectors.gz"
    path.write_bytes(gzip.compress(vectors_bytes(WORDS[:-1], matrix[:-1], file_format)))
    assert detect_vector_format(path) == (file_format, 6)
    read = dict(iter_vectors(path))
    assert list(read) == WORDS[:-1] and np.allclose(read["👍"], matrix[WORDS.index("👍")], atol=1e-5)


def test_coverage_lowercase_retry_and_unknown_rows(write, matrix, caplog):
    path = write("v.vec", vectors_bytes(WORDS, matrix, "word2vec-text"))
    tokens = ["<pad>", "<unk>", "film", "Film", "GOOD", "фильм", "Фильм", "zebra", "new york"]
    with caplog.at_level(logging.INFO, logger="convtext"):
        table = load_vectors(path, tokens)
    assert (table.found, table.lowercased, table.total) == (6, 3, 7)
    assert "found 6 of 7 words, 85.7% (3 of them lower-cased)" in caplog.text
    film, good, russian = (torch.from_numpy(matrix[WORDS.index(w)]) for w in ("film", "good", "фильм"))
    assert torch.allclose(table.weight[2], film, atol=1e-5) and torch.allclose(table.weight[3], film, atol=1e-5)
    assert torch.allclose(table.weight[4], good, atol=1e-5) and torch.allclose(table.weight[6], russian, atol=1e-5)
    assert torch.equal(table.weight[0], torch.zeros(6))  # <pad>
    for unknown in (1, 7):  # <unk> and zebra: Kim's U[-0.25, 0.25]
        assert table.weight[unknown].abs().max() <= 0.25 and table.weight[unknown].abs().sum() > 0
    assert load_vectors(path, tokens, lowercase_retry=False).found == 3


def test_an_exact_match_wins_over_a_lowercase_one(write):
    words, rows = ["apple", "Apple"], np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    path = write("v.txt", vectors_bytes(words, rows, "glove"))
    table = load_vectors(path, ["<pad>", "<unk>", "Apple", "APPLE"])
    assert table.weight[2].tolist() == [0.0, 1.0] and table.weight[3].tolist() == [1.0, 0.0]


def test_unknown_words_can_match_the_vectors_distribution(write):
    rows = np.random.default_rng(1).normal(5.0, 2.0, size=(400, 4)).astype(np.float32)
    words = [f"w{i}" for i in range(400)]
    path = write("v.txt", vectors_bytes(words, rows, "glove"))
    table = load_vectors(path, ["<pad>", "<unk>", *words, *(f"new{i}" for i in range(400))], unknown_init="match")
    new = table.weight[402:]
    assert abs(float(new.mean()) - 5.0) < 0.3 and abs(float(new.std()) - 2.0) < 0.3


def test_pca_reduces_the_dimension_and_keeps_the_main_axes(write):
    rng = np.random.default_rng(2)
    rows = (rng.normal(size=(200, 2)) @ rng.normal(size=(2, 10)) + 0.01 * rng.normal(size=(200, 10))).astype(np.float32)
    words = [f"w{i}" for i in range(200)]
    path = write("v.txt", vectors_bytes(words, rows, "glove"))
    table = load_vectors(path, ["<pad>", "<unk>", *words], dim=2)
    assert table.weight.shape == (202, 2) and table.file_dim == 10
    original = torch.from_numpy(rows - rows.mean(0)).double()
    reduced = table.weight[2:].double()
    assert torch.allclose(torch.cdist(original, original), torch.cdist(reduced, reduced), atol=0.1)


def test_mismatched_dimensions_are_named(write, matrix):
    text = vectors_bytes(WORDS, matrix, "glove").decode().splitlines()
    text[3] = text[3].rsplit(" ", 1)[0]  # one value short
    path = write("v.txt", "\n".join(text) + "\n")
    with pytest.raises(ConvtextError, match=r"v.txt:4: expected a word and 6 numbers"):
        load_vectors(path, ["<pad>", "<unk>", "film"])
    with pytest.raises(ConvtextError, match="vectors are 6-d but embed_dim is 300"):
        load_vectors(write("ok.txt", vectors_bytes(WORDS, matrix, "glove")), ["<pad>", "film"], dim=300)


def test_truncated_and_foreign_files(write, matrix):
    data = vectors_bytes(WORDS[:-1], matrix[:-1], "word2vec-binary")
    with pytest.raises(ConvtextError, match="truncated"):
        load_vectors(write("cut.bin", data[:-10]), ["<pad>", "film"])
    with pytest.raises(ConvtextError, match="not a vectors file"):
        detect_vector_format(write("notes.txt", "just some words here\nand more\n"))
    with pytest.raises(ConvtextError, match="empty"):
        detect_vector_format(write("empty.vec", ""))
    with pytest.raises(ConvtextError, match="no such vectors file"):
        detect_vector_format(write("x", "").parent / "missing.vec")


@pytest.mark.parametrize("file_format", ["word2vec-text", "word2vec-binary"])
def test_the_file_is_streamed_not_held_in_memory(tmp_path, file_format):
    """A 12 MB file read for 3 words must not allocate anything near the file's size."""
    rows = np.random.default_rng(3).normal(size=(20_000, 100)).astype(np.float32)
    words = [f"word{i}" for i in range(len(rows))]
    path = tmp_path / "big.vec"
    path.write_bytes(vectors_bytes(words, rows, file_format))
    size = path.stat().st_size
    assert size > 7_000_000
    tracemalloc.start()
    table = load_vectors(path, ["<pad>", "<unk>", "word5", "word19999", "missing"])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert table.found == 2 and torch.allclose(table.weight[3], torch.from_numpy(rows[19_999]), atol=1e-5)
    assert peak < size / 20, f"peak {peak:,} bytes for a {size:,}-byte file"
