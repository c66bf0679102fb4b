"""ONNX export (dynamic batch and length) and prediction through onnxruntime, for every architecture."""

import json

import numpy as np
import pytest
from conftest import KIM, run_cli, toy_texts
from fastapi.testclient import TestClient

from convtext import TextClassifier, read_labeled
from convtext._errors import ConvtextError
from convtext.serve import Limits, create_app, load_models

ODD_TEXTS = ["", "a", "good", "отличный фильм 👍", "the plot " * 300, "\x00\u202e bad", "great great great"]


@pytest.mark.parametrize(
    "architecture, options",
    [("textcnn", {"members": 3}), ("textcnn_kim", {}), ("inception_small", {}), ("char_cnn", {}),
     ("mean_embedding", {}), ("mean_bigram", {})],
)  # fmt: skip
def test_every_architecture_exports_and_matches_pytorch(architecture, options, tmp_path):
    texts, labels = toy_texts(200)
    classifier = TextClassifier(architecture, embeddings="random", epochs=1, threads=1, **options).fit(texts, labels)
    inputs = texts[:40] + ODD_TEXTS
    expected = classifier.decision_function(inputs)
    classifier.use_onnx(classifier.export_onnx(tmp_path / "model.onnx"))
    np.testing.assert_allclose(classifier.decision_function(inputs), expected, atol=1e-4)
    np.testing.assert_allclose(classifier.decision_function(inputs[:1]), expected[:1], atol=1e-4)  # batch of one


def test_real_sentences_match_to_1e_4_and_int8_stays_close(trained, tmp_path):
    sentences = read_labeled(KIM / "stsa.binary.dev").texts[:500]  # real English sentences (the model: toy words)
    sentences += read_labeled(KIM / "TREC.test.all").texts[:200]
    expected = trained.decision_function(sentences)
    clf = TextClassifier.load(trained.save(tmp_path / "model"))
    clf.use_onnx(clf.export_onnx(tmp_path / "model.onnx"))
    assert np.abs(clf.decision_function(sentences) - expected).max() < 1e-4
    clf.use_onnx(clf.export_onnx(tmp_path / "model.int8.onnx", int8=True))
    texts, labels = toy_texts(300, seed=5)
    agreement = np.mean(np.asarray(clf.predict(texts)) == np.asarray(trained.predict(texts)))
    assert agreement > 0.95


def test_a_graph_from_another_model_or_a_damaged_file_is_refused(trained, tmp_path):
    texts, labels = toy_texts(200, seed=2)
    other = TextClassifier(embeddings="random", members=1, epochs=1, threads=1, seed=9).fit(texts, labels)
    path = other.export_onnx(tmp_path / "other.onnx")
    with pytest.raises(ConvtextError, match="exported from another model"):
        trained.use_onnx(path)
    with pytest.raises(ConvtextError, match="convtext export"):
        trained.use_onnx(tmp_path / "missing.onnx")
    (tmp_path / "broken.onnx").write_bytes(b"not onnx")
    with pytest.raises(ConvtextError, match="not a readable ONNX model"):
        trained.use_onnx(tmp_path / "broken.onnx")


def test_command_line_export_predict_and_serve_with_onnx(trained, tmp_path, capsys):
    folder = trained.save(tmp_path / "toy")
    code, out, _ = run_cli(capsys, "export", folder, "--json")
    assert code == 0 and json.loads(out)["onnx"] == str(folder / "model.onnx")
    texts = ["great film 👍", "ужасно boring", "the plot"]
    answers = {}
    for backend in ("torch", "onnx"):
        code, out, _ = run_cli(capsys, "predict", folder, *texts, "--backend", backend, "--proba", "--json")
        answers[backend] = json.loads(out)
    assert [a["label"] for a in answers["onnx"]] == [a["label"] for a in answers["torch"]]
    for onnx_answer, torch_answer in zip(answers["onnx"], answers["torch"]):
        for label, p in torch_answer["probabilities"].items():
            assert abs(onnx_answer["probabilities"][label] - p) < 1e-5
    with TestClient(create_app(load_models({"toy": folder}, backend="onnx"), Limits())) as client:
        assert client.get("/model").json()["backend"] == "onnx"
        assert [p["label"] for p in client.post("/predict", json={"texts": texts}).json()["predictions"]] == [
            a["label"] for a in answers["torch"]
        ]
    code, _, err = run_cli(capsys, "predict", tmp_path / "toy", "x", "--backend", "tensorflow")
    assert code == 2 and "unknown backend" in err
