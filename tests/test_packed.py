"""Packed ids: the whitespace tokenizer's Python fast path equals the tokenizers pipeline, and the mean models
score packed ids exactly as padded batches."""

import sys

import numpy as np
import pytest
import torch
from conftest import toy_texts
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import normalizers, pre_tokenizers

from convtext import TextClassifier
from convtext.models import create_model
from convtext.tokenize import PackedSequences, WhitespaceTokenizer
from convtext.tokenize._vocab_tokenizer import _PYTHON_DIFFERS
from convtext.train import pad_batch

WORDS = ["good", "bad", "ФИЛЬМ", "фильм", "👍", "ΣΟΦΟΣ", "ok.", "<pad>", "<unk>", "x<unk>y", "\x1fz", "İstanbul"]


@pytest.fixture(scope="module")
def tokenizers():
    texts = [" ".join(WORDS), *toy_texts(100)[0]]
    return [WhitespaceTokenizer.train(texts, lowercase=lowercase) for lowercase in (True, False)]


def _rows(packed: PackedSequences) -> list[list[int]]:
    return [packed[i].tolist() for i in range(len(packed))]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=6)), max_size=12).map(" ".join), max_size=8)
)
def test_the_fast_path_gives_the_pipelines_ids(tokenizers, texts):
    for tokenizer in tokenizers:
        expected = [ids[:5] for ids in tokenizer.encode_batch(texts)]
        assert _rows(tokenizer.encode_packed(texts, max_length=5)) == expected


def test_the_fast_path_is_taken_for_plain_text_in_any_script(tokenizers, monkeypatch):
    tokenizer = tokenizers[0]
    monkeypatch.setattr(tokenizer, "backend", None)  # the pipeline would fail: only the Python path can answer
    packed = tokenizer.encode_packed(["Good фильм 👍", "", "  bad  "])
    assert _rows(packed) == [
        [tokenizer._word_ids[w] for w in ("good", "фильм", "👍")],
        [],
        [tokenizer._word_ids["bad"]],
    ]


def _guarded(text: str) -> bool:
    return any(pattern.search(text) for pattern in _PYTHON_DIFFERS)


def test_the_guard_lists_every_character_where_python_and_tokenizers_differ():
    lower, split = normalizers.Lowercase(), pre_tokenizers.WhitespaceSplit()
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            assert _guarded(char)  # lone surrogates: the pipeline replaces them
            continue
        differs = lower.normalize_str(char) != char.lower()
        differs |= [piece for piece, _ in split.pre_tokenize_str(f"a{char}b")] != f"a{char}b".split()
        assert not differs or _guarded(char), hex(code)
    assert _guarded("ΟΔΟΣ")  # final sigma: Python lower-cases it by context


@pytest.mark.parametrize("buckets", [0, 50])
def test_packed_logits_equal_padded_forward(buckets):
    torch.manual_seed(0)
    model = create_model("mean_embedding", vocab_size=30, num_classes=3, embed_dim=8, bigram_buckets=buckets).eval()
    rows = [[2, 3, 4], [], [5], [6, 7, 8, 9, 10, 11], [12, 12]]
    with torch.inference_mode():
        padded = model(*pad_batch(rows, model.pad_id))  # (5, 3)
        packed = model.packed_logits(PackedSequences.pack(rows))  # (5, 3)
    assert torch.allclose(packed, padded, atol=1e-6)
    assert torch.allclose(packed[1], model.head.bias)  # an empty text scores the bias


def test_the_fastest_variant_predicts_as_before(toy):
    texts, labels = toy
    clf = TextClassifier("mean_bigram", tokenizer="whitespace", embeddings="random", epochs=2, threads=1).fit(
        texts, labels
    )
    packed_logits = clf.decision_function(texts)
    rows = clf.tokenizer_.encode_batch(texts)
    with torch.inference_mode():
        padded_logits = clf.model_(*pad_batch(rows, clf.model_.pad_id)).numpy()
    assert np.allclose(packed_logits, padded_logits, atol=1e-5)
