"""Embedding tables trained row by row: clipping counts a sparse gradient's rows, the optimiser moves only the rows a
batch read (SparseAdam's rule) and everything else as fused AdamW, and the engine hands the tables back dense."""


import pytest
import torch
import torch.nn as nn

from convtext.models import create_model
from convtext.train import TrainConfig, clip_gradients, fit
from convtext.train._sparse import LazyAdamW


def _model(sparse: bool) -> nn.Module:
    torch.manual_seed(0)
    return nn.ModuleDict({"table": nn.Embedding(10, 4, sparse=sparse), "head": nn.Linear(4, 2)})


def _loss(model: nn.Module, ids: torch.Tensor) -> torch.Tensor:
    return model["head"](model["table"](ids)).pow(2).sum()


def test_clipping_counts_a_sparse_gradient_as_the_rows_it_holds():
    ids = torch.tensor([[1, 3, 3, 7]])  # row 3 twice: its two entries must add up before the norm
    dense, sparse = _model(False), _model(True)
    for model in (dense, sparse):
        _loss(model, ids).backward()
        clip_gradients(model.parameters(), 0.5)
    assert sparse["table"].weight.grad.is_sparse
    torch.testing.assert_close(sparse["table"].weight.grad.to_dense(), dense["table"].weight.grad)
    torch.testing.assert_close(sparse["head"].weight.grad, dense["head"].weight.grad)
    total = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in dense.parameters()]))
    assert total.item() == pytest.approx(0.5, rel=1e-4)


def test_only_the_rows_a_batch_read_move_and_the_rest_is_adamw():
    ids = torch.tensor([[1, 3, 3, 7]])
    lazy_model, reference = _model(True), _model(True)
    lazy = LazyAdamW(lazy_model.parameters(), lr=0.1, weight_decay=0.01, fused=True)
    sparse_adam = torch.optim.SparseAdam([reference["table"].weight], lr=0.1)
    adamw = torch.optim.AdamW(reference["head"].parameters(), lr=0.1, weight_decay=0.01, fused=True)
    start = lazy_model["table"].weight.detach().clone()
    for _ in range(3):
        for model, optimisers in ((lazy_model, [lazy]), (reference, [sparse_adam, adamw])):
            for optimiser in optimisers:
                optimiser.zero_grad()
            _loss(model, ids).backward()
            for optimiser in optimisers:
                optimiser.step()
    table = lazy_model["table"].weight.detach()
    unread = [row for row in range(10) if row not in (1, 3, 7)]
    torch.testing.assert_close(table[unread], start[unread], rtol=0, atol=0)  # no decay, no momentum: untouched
    assert not torch.equal(table[[1, 3, 7]], start[[1, 3, 7]])
    for mine, theirs in zip(lazy_model.parameters(), reference.parameters()):
        torch.testing.assert_close(mine, theirs)
    assert set(lazy.state[lazy_model["table"].weight]) == {"step", "exp_avg", "exp_avg_sq"}  # a checkpoint's slots


@pytest.mark.parametrize("sparse", [True, False])
def test_training_moves_unread_rows_only_with_dense_updates_and_leaves_the_tables_dense(sparse):
    model = create_model("textcnn", vocab_size=30, num_classes=2, embed_dim=8, num_filters=4)
    start = model.embedding.weight.detach().clone()
    train = ([[2, 3, 4], [5, 6], [2, 6, 4, 3]] * 10, [0, 1, 0] * 10)  # rows 7-29 never read
    config = TrainConfig(epochs=2, patience=2, threads=1, progress=False, sparse_embeddings=sparse)
    fit(model, train, ([[2, 3], [5, 6]], [0, 1]), ["a", "b"], config)
    unread = model.embedding.weight.detach()[7:]
    assert torch.equal(unread, start[7:]) == sparse  # dense AdamW decays every row
    assert not model.embedding.sparse and not torch.equal(model.embedding.weight[2:7], start[2:7])
