"""TextCNN and the model contract: shapes, masking, padding equivalence, batch parity, layer groups."""

import pytest
import torch
import torch.nn as nn

from convtext import ConvtextError, create_model, list_models
from convtext.layers import (
    NgramTable,
    masked_max_over_time,
    max_over_valid_windows,
    window_mask,
    window_maxima,
    window_rows,
)
from convtext.models import text_cnn
from convtext.models.text_cnn import TextCNN
from convtext.train import pad_batch


@pytest.fixture
def model():
    torch.manual_seed(0)
    return create_model("textcnn", vocab_size=60, num_classes=3, embed_dim=16, num_filters=8).eval()


@pytest.mark.parametrize("name", list_models())
def test_contract_of_every_registered_model(name):
    torch.manual_seed(0)
    model = create_model(name, vocab_size=50, num_classes=4)
    ids, mask = pad_batch([[5, 6, 7, 8, 9], [3], [], [10, 11, 12, 13, 14, 15, 16, 17]], min_length=1)  # (4, 8)
    features = model.forward_features(ids, mask)
    assert features.shape == (4, model.num_features)
    logits = model(ids, mask)
    assert logits.shape == (4, 4) and torch.isfinite(logits).all()
    logits.sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    assert model.get_classifier() is model.head
    model.reset_classifier(7)
    assert model(ids, mask).shape == (4, 7) and model.num_classes == 7
    groups = model.group_matcher()
    names = [n for n, _ in model.named_parameters()]
    assert all(any(n.startswith(p) for prefixes in groups.values() for p in prefixes) for n in names)
    assert list(groups)[0] == "embedding" and list(groups)[-1] == "head"
    rebuilt = create_model(name, **model.config())
    assert {k: v.shape for k, v in rebuilt.state_dict().items()} == {k: v.shape for k, v in model.state_dict().items()}


def test_padded_masked_input_equals_unpadded(model):
    ids = torch.tensor([[5, 6, 7, 8, 9, 10, 11]])  # (1, 7)
    padded, mask = pad_batch([[5, 6, 7, 8, 9, 10, 11]], min_length=20)  # (1, 20)
    assert torch.allclose(model(ids, ids != 0), model(padded, mask), atol=1e-6)


@pytest.mark.parametrize("length", [0, 1, 2, 4])
def test_texts_shorter_than_the_widest_kernel(model, length):
    tokens = list(range(5, 5 + length))
    alone = model(*pad_batch([tokens]))
    padded = model(*pad_batch([tokens], min_length=12))
    assert torch.allclose(alone, padded, atol=1e-6) and torch.isfinite(alone).all()


def test_all_padding_row_gives_zero_features_not_nan(model):
    ids, mask = pad_batch([[], [4, 5, 6, 7, 8]], min_length=6)
    features = model.forward_features(ids, mask)
    assert torch.equal(features[0], torch.zeros(model.num_features))


def test_prediction_alone_equals_prediction_in_a_batch(model):
    sequences = [[5, 6, 7], [8, 9, 10, 11, 12, 13, 14, 15, 16], [17], [], [18, 19, 20, 21]]
    batch = model(*pad_batch(sequences))
    for row, sequence in enumerate(sequences):
        alone = model(*pad_batch([sequence]))[0]
        # identical up to float rounding: BLAS blocks a batch of 5 differently from a batch of 1
        torch.testing.assert_close(batch[row], alone, rtol=0, atol=1e-5)
        assert batch[row].argmax() == alone.argmax()


def test_padded_windows_never_win():
    activations = torch.tensor([[[1.0], [2.0], [9.0], [9.0]]])  # (B=1, W=4, F=1): the 9s lie over padding
    mask = torch.tensor([[True, True, True, False, False, False]])  # 3 real tokens, kernel 3 -> 4 windows
    valid = window_mask(mask, 3)
    assert valid.tolist() == [[True, False, False, False]]
    values, positions = masked_max_over_time(activations, valid)
    assert values.item() == 1.0 and positions.item() == 0


def test_pooling_with_gradients_equals_pooling_in_place():
    torch.manual_seed(0)
    activations = torch.randn(5, 9, 4, requires_grad=True)  # (B, W, F)
    valid = torch.rand(5, 9) > 0.4  # (B, W)
    valid[3] = False  # a row without a valid window
    values, positions = masked_max_over_time(activations, valid)
    in_place_values, in_place_positions = masked_max_over_time(activations.detach().clone(), valid, overwrite=True)
    assert torch.equal(values, in_place_values) and torch.equal(positions, in_place_positions)
    (gradient,) = torch.autograd.grad(values.sum(), activations)  # (B, W, F): 1 at each winning valid window
    expected = torch.zeros(5, 9, 4).scatter_(1, positions.unsqueeze(1), 1.0) * valid.any(1).view(5, 1, 1)
    assert torch.equal(gradient, expected)


def test_values_alone_equal_the_pooling_with_positions():
    torch.manual_seed(1)
    activations = torch.randn(5, 9, 4, requires_grad=True)  # (B, W, F)
    valid = torch.rand(5, 9) > 0.4  # (B, W)
    valid[2] = False  # a row without a valid window
    values, _ = masked_max_over_time(activations, valid)
    alone = max_over_valid_windows(activations, valid)
    in_place = max_over_valid_windows(activations.detach().clone(), valid, overwrite=True)
    assert torch.equal(values, alone) and torch.equal(values, in_place)
    assert not in_place[2].any() and torch.isfinite(in_place).all()
    expected = torch.autograd.grad(values.sum(), activations)[0]
    assert torch.equal(torch.autograd.grad(alone.sum(), activations)[0], expected)


@pytest.mark.parametrize("kernel_sizes, groups", [((1,), 1), ((1, 2, 3), 1), ((2, 4), 3)])
def test_a_table_of_the_distinct_tokens_equals_conv1d_with_its_gradients(kernel_sizes, groups):
    torch.manual_seed(len(kernel_sizes) + groups)
    vectors = torch.randn(6, groups * 5, requires_grad=True)  # (U, groups·E): the distinct tokens' vectors
    rows = torch.randint(0, 6, (4, 7))  # (B, T): each position's token
    keep = torch.rand(4, 7) > 0.3  # (B, T): padding and dropped tokens count as zero vectors
    convs = [nn.Conv1d(groups * 5, groups * 6, k, groups=groups) for k in kernel_sizes]
    with_zero_row = torch.cat([vectors, torch.zeros(1, groups * 5)])  # row 6: a position that adds nothing
    got = list(NgramTable(with_zero_row, convs, 6, pad_is_zero=True).window_scores(rows, keep))
    tokens = (vectors[rows] * keep.unsqueeze(-1)).transpose(1, 2)  # (B, groups·E, T)
    expected = [conv(tokens).transpose(1, 2) for conv in convs]
    upstream = [torch.randn_like(scores) for scores in expected]  # each (B, W, groups·F)
    for scores, reference, k in zip(got, expected, kernel_sizes):
        assert scores.shape == reference.shape == (4, 8 - k, groups * 6)
        torch.testing.assert_close(scores, reference, rtol=1e-5, atol=1e-5)
    inputs = (vectors, *(p for conv in convs for p in conv.parameters()))
    grads = torch.autograd.grad(sum((s * u).sum() for s, u in zip(got, upstream)), inputs)
    expected_grads = torch.autograd.grad(sum((s * u).sum() for s, u in zip(expected, upstream)), inputs)
    for grad, expected_grad in zip(grads, expected_grads):
        torch.testing.assert_close(grad, expected_grad, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("kernel_sizes, groups", [((1, 2, 3), 1), ((2, 4), 3)])
def test_window_maxima_equal_pooled_window_scores_with_their_gradients(kernel_sizes, groups):
    torch.manual_seed(7 + groups)
    vectors = torch.randn(4, groups * 5, requires_grad=True)  # (U, groups·E): few tokens, so n-grams repeat (ties)
    rows = torch.randint(0, 4, (5, 9))  # (B, T)
    mask = torch.arange(9) < torch.tensor([9, 6, 3, 1, 0]).unsqueeze(1)  # (B, T): a short text and an empty one
    keep = mask & (torch.rand(5, 9) > 0.2)  # (B, T): dropped tokens add nothing but keep their windows
    convs = [nn.Conv1d(groups * 5, groups * 6, k, groups=groups) for k in kernel_sizes]
    with_zero_row = torch.cat([vectors, torch.zeros(1, groups * 5)])  # row 4: a position that adds nothing
    table = NgramTable(with_zero_row, convs, 4, pad_is_zero=True)
    valid = [window_mask(mask, k) for k in kernel_sizes]  # (B, W) each
    rows_kept = rows.masked_fill(~keep, 4)  # (B, T)
    got = [window_maxima(with_zero_row, c, window_rows(rows_kept, k), v) for c, k, v in zip(convs, kernel_sizes, valid)]
    expected = [masked_max_over_time(s, v)[0] for s, v in zip(table.window_scores(rows, keep), valid)]
    for maxima, reference in zip(got, expected):
        torch.testing.assert_close(maxima, reference, rtol=1e-5, atol=1e-5)
        assert not maxima[4].any()  # no valid window: zeros
    upstream = [torch.randn_like(m) for m in expected]
    inputs = (vectors, *(p for conv in convs for p in conv.parameters()))
    grads = torch.autograd.grad(sum((m * u).sum() for m, u in zip(got, upstream)), inputs, retain_graph=True)
    expected_grads = torch.autograd.grad(sum((m * u).sum() for m, u in zip(expected, upstream)), inputs)
    for grad, expected_grad in zip(grads, expected_grads):
        torch.testing.assert_close(grad, expected_grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_training_features_equal_the_activated_pooling(monkeypatch, activation):
    """The training path pools before the activation (the same for an increasing one): same features and gradients
    as activating every window first."""
    torch.manual_seed(3)
    model = TextCNN(vocab_size=12, num_classes=3, embed_dim=6, kernel_sizes=(1, 2, 3), num_filters=5,
                    activation=activation, members=2).eval()  # fmt: skip
    ids, mask = pad_batch([[3, 4, 3, 4, 5, 11], [6, 6], [], [7, 8, 9, 10, 3, 4, 3, 4]])
    body = [p for name, p in model.named_parameters() if not name.startswith("head.")]
    fast = model.forward_features(ids, mask)
    fast_grads = torch.autograd.grad(fast.square().sum(), body)
    monkeypatch.setattr(text_cnn, "MONOTONE_ACTIVATIONS", ())
    slow = model.forward_features(ids, mask)
    slow_grads = torch.autograd.grad(slow.square().sum(), body)
    torch.testing.assert_close(fast, slow, rtol=1e-5, atol=1e-6)
    for fast_grad, slow_grad in zip(fast_grads, slow_grads):
        torch.testing.assert_close(fast_grad, slow_grad, rtol=1e-4, atol=1e-5)


def test_window_mask_short_and_empty_rows():
    mask = torch.tensor([[True, False, False], [False, False, False]])
    assert window_mask(mask, 3).tolist() == [[True], [False]]


def test_embed_dim_auto_follows_the_vocabulary_rule():
    assert create_model("textcnn", vocab_size=16_000, num_classes=2, embed_dim="auto").embed_dim == 16


def test_bad_settings_are_clear_errors():
    with pytest.raises(ConvtextError, match="unknown architecture 'resnet'"):
        create_model("resnet", vocab_size=10, num_classes=2)
    with pytest.raises(ConvtextError, match="kernel sizes"):
        create_model("textcnn", vocab_size=10, num_classes=2, kernel_sizes=())
    with pytest.raises(ConvtextError, match="unknown activation"):
        create_model("textcnn", vocab_size=10, num_classes=2, activation="swish")


def test_members_average_to_the_logits_and_train_independently():
    torch.manual_seed(0)
    model = create_model("textcnn", vocab_size=30, num_classes=3, embed_dim=6, num_filters=4, members=3)
    ids, mask = _batch_of_every_shape(30, count=8)
    members = model.eval().member_logits(ids, mask)  # (B, 3, C)
    assert members.shape == (8, 3, 3) and model.num_features == 3 * 3 * 4
    torch.testing.assert_close(members.mean(dim=1), model(ids, mask), rtol=1e-5, atol=1e-5)
    members[:, 1].sum().backward()  # member 1's loss reaches member 1's columns, filters and head block only
    assert model.embedding.weight.grad[:, 6:12].abs().sum() > 0
    assert model.embedding.weight.grad[:, :6].abs().sum() == 0 and model.embedding.weight.grad[:, 12:].abs().sum() == 0
    conv_grad = model.convs[0].weight.grad  # (3·4, 6, k): rows of member m are 4m … 4m+3
    assert conv_grad[4:8].abs().sum() > 0 and conv_grad[:4].abs().sum() == 0 and conv_grad[8:].abs().sum() == 0
    head_grad = model.head.weight.grad.view(3, 3, 3, 4)  # (C, kernel, member, filter)
    assert head_grad[:, :, 1].abs().sum() > 0 and head_grad[:, :, [0, 2]].abs().sum() == 0


def test_members_start_from_the_same_pretrained_vectors_and_reject_bad_counts():
    model = create_model("textcnn", vocab_size=10, num_classes=2, embed_dim=4, members=2, embedding_mode="static")
    model.set_embedding_rows([3], torch.arange(4.0).unsqueeze(0))
    assert model.embedding.weight[3].tolist() == [0.0, 1.0, 2.0, 3.0] * 2
    for members in (0, 1.5):
        with pytest.raises(ConvtextError, match="members must be a positive whole number"):
            create_model("textcnn", vocab_size=10, num_classes=2, members=members)


def _batch_of_every_shape(vocab_size: int, count: int = 40):
    rng = torch.Generator().manual_seed(1)
    lengths = torch.randint(0, 12, (count,), generator=rng).tolist()
    return pad_batch([torch.randint(1, vocab_size, (n,), generator=rng).tolist() for n in lengths])  # (40, T)


@pytest.mark.parametrize("mode,members", [("rand", 1), ("static", 1), ("multichannel", 1), ("rand", 3)])
def test_ngram_table_gives_the_convolution_results(mode, members):
    torch.manual_seed(0)
    model = create_model(
        "textcnn", vocab_size=30, num_classes=3, embed_dim=16, num_filters=8, embedding_mode=mode, members=members
    )
    ids, mask = _batch_of_every_shape(30)  # more tokens than the vocabulary: the table pays and is built
    with torch.no_grad():  # padding must add nothing even where its vector is not zero
        for table in model.embedding_tables():
            table.weight[model.pad_id] = 1.0
    with torch.enable_grad():
        reference_features, reference_positions = model.eval().ngram_features(ids, mask)
    with torch.no_grad():
        features, positions = model.ngram_features(ids, mask)
    assert model._ngram_tables._table is not None
    torch.testing.assert_close(features, reference_features, rtol=1e-5, atol=1e-5)
    assert torch.equal(positions, reference_positions)


def test_ngram_table_follows_weight_changes():
    torch.manual_seed(0)
    model = create_model("textcnn", vocab_size=30, num_classes=2, embed_dim=8, num_filters=4).eval()
    ids, mask = _batch_of_every_shape(30)
    with torch.no_grad():
        before = model(ids, mask)
        model.convs[0].weight.mul_(2.0)  # as an optimiser step would
        model.embedding.weight[5].add_(1.0)
        after = model(ids, mask)
    with torch.enable_grad():
        reference = model(ids, mask)  # the convolution itself
    assert not torch.allclose(before, after)
    torch.testing.assert_close(after, reference, rtol=1e-5, atol=1e-5)


def test_ngram_table_is_skipped_when_it_would_not_pay_or_fit():
    torch.manual_seed(0)
    model = create_model("textcnn", vocab_size=1000, num_classes=2, embed_dim=8, num_filters=4).eval()
    ids, mask = _batch_of_every_shape(1000, count=5)  # fewer tokens than half the vocabulary
    with torch.no_grad():
        model(ids, mask)
        assert model._ngram_tables._table is None
        model._ngram_tables.max_bytes = 0
        for _ in range(30):
            model(ids, mask)
        assert model._ngram_tables._table is None


def test_split_and_join_members_round_trip_and_join_averages_the_singles():
    torch.manual_seed(0)
    model = create_model("textcnn", vocab_size=30, num_classes=3, embed_dim=6, num_filters=4, members=3).eval()
    ids, mask = _batch_of_every_shape(30, count=8)
    singles = model.split_members()
    with torch.enable_grad():
        members = model.member_logits(ids, mask)  # (B, 3, C), the convolution path
    for index, single in enumerate(singles):  # each single is its member: the same logits
        torch.testing.assert_close(single.eval()(ids, mask), members[:, index], rtol=1e-5, atol=1e-5)
    for single in singles:  # as if trained alone: different weights, different biases
        with torch.no_grad():
            for parameter in single.parameters():
                parameter.add_(0.1 * torch.randn_like(parameter))
    model.join_members(singles)
    expected = torch.stack([single(ids, mask) for single in singles]).mean(dim=0)
    with torch.enable_grad():
        torch.testing.assert_close(model(ids, mask), expected, rtol=1e-5, atol=1e-5)
    with pytest.raises(ConvtextError, match="2 single models for a TextCNN of 3 members"):
        model.join_members(singles[:2])
