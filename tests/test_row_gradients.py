"""Embedding gradients gathered from the rows a batch read train exactly as dense ones: the same clipped gradients,
the same AdamW steps, and the tables dense again after training (even a failed one)."""

import copy

import pytest
import torch
import torch.nn as nn
from conftest import toy_texts

from convtext import TextClassifier
from convtext.train import clip_gradient_norm
from convtext.train._row_gradients import RowGradients


class Bag(nn.Module):
    """Two tables (one with a padding row) read with repeated ids, a linear head."""

    def __init__(self):
        super().__init__()
        self.words = nn.Embedding(50, 8, padding_idx=0)
        self.chars = nn.Embedding(30, 4)
        self.head = nn.Linear(12, 3)

    def forward(self, words, chars):
        return self.head(torch.cat([self.words(words).sum(1), self.chars(chars).mean(1)], dim=1))


def _batches(count):
    generator = torch.Generator().manual_seed(0)
    return [(torch.randint(0, 20, (6, 9), generator=generator), torch.randint(0, 30, (6, 5), generator=generator),
             torch.randint(0, 3, (6,), generator=generator)) for _ in range(count)]  # fmt: skip


@pytest.mark.parametrize("max_norm", [0.05, 100.0])  # clipping every step, and never
def test_gathered_row_gradients_train_like_dense_ones(max_norm):
    torch.manual_seed(0)
    dense_model = Bag()
    rows_model = copy.deepcopy(dense_model)
    optimisers = [torch.optim.AdamW(m.parameters(), lr=0.05, weight_decay=0.01, fused=True)
                  for m in (dense_model, rows_model)]  # fmt: skip
    gathering = RowGradients(rows_model)
    with gathering:
        for words, chars, gold in _batches(12):  # ids 20..49 of `words` are never read: AdamW still moves them
            for model, optimiser in zip((dense_model, rows_model), optimisers):
                optimiser.zero_grad(set_to_none=True)
                nn.functional.cross_entropy(model(words, chars), gold).backward()
                if model is rows_model:
                    assert rows_model.words.weight.grad.is_sparse
                    gathering.gather()
                    norm = clip_gradient_norm(model.parameters(), max_norm)
                else:
                    expected = nn.utils.clip_grad_norm_(model.parameters(), max_norm)
                optimiser.step()
            torch.testing.assert_close(norm, expected)
            for (name, dense), rows in zip(dense_model.named_parameters(), rows_model.parameters()):
                torch.testing.assert_close(rows.grad, dense.grad, msg=name)
    for dense, rows in zip(dense_model.parameters(), rows_model.parameters()):
        torch.testing.assert_close(rows, dense)
    assert not rows_model.words.sparse and not rows_model.chars.sparse


def test_a_fit_gathers_row_gradients_and_leaves_its_tables_dense(monkeypatch):
    gathered = []
    original = RowGradients.gather
    monkeypatch.setattr(RowGradients, "gather", lambda self: (gathered.append(len(self.tables)), original(self)))
    texts, labels = toy_texts(120, seed=1)
    clf = TextClassifier(embeddings="random", members=1, epochs=1, threads=1, seed=0, progress=False)
    clf.fit(texts, labels)
    assert gathered and all(count == 1 for count in gathered)
    assert not clf.model_.embedding.sparse


def test_tables_are_dense_again_after_a_failed_training():
    model = Bag()
    with pytest.raises(RuntimeError, match="stopped"), RowGradients(model):
        assert model.words.sparse
        raise RuntimeError("stopped mid-training")
    assert not model.words.sparse and not model.chars.sparse
