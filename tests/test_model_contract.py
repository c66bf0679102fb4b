"""One contract, every registered model: shapes, gradients, head surgery, masks, config, save and load."""

import subprocess
import sys

import numpy as np
import pytest
import torch

from convtext import TextClassifier, create_model, list_models, load
from convtext.layers import embedding_table
from convtext.models import EMBEDDING_MODES, default_tokenizer
from convtext.train import pad_batch

ALL = list_models()


def test_the_registry_lists_every_architecture():
    assert {"textcnn", "textcnn_kim", "inception_small", "inception_base", "mean_embedding", "mean_bigram",
            "char_cnn"} <= set(ALL)  # fmt: skip
    assert list_models("inception*") == ["inception", "inception_base", "inception_small"]
    assert default_tokenizer("char_cnn") == "char" and default_tokenizer("textcnn") == "word"


@pytest.fixture(params=ALL)
def model(request):
    torch.manual_seed(0)
    return create_model(request.param, vocab_size=40, num_classes=3, embed_dim=16).eval()


def _batch():
    texts = [[5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17], [3, 4], [20]]
    return texts, pad_batch(texts, 0, 1)


def test_forward_backward_and_features(model):
    _, (ids, mask) = _batch()
    features = model.forward_features(ids, mask)
    assert features.shape == (3, model.num_features) and torch.isfinite(features).all()
    model.train()
    logits = model(ids, mask)
    assert logits.shape == (3, 3)
    logits.sum().backward()
    assert model.head.weight.grad is not None and model.embedding.weight.grad.abs().sum() > 0
    assert model.embedding.weight.grad[0].abs().sum() == 0  # <pad> never learns


def test_padding_changes_nothing(model):
    texts, (ids, mask) = _batch()
    together = model(ids, mask)
    for row, text in enumerate(texts):
        alone = model(torch.tensor([text]))
        padded = model(*pad_batch([text], 0, 30))
        assert torch.allclose(alone, together[row : row + 1], atol=1e-5), model.architecture
        assert torch.allclose(alone, padded, atol=1e-5)


def test_reset_classifier_keeps_the_body(model):
    _, (ids, mask) = _batch()
    features = model.forward_features(ids, mask)
    model.reset_classifier(5)
    assert model(ids, mask).shape == (3, 5) and model.get_classifier().out_features == 5
    assert torch.equal(model.forward_features(ids, mask), features)


def test_config_rebuilds_the_same_model(model):
    rebuilt = create_model(model.architecture, **model.config())
    rebuilt.load_state_dict(model.state_dict())
    rebuilt.eval()
    _, (ids, mask) = _batch()
    assert torch.equal(rebuilt(ids, mask), model(ids, mask))
    groups = model.group_matcher()
    assert list(groups)[0] == "embedding" and list(groups)[-1] == "head"
    for name, _ in model.named_parameters():
        assert sum(any(name.startswith(p) for p in prefixes) for prefixes in groups.values()) == 1, name


@pytest.mark.parametrize("mode", EMBEDDING_MODES)
def test_every_model_has_kims_modes(mode):
    for name in ALL:
        model = create_model(name, vocab_size=40, num_classes=2, embed_dim=16, embedding_mode=mode)
        frozen = [t for t in model.embedding_tables() if not t.weight.requires_grad]
        assert len(frozen) == (1 if mode in ("static", "multichannel") else 0), name


@pytest.mark.parametrize("name", ALL)
def test_trains_saves_and_loads_as_a_classifier(name, toy, tmp_path):
    texts, labels = toy
    clf = TextClassifier(name, epochs=1, embed_dim=16, lr=0.01, threads=1).fit(texts[:120], labels[:120])
    assert clf.tokenizer_.kind == default_tokenizer(name)
    loaded = load(clf.save(tmp_path / name))
    assert np.array_equal(loaded.predict_proba(texts[:20]), clf.predict_proba(texts[:20]))
    assert type(loaded.model_) is type(clf.model_) and loaded.model_.config() == clf.model_.config()


def test_explain_says_which_architectures_it_serves(toy):
    from convtext import ConvtextError

    texts, labels = toy
    clf = TextClassifier("inception_small", epochs=1, embed_dim=16, threads=1).fit(texts[:60], labels[:60])
    with pytest.raises(ConvtextError, match="no exact n-gram explanation .* needs a textcnn model"):
        clf.explain(texts[0])


def test_models_command_lists_parameter_counts(capsys):
    import json

    from convtext.cli import main

    with pytest.raises(SystemExit) as done:
        main(["models", "--json", "--vocab-size", "1000", "--classes", "3"])
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert done.value.code in (0, None) and set(rows) == set(ALL) | {"minilm"}
    minilm = rows.pop("minilm")  # the transformer body: its own 30,522-piece vocabulary
    assert minilm["pretrained_only"] and minilm["tokenizer"] == "minilm"
    assert minilm["parameters"] == 22_565_376 + 384 * 3 + 3  # MiniLM-L6 without its unused pooler
    for name, row in rows.items():
        expected = sum(p.numel() for p in create_model(name, vocab_size=1000, num_classes=3).parameters())
        assert row["parameters"] == expected and 0 < row["without_embedding"] < expected
    assert rows["char_cnn"]["tokenizer"] == "char"


@pytest.mark.parametrize("name", ["mean_embedding", "mean_bigram"])
def test_mean_models_predict_through_logit_tables_exactly(name, toy):
    """At inference a mean model looks up per-token logits; they equal the features-then-head path."""
    from convtext import TextClassifier
    from convtext.train import pad_batch

    texts, labels = toy
    classifier = TextClassifier(name, embeddings="random", epochs=1, threads=1).fit(texts, labels)
    ids, mask = pad_batch(classifier.encode(texts[:50] + [""]))
    model = classifier.model_.eval()
    with torch.no_grad():
        fast = model(ids, mask)  # (B, C) through the tables
    slow = model.forward_head(model.forward_features(ids, mask))  # gradients on: the plain path
    assert torch.allclose(fast, slow, atol=1e-5)
    with torch.no_grad():
        model.head.bias.add_(1.0)  # a changed weight rebuilds the tables
        assert torch.allclose(model(ids, mask), slow + 1.0, atol=1e-5)


def _conv1d_inception_features(model, ids, mask):
    """The Inception body written with ``Conv1d`` modules in their own channels-first layout: the reference
    the channels-last matrix products must equal."""
    keep = mask.unsqueeze(1).float()  # (B, 1, T)
    x = model.project(model.embed(ids).transpose(1, 2)) * keep  # (B, C, T)
    for block in model.blocks:
        act = block.activation
        h = block.norm.norm(x.transpose(1, 2)).transpose(1, 2) * keep
        three = block.three(act(block.three_reduce(h)) * keep)
        five = block.five_b(act(block.five_a(act(block.five_reduce(h)) * keep)) * keep)
        pooled = torch.nn.functional.max_pool1d(h.masked_fill(keep == 0, float("-inf")), 3, stride=1, padding=1)
        pool = block.pool_project(pooled.masked_fill(keep == 0, 0.0))
        x = (x + act(torch.cat([block.one(h), three, five, pool], dim=1))) * keep
    return x.masked_fill(keep == 0, float("-inf")).amax(dim=-1)  # (B, C)


def test_inception_matches_its_conv1d_reference_and_predicts_through_a_projection_table():
    torch.manual_seed(0)
    model = create_model("inception", vocab_size=60, num_classes=2, embed_dim=12, channels=16, depth=3,
                         bottleneck=4).eval()  # fmt: skip
    ids, mask = pad_batch([[5, 6, 7, 8, 9, 10, 11], [3, 4], [20], list(range(1, 60))], 0, 1)
    reference = _conv1d_inception_features(model, ids, mask)
    assert torch.allclose(model.forward_features(ids, mask), reference, atol=1e-5)  # gradients on: no table
    with torch.no_grad():
        model.forward_features(ids, mask)  # enough tokens seen: the next call builds the table
        fast = model.forward_features(ids, mask)
        assert model._projections._table is not None
        assert torch.allclose(fast, reference, atol=1e-5)
        model.project.bias.add_(1.0)  # a changed weight rebuilds the table
        changed = _conv1d_inception_features(model, ids, mask)
        assert not torch.allclose(changed, reference, atol=1e-3)
        assert torch.allclose(model.forward_features(ids, mask), changed, atol=1e-5)


def test_every_model_builds_on_the_meta_device_at_once_in_a_fresh_process():
    """Loading and fitting check a model's size on the meta device first; drawing random rows there used to
    import torch's reference operators, a second of every process's start."""
    code = (
        "import time, torch; from convtext.models import create_model, list_models; start = time.perf_counter()\n"
        "with torch.device('meta'):\n"
        "    for name in list_models():\n"
        "        if name != 'minilm': create_model(name, vocab_size=100_000, num_classes=2)\n"
        "print(time.perf_counter() - start)"
    )
    seconds = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert seconds < 0.3


def test_seeded_embedding_tables_draw_what_nn_embedding_draws():
    torch.manual_seed(0)
    table = embedding_table(50, 8, padding_idx=0)
    torch.manual_seed(0)
    assert torch.equal(table.weight, torch.nn.Embedding(50, 8, padding_idx=0).weight)
