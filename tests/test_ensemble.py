"""Ensembles (issue 33): trained classifiers of any tokenizer joined by the weighted mean of their probabilities, saved
as a folder of member folders that every loader, the numpy runtime and the predicting commands take; members and
weights chosen greedily on validation log-loss, as autotune does."""

import json

import numpy as np
import pytest
from conftest import run_cli, toy_texts

from convtext import ArtifactError, ConvtextError, EnsembleClassifier, TextClassifier, load
from convtext.classifier._autotune import AutotuneResult
from convtext.classifier._autotune_run import _ensemble_of
from convtext.classifier._ensemble import greedy_weights
from convtext.data import LabeledTexts
from convtext.runtime import numpy_classifier

SMALL = dict(epochs=3, lr=0.01, num_filters=16, embed_dim=16, threads=1, device="cpu", embeddings="random")


@pytest.fixture(scope="module")
def two_models():
    texts, labels = toy_texts(300, seed=2)
    word = TextClassifier(tokenizer="word", members=1, seed=0, **SMALL).fit(texts, labels)
    bpe = TextClassifier(tokenizer="bpe", vocab_size=300, members=1, seed=1, **SMALL).fit(texts, labels)
    return word, bpe, texts, labels


@pytest.fixture(scope="module")
def saved(two_models, tmp_path_factory):
    word, bpe, texts, labels = two_models
    ensemble = EnsembleClassifier([word, bpe], [2, 1])
    ensemble.temperature_ = 0.8
    ensemble.metrics_ = {"valid": ensemble.evaluate(texts[:60], labels[:60])}
    folder = ensemble.save(tmp_path_factory.mktemp("ensemble") / "joined")
    return ensemble, folder


def test_the_ensemble_predicts_the_weighted_mean_of_its_members(two_models):
    word, bpe, texts, _ = two_models
    ensemble = EnsembleClassifier([word, bpe], [2, 1])
    expected = (2 * word.predict_proba(texts[:40]) + bpe.predict_proba(texts[:40])) / 3  # (40, 2)
    assert np.allclose(ensemble.predict_proba(texts[:40]), expected, atol=1e-6)
    assert ensemble.predict(texts[:40]) == [ensemble.classes_[i] for i in expected.argmax(axis=1)]
    assert ensemble.predict_top_k(texts[:1], k=2)[0][0][1] == pytest.approx(expected[0].max(), abs=1e-6)
    ensemble.temperature_ = 2.0  # a temperature softens the mean and leaves every argmax as it was
    softened = ensemble.predict_proba(texts[:40])
    assert np.allclose(softened, np.sqrt(expected) / np.sqrt(expected).sum(axis=1, keepdims=True), atol=1e-6)
    assert (softened.argmax(axis=1) == expected.argmax(axis=1)).all()


def test_a_saved_ensemble_loads_everywhere_with_the_same_predictions(saved, two_models):
    ensemble, folder = saved
    texts = two_models[2][:50]
    assert {p.name for p in folder.iterdir()} >= {"config.json", "README.md", "members", "digests.json"}
    for loaded in (TextClassifier.load(folder), load(folder), EnsembleClassifier.load(folder)):
        assert isinstance(loaded, EnsembleClassifier) and loaded.temperature_ == 0.8
        assert np.allclose(loaded.predict_proba(texts), ensemble.predict_proba(texts), atol=1e-6)
    numpy_ensemble = numpy_classifier(folder)  # no PyTorch: each member in numpy
    assert np.allclose(numpy_ensemble.predict_proba(texts), ensemble.predict_proba(texts), atol=1e-5)
    member = TextClassifier.load(folder / "members" / "0")  # an ordinary model folder
    assert member.predict(texts) == ensemble.members[0].predict(texts)
    assert "ensemble of 2 text classifiers" in (folder / "README.md").read_text(encoding="utf-8")


def test_a_damaged_member_is_an_error_on_load(saved, tmp_path):
    import shutil

    _, folder = saved
    copy = shutil.copytree(folder, tmp_path / "copy")
    weights = copy / "members" / "1" / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="differ from the digest"):
        TextClassifier.load(copy)


def test_what_needs_one_model_names_the_member_to_use(saved):
    ensemble, _ = saved
    for call in (lambda: ensemble.explain("a text"), lambda: ensemble.export_onnx("m.onnx"),
                 lambda: ensemble.features(["a text"])):  # fmt: skip
        with pytest.raises(ConvtextError, match="members/0"):
            call()


def test_members_must_share_their_labels(two_models):
    word, _, texts, labels = two_models
    other = TextClassifier(members=1, seed=0, **SMALL).fit(texts, ["a" if y == "pos" else "b" for y in labels])
    with pytest.raises(ArtifactError, match="disagree on the labels"):
        EnsembleClassifier([word, other], [1, 1])
    with pytest.raises(ConvtextError, match="two or more members"):
        EnsembleClassifier([word], [1])


def test_the_commands_predict_and_evaluate_with_an_ensemble_and_explain_refuses(saved, two_models, tmp_path, capsys):
    ensemble, folder = saved
    texts, labels = two_models[2][:30], two_models[3][:30]
    code, out, err = run_cli(capsys, "predict", folder, texts[0], texts[1], "--json")
    assert code == 0, err
    assert [row["label"] for row in json.loads(out)] == ensemble.predict(texts[:2])
    data = tmp_path / "test.jsonl"
    data.write_text("".join(json.dumps({"text": x, "label": y}) + "\n" for x, y in zip(texts, labels)))
    code, out, err = run_cli(capsys, "evaluate", folder, data, "--json", "--allow-seen")
    assert code == 0, err
    assert json.loads(out)["accuracy"] == pytest.approx(ensemble.evaluate(texts, labels)["accuracy"])
    code, _, err = run_cli(capsys, "explain", folder, texts[0])
    assert code == 2 and "ensemble of 2" in err
    code, _, err = run_cli(capsys, "evaluate", folder, data, "--allow-seen", "--report", tmp_path / "report.html")
    assert code == 0, err  # the errors' n-grams: the heaviest member's
    assert all(label in (tmp_path / "report.html").read_text(encoding="utf-8") for label in ensemble.classes_)


def test_greedy_weights_join_complementary_candidates_and_leave_out_the_rest():
    gold = np.zeros(100, dtype=np.int64)  # every text is class 0
    left = np.where(np.arange(100)[:, None] < 60, [0.9, 0.1], [0.3, 0.7])  # (100, 2): right on the first 60
    right = np.where(np.arange(100)[:, None] >= 40, [0.9, 0.1], [0.3, 0.7])  # right on the last 60
    poor = np.full((100, 2), [0.4, 0.6])  # wrong everywhere
    counts = greedy_weights([left, poor, right], gold, rounds=10, most=5)
    assert counts[0] > 0 and counts[2] > 0 and counts[1] == 0
    alone = greedy_weights([left, poor, right], gold, rounds=10, most=1)  # one model: repeating it gains nothing
    assert alone.sum() == 1 and alone[1] == 0
    assert greedy_weights([left, left * 1.0], gold, rounds=10, most=5).sum() == 1  # a copy never lowers the loss


class FixedScores:
    """A trained classifier's stand-in whose probabilities per text are given: the selection sees only them."""

    multi_label, classes_ = False, ["a", "b"]

    def __init__(self, rows: np.ndarray, texts: list[str]):
        self.rows = dict(zip(texts, rows))

    def predict_proba(self, texts, batch_size: int = 256) -> np.ndarray:
        return np.stack([self.rows[text] for text in texts])


def test_autotune_joins_the_trials_whose_mean_lowers_the_validation_log_loss():
    texts, gold = [f"text {i}" for i in range(100)], np.arange(100) % 2  # (100,) classes a, b in turn
    valid = LabeledTexts.from_lists(texts, ["ab"[g] for g in gold], "valid")

    def scores(right: np.ndarray) -> FixedScores:  # 0.9 on the gold class where right, else 0.3
        chance = np.where(right, 0.9, 0.3)  # (100,)
        return FixedScores(np.where(gold[:, None] == 0, np.stack([chance, 1 - chance], 1),
                                    np.stack([1 - chance, chance], 1)), texts)  # fmt: skip

    index = np.arange(100)
    left, right = scores(index < 60), scores((index >= 40) & (index < 95))  # both right on 40..59, wrong on 95..99
    poor = scores(np.zeros(100, dtype=bool))
    trials = [{"number": n, "score": 0.6, "settings": {"lr": n}} for n in range(3)]
    result = AutotuneResult(best=left, study=None, trials=trials,
                            candidates=[(0.6, 0, left), (0.6, 1, poor), (0.6, 2, right)])  # fmt: skip
    summary = {}
    joined = _ensemble_of(left, result, summary, valid, lambda report: report["accuracy"], most=5)
    assert isinstance(joined, EnsembleClassifier) and {m["trial"] for m in summary["ensemble"]} == {0, 2}
    assert sum(m["weight"] for m in summary["ensemble"]) == pytest.approx(1.0)
    assert summary["ensemble_score"] == joined.metrics_["valid"]["accuracy"] == 0.95  # alone: 0.6 and 0.55
    calibration = joined.metrics_["valid"]["calibration"]  # a temperature fitted on validation, as for one model
    assert calibration["nll"] <= calibration["uncalibrated"]["nll"] and joined.temperature_ != 1.0
    alone = AutotuneResult(best=left, study=None, trials=trials, candidates=[(0.6, 0, left), (0.6, 1, poor)])
    assert _ensemble_of(left, alone, {}, valid, None, most=5) is left  # nothing lowers the loss: the best alone


def test_the_service_predicts_with_an_ensemble_and_says_why_it_cannot_explain(saved, two_models):
    from fastapi.testclient import TestClient

    from convtext.serve import create_app

    ensemble, folder = saved
    texts = two_models[2][:3]
    with TestClient(create_app({"joined": TextClassifier.load(folder)})) as client:
        answer = client.post("/predict", json={"texts": texts}).json()
        assert [row["label"] for row in answer["predictions"]] == ensemble.predict(texts)
        info = client.get("/model").json()
        assert info["architecture"] == "ensemble" and info["members"] == 2 and info["explain"] is False
        assert info["temperature"] == 0.8
        for path, body in (("/explain", {"text": texts[0]}), ("/predict", {"text": texts[0], "explain": True})):
            refused = client.post(path, json=body)
            assert refused.status_code == 422 and "members/0" in refused.json()["error"]


def test_an_ensemble_teaches_a_single_model_but_is_no_body_to_start_from(saved, two_models, tmp_path, monkeypatch):
    monkeypatch.setenv("CONVTEXT_CACHE", str(tmp_path / "cache"))
    ensemble, folder = saved
    texts, labels = two_models[2], two_models[3]
    student = TextClassifier(members=1, seed=0, **SMALL).distill(folder, texts[:200], labels[:200], augmentation=None)
    assert student.classes_ == ensemble.classes_
    assert student.training_["distillation"]["teacher_architecture"] == "ensemble of 2"
    with pytest.raises(ConvtextError, match="not one body to start from"):
        TextClassifier(pretrained=folder, **SMALL).fit(texts, labels)
