"""TextClassifier end to end: fit, predict_proba order, explain, evaluate, save/load, corrupted folders."""

import json

import numpy as np
import pytest
from safetensors.torch import load_file, save_file

from convtext import ArtifactError, ConvtextError, DataError, TextClassifier, load


def test_learns_the_toy_task_and_keeps_sklearn_conventions(trained, toy):
    texts, labels = toy
    assert trained.classes_ == ["neg", "pos"]
    assert trained.score(texts, labels) > 0.9
    assert trained.predict(["отлично 👍 great film", "ужасно awful 👎"]) == ["pos", "neg"]


def test_predict_proba_columns_follow_classes(trained):
    probabilities = trained.predict_proba(["great superb good", "awful boring bad"])
    assert probabilities.shape == (2, 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)
    assert probabilities[0, trained.classes_.index("pos")] > 0.5
    assert probabilities[1, trained.classes_.index("neg")] > 0.5
    assert trained.predict_top_k(["great superb good"], k=5)[0][0][0] == "pos"


def test_order_of_inputs_is_kept_across_length_buckets(trained):
    texts = ["great", "the film was very boring and the plot awful and the actors bad", "", "good film"]
    batch = trained.predict_proba(texts)
    for row, text in enumerate(texts):
        np.testing.assert_allclose(batch[row], trained.predict_proba([text])[0], atol=1e-6)


def test_same_seed_same_model(toy):
    texts, labels = toy
    a = TextClassifier(epochs=2, num_filters=8, embed_dim=8, threads=1, seed=7).fit(texts, labels)
    b = TextClassifier(epochs=2, num_filters=8, embed_dim=8, threads=1, seed=7).fit(texts, labels)
    assert np.array_equal(a.predict_proba(texts), b.predict_proba(texts))


def test_explain_contributions_add_up_to_the_logit(trained):
    text = "the film was отлично and superb 👍"
    explanation = trained.explain(text, top=None)
    logits = trained.decision_function([text])[0]
    for c, label in enumerate(trained.classes_):
        total = sum(item.contribution for item in explanation.ngrams[label])
        assert total + explanation.bias[label] == pytest.approx(float(logits[c]), abs=1e-4)
    assert explanation.label == "pos"
    best = explanation.top("pos", 3)
    assert best[0].contribution >= best[-1].contribution
    assert all(text[item.start : item.end] == item.text for item in best)
    assert any(word in best[0].text for word in ("отлично", "superb", "👍"))


def test_explain_empty_text(trained):
    explanation = trained.explain("")  # the model reads only the start and end tokens: the one n-gram it has
    assert set(explanation.probabilities) == {"neg", "pos"}
    assert {item.tokens for item in explanation.ngrams["pos"]} <= {("<s>",), ("</s>",), ("<s>", "</s>")}
    assert all(item.text == "" and item.shown.startswith(("<s>", "</s>")) for item in explanation.ngrams["pos"])


def test_boundaries_wrap_texts_from_random_vectors_and_explain_names_them(trained, toy):
    texts, labels = toy
    assert trained.tokenizer_.config()["boundaries"]
    ids = trained.tokenizer_.encode("отлично superb")
    assert trained.tokenizer_.vocab.id2word[ids[0]] == "<s>" and trained.tokenizer_.vocab.id2word[ids[-1]] == "</s>"
    explanation = trained.explain("отлично superb")
    spans = {item.tokens: item for label in explanation.ngrams for item in explanation.ngrams[label]}
    opening = [item for tokens, item in spans.items() if tokens[0] == "<s>" and len(tokens) > 1]
    assert opening and all(item.shown.startswith("<s> ") and item.start == 0 for item in opening)
    plain = TextClassifier(embeddings="random", boundaries=False, epochs=1, members=1).fit(texts, labels)
    assert not plain.tokenizer_.config()["boundaries"] and "<s>" not in plain.tokenizer_.vocab
    with pytest.raises(ConvtextError, match="leave boundaries unset"):
        TextClassifier(embeddings="minilm", boundaries=True).fit(texts, labels)


def test_evaluate_reports_and_counts_unknown_labels(trained, toy, caplog):
    texts, labels = toy
    report = trained.evaluate(texts[:10] + ["good"], labels[:10] + ["meh"])
    assert report["n"] == 11 and report["unknown_labels"] == {"meh": 1}
    assert set(report["per_class"]) == {"neg", "pos", "meh"}
    assert report["per_class"]["meh"]["recall"] == 0.0
    assert "never saw" in caplog.text


def test_save_load_round_trip(trained, toy, tmp_path):
    folder = trained.save(tmp_path / "model")
    names = {p.name for p in folder.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "README.md"} <= names
    assert {"training_curve.png", "confusion_matrix.png"} <= names
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no staging folder left behind
    config = json.loads((folder / "config.json").read_text())
    assert config["convtext"]["labels"] == ["neg", "pos"] and config["architecture"] == "textcnn"
    assert (
        "accuracy" in (folder / "README.md").read_text()
        and "3 members trained alone" in (folder / "README.md").read_text()
    )
    assert [m["seed"] for m in config["convtext"]["training"]["config"]["members"]] == [0, 1, 2]
    loaded = load(folder)
    texts, _ = toy
    assert np.array_equal(loaded.predict_proba(texts), trained.predict_proba(texts))
    assert loaded.classes_ == trained.classes_
    trained.save(folder)  # overwriting an older model in place works
    assert load(folder).classes_ == ["neg", "pos"]


def test_refuses_to_overwrite_a_folder_that_is_not_a_model(trained, tmp_path):
    (tmp_path / "notes.txt").write_text("precious")
    with pytest.raises(ArtifactError, match="refusing to write a model to"):
        trained.save(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "precious"


@pytest.fixture
def saved(trained, tmp_path):
    return trained.save(tmp_path / "model")


def test_missing_files_are_named(saved):
    (saved / "model.safetensors").unlink()
    with pytest.raises(ArtifactError, match="model.safetensors is missing"):
        load(saved)


def test_missing_folder(tmp_path):
    with pytest.raises(ArtifactError, match="no such model folder"):
        load(tmp_path / "nowhere")


def test_truncated_weights(saved):
    weights = saved / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(ArtifactError, match="truncated or corrupted"):
        load(saved)


def test_weights_that_do_not_match_the_config(saved):
    state = load_file(str(saved / "model.safetensors"))
    state["head.weight"] = state["head.weight"][:1]
    save_file(state, str(saved / "model.safetensors"))
    with pytest.raises(ArtifactError, match="differ from the digest"):
        load(saved)
    (saved / "digests.json").unlink()  # as a folder saved before digests: the shapes are still checked
    with pytest.raises(ArtifactError, match="do not match config.json"):
        load(saved)


@pytest.mark.parametrize(
    "edit,message",
    [
        (lambda c: "{ not json", "not valid JSON"),
        (lambda c: json.dumps({**c, "architecture": "resnet"}), "unknown architecture 'resnet'"),
        (lambda c: json.dumps({**c, "vocab_size": c["vocab_size"] + 1}), "vocab_size"),
        (lambda c: json.dumps({**c, "convtext": {**c["convtext"], "labels": ["only"]}}), "at least two label"),
        (lambda c: json.dumps({**c, "num_filters": "many"}), "config.json"),
        (lambda c: json.dumps({k: v for k, v in c.items() if k != "convtext"}), "not a convtext config"),
    ],
)
def test_corrupted_config(saved, edit, message):
    path = saved / "config.json"
    path.write_text(edit(json.loads(path.read_text())))
    with pytest.raises(ConvtextError, match=message):
        load(saved)


def test_bad_training_input(toy):
    texts, labels = toy
    with pytest.raises(DataError, match="only 1 class"):
        TextClassifier().fit(texts[:5], ["x"] * 5)
    with pytest.raises(ConvtextError, match="not one string"):
        TextClassifier().fit("one text", ["x"])
    with pytest.raises(ConvtextError, match="not a string"):
        TextClassifier().fit(texts[:3] + [None], labels[:4])
    with pytest.raises(ConvtextError, match="not trained yet"):
        TextClassifier().predict(["hello"])


def test_a_failed_save_leaves_the_previous_model_intact(trained, toy, tmp_path, monkeypatch):
    folder = trained.save(tmp_path / "model")
    before = (folder / "model.safetensors").read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(type(trained.model_), "save_pretrained", crash)
    with pytest.raises(OSError, match="disk full"):
        trained.save(folder)
    assert (folder / "model.safetensors").read_bytes() == before
    assert load(folder).predict(toy[0][:5]) == trained.predict(toy[0][:5])
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # the half-written staging folder is gone


def test_members_default_three_from_random_vectors_and_are_kept_by_save_and_load(trained, toy, tmp_path):
    texts, labels = toy
    assert trained.model_.members == 3  # random vectors: an ensemble of three by default
    single = TextClassifier(epochs=1, num_filters=8, embed_dim=8, threads=1, members=1).fit(texts, labels)
    assert single.model_.members == 1 and single.model_.num_features == 3 * 8
    trained.save(tmp_path / "model")
    loaded = TextClassifier.load(tmp_path / "model")
    assert loaded.model_.members == 3
    assert np.allclose(loaded.predict_proba(texts[:20]), trained.predict_proba(texts[:20]), atol=1e-6)
    with pytest.raises(ConvtextError, match="members is for the textcnn architectures"):
        TextClassifier(architecture="inception_small", embed_dim=8, epochs=1, members=2).fit(texts, labels)


def test_the_schedule_follows_the_input_vectors_unless_given(trained, toy):
    from convtext.classifier._recipe import training_settings

    texts, labels = toy
    config = trained.training_["config"]  # a new textcnn from random vectors on a small set, its lr given
    assert (config["patience"], config["batch_size"], config["epochs"], config["lr"]) == (2, 50, 8, 0.01)
    large = training_settings({}, "random", "textcnn", new_model=True, rows=(2000, 500))
    assert large == {"epochs": 8, "batch_size": 100, "lr": 3e-3, "patience": 1}
    unsteady = training_settings({}, "random", "textcnn", new_model=True, rows=(5000, 499))
    assert unsteady == {"epochs": 8, "batch_size": 100, "lr": 3e-3, "patience": 2}
    given = TextClassifier(epochs=1, num_filters=8, embed_dim=8, threads=1, members=1, patience=5).fit(texts, labels)
    assert given.training_["config"]["patience"] == 5
    other = TextClassifier(architecture="inception_small", embed_dim=8, epochs=1, threads=1).fit(texts, labels)
    config = other.training_["config"]  # a new model of another architecture: the general schedule
    assert (config["patience"], config["batch_size"], config["lr"]) == (2, 50, 2e-3)
    minilm = training_settings({"lr": 1e-3}, "minilm", "textcnn", new_model=True, rows=(2000, 10))
    assert minilm == {"epochs": 5, "batch_size": 100, "lr": 1e-3, "patience": 2}
    assert training_settings({}, "minilm", "textcnn", new_model=True, rows=(1999, 500))["epochs"] == 8  # small data
    tuned = TextClassifier(pretrained=trained, epochs=1, threads=1).fit(texts, labels)
    assert tuned.training_["config"]["patience"] == 3


def test_case_is_kept_from_random_vectors_and_folded_for_a_vectors_file(toy, tmp_path):
    texts, labels = toy
    texts = [*texts, "Фильм Good", "фильм good"]
    labels = [*labels, "pos", "neg"]
    settings = {"epochs": 1, "num_filters": 4, "threads": 1, "members": 1}
    scratch = TextClassifier(embeddings="random", embed_dim=8, **settings).fit(texts, labels)
    assert not scratch.tokenizer_.lowercase
    assert {"Фильм", "фильм", "Good", "good"} <= set(scratch.tokenizer_.vocab.id2word)
    folded = TextClassifier(embeddings="random", embed_dim=8, lowercase=True, **settings).fit(texts, labels)
    assert folded.tokenizer_.lowercase and "Фильм" not in folded.tokenizer_.vocab.id2word
    vectors = tmp_path / "toy.vec"
    vectors.write_text("2 4\ngood 1 0 0 0\nфильм 0 1 0 0\n", encoding="utf-8")
    read = TextClassifier(embeddings=vectors, **settings).fit(texts, labels)
    assert read.tokenizer_.lowercase and "Good" not in read.tokenizer_.vocab.id2word


def test_an_architecture_setting_it_does_not_have_is_named_before_any_work(toy):
    texts, labels = toy
    with pytest.raises(ConvtextError, match="textcnn has no setting 'arch'.*kernel_sizes"):
        TextClassifier(embeddings="random", model_options={"arch": "mean_embedding"}).fit(texts, labels)
