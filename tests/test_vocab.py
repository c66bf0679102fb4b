"""Vocabulary: special ids, min_freq / max_size, deterministic order, one-hot vs embedding, the size rule."""

from collections import Counter

import pytest
import torch

from convtext import ConvtextError, Vocabulary, auto_embed_dim


def test_specials_come_first_and_unknowns_map_to_unk():
    vocab = Vocabulary.build([["b", "a", "b"], ["c", "b", "a"]])
    assert vocab.id2word == ["<pad>", "<unk>", "b", "a", "c"]
    assert vocab.lookup(["a", "zzz"]) == [3, 1]
    assert vocab.word2id["<pad>"] == 0 and vocab.word2id["<unk>"] == 1


def test_min_freq_and_max_size_ties_broken_by_text():
    counts = Counter({"x": 5, "b": 2, "a": 2, "rare": 1})
    assert Vocabulary.from_counts(counts, min_freq=2).id2word == ["<pad>", "<unk>", "x", "a", "b"]
    assert Vocabulary.from_counts(counts, max_size=4).id2word == ["<pad>", "<unk>", "x", "a"]
    with pytest.raises(ConvtextError, match="min_freq"):
        Vocabulary.from_counts(counts, min_freq=0)


def test_one_hot_times_embedding_equals_lookup():
    vocab = Vocabulary(["привет", "мир", "🙂"])
    ids = vocab.lookup(["мир", "🙂", "нет"])
    one_hot = vocab.one_hot(ids)  # (3, 5)
    assert one_hot.shape == (3, len(vocab)) and one_hot.sum().item() == 3
    embedding = torch.nn.Embedding(len(vocab), 4)
    assert torch.allclose(one_hot @ embedding.weight, embedding(torch.tensor(ids)))


@pytest.mark.parametrize("size,dim", [(1, 8), (100, 8), (4096, 8), (16_000, 16), (300_000, 24), (1_000_000, 32)])
def test_auto_embed_dim(size, dim):
    assert auto_embed_dim(size) == dim
    assert auto_embed_dim(size) >= size**0.25


def test_auto_embed_dim_rejects_empty():
    with pytest.raises(ConvtextError):
        auto_embed_dim(0)
