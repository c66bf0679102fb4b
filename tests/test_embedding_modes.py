"""Kim's four embedding modes with a vectors file, and moving a trained model to a new vocabulary."""

import json

import numpy as np
import pytest
import torch
from conftest import FILLER, NEGATIVE, POSITIVE

from convtext import ConvtextError, TextClassifier, create_model, load, train_tokenizer
from convtext.embed import remap_rows, remap_vocabulary


@pytest.fixture(scope="module")
def vectors_file(tmp_path_factory):
    """fastText .vec with sentiment words on opposite sides of one axis (and no vector for 'plot')."""
    rng = np.random.default_rng(0)
    rows = {}
    for word in POSITIVE + NEGATIVE + [w for w in FILLER if w != "plot"]:
        vector = rng.normal(0, 0.1, 8)
        vector[0] = 1.0 if word in POSITIVE else -1.0 if word in NEGATIVE else 0.0
        rows[word] = vector
    path = tmp_path_factory.mktemp("vectors") / "toy.vec"
    lines = [f"{len(rows)} 8"] + [f"{w} {' '.join(f'{x:.5f}' for x in v)}" for w, v in rows.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _fit(toy, vectors_file, mode, **options):
    texts, labels = toy
    clf = TextClassifier(
        embeddings=vectors_file, embedding_mode=mode, epochs=6, lr=0.01, num_filters=8, threads=1, **options
    )
    return clf.fit(texts, labels)


def _start_weights(toy, vectors_file, mode, monkeypatch):
    """The embedding tables right before training starts."""
    import convtext.classifier.training as module

    captured = {}

    def no_training(model, *args, **kwargs):
        captured.update({name: t.detach().clone() for name, t in model.state_dict().items() if "embedding" in name})
        raise RuntimeError("stop before training")

    monkeypatch.setattr(module, "fit", no_training)
    with pytest.raises(RuntimeError, match="stop before training"):
        _fit(toy, vectors_file, mode)
    monkeypatch.undo()
    return captured


@pytest.mark.parametrize("mode", ["rand", "static", "non-static", "multichannel"])
def test_each_mode_trains_and_freezes_what_it_should(toy, vectors_file, mode, monkeypatch):
    start = _start_weights(toy, vectors_file, mode, monkeypatch)
    clf = _fit(toy, vectors_file, mode)
    texts, labels = toy
    assert clf.score(texts, labels) > 0.9
    good = clf.tokenizer_.encode("good")[0]
    from_file = start["embedding.weight"][good][0].item()
    assert (from_file == pytest.approx(1.0, abs=1e-5)) == (mode != "rand")  # rand ignores the file
    after = clf.model_.embedding.weight.detach()
    trained_changed = not torch.equal(after, start["embedding.weight"])
    assert trained_changed == (mode != "static")
    if mode == "multichannel":
        assert torch.equal(clf.model_.static_embedding.weight, start["static_embedding.weight"])
        assert torch.equal(start["static_embedding.weight"], start["embedding.weight"])
    else:
        assert clf.model_.static_embedding is None


def test_modes_survive_save_and_load(toy, vectors_file, tmp_path):
    texts, _ = toy
    for mode in ("static", "multichannel"):
        clf = _fit(toy, vectors_file, mode)
        loaded = load(clf.save(tmp_path / mode))
        assert loaded.model_.embedding_mode == mode and loaded.embedding_mode_ == mode
        frozen = loaded.model_.embedding_tables()[-1].weight
        assert not frozen.requires_grad
        assert np.array_equal(loaded.predict_proba(texts), clf.predict_proba(texts))
    config = json.loads((tmp_path / "static" / "config.json").read_text())
    assert config["embedding_mode"] == "static"
    assert config["convtext"]["vectors"]["found"] == config["convtext"]["vectors"]["total"] - 1  # all but 'plot'
    assert "Word vectors: toy.vec (word2vec-text, 8-d)" in (tmp_path / "static" / "README.md").read_text()


def test_pca_to_a_smaller_embedding(toy, vectors_file):
    clf = _fit(toy, vectors_file, "non-static", embed_dim=4)
    assert clf.model_.embed_dim == 4 and clf.vectors_.file_dim == 8


def test_mode_errors(toy, vectors_file):
    texts, labels = toy
    with pytest.raises(ConvtextError, match="needs pretrained vectors"):
        TextClassifier(embeddings="random", embedding_mode="static").fit(texts, labels)
    with pytest.raises(ConvtextError, match="unknown embedding mode 'frozen'"):
        TextClassifier(embeddings=vectors_file, embedding_mode="frozen").fit(texts, labels)
    with pytest.raises(ConvtextError, match="needs the word tokenizer"):
        TextClassifier(embeddings=vectors_file, tokenizer="bpe").fit(texts, labels)


def test_remap_rows_follow_tokens():
    weight = torch.tensor([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [4.0, 2.0]])
    rows, shared = remap_rows(weight, ["<pad>", "<unk>", "good", "bad"], ["<pad>", "<unk>", "bad", "new", "good"])
    assert shared == 3
    expected = torch.tensor([[0.0, 0.0], [1.0, 1.0], [4.0, 2.0], [7 / 3, 1.0], [2.0, 0.0]])
    assert torch.allclose(rows, expected)


def test_a_trained_model_moves_to_a_new_vocabulary(trained, toy):
    texts, _ = toy
    old_tokens = trained.tokenizer_.vocab.id2word
    new_tokenizer = train_tokenizer("word", ["good film", "brand new words here"] + texts[:5], boundaries=True)
    new_tokens = new_tokenizer.vocab.id2word
    model = create_model("textcnn", **{k: v for k, v in trained.model_.config().items()})
    model.load_state_dict(trained.model_.state_dict())
    model.eval()
    remap_vocabulary(model, old_tokens, new_tokens)
    assert model.vocab_size == len(new_tokens) == model.embedding.num_embeddings
    text = "good film"
    before = trained.model_(torch.tensor([trained.tokenizer_.encode(text)]))
    after = model(torch.tensor([new_tokenizer.encode(text)]))
    assert torch.allclose(before, after, atol=1e-6)  # shared tokens kept their vectors
    brand = new_tokenizer.vocab.word2id["brand"]
    mean = trained.model_.embedding.weight[1:].mean(dim=0)
    assert torch.allclose(model.embedding.weight[brand], mean)
    assert model.config()["vocab_size"] == len(new_tokens)


def test_train_command_with_a_vectors_file(toy, vectors_file, tmp_path, capsys):
    from convtext.cli import main

    texts, labels = toy
    data = tmp_path / "toy.tsv"
    data.write_text("label\ttext\n" + "".join(f"{y}\t{x}\n" for x, y in zip(texts, labels)), encoding="utf-8")
    args = ["train", data, "-o", tmp_path / "m", "--embeddings", vectors_file, "--embedding-mode", "multichannel"]
    with pytest.raises(SystemExit) as done:
        main([str(a) for a in args] + ["--epochs", "2", "--threads", "1", "--json", "--filters", "8"])
    summary = json.loads(capsys.readouterr().out)
    assert done.value.code in (0, None) and summary["embedding_mode"] == "multichannel"
    assert summary["vectors"]["found"] == summary["vectors"]["total"] - 1 and summary["vectors"]["dim"] == 8
