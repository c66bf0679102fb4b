"""The torch-free runtime (issue 31, item 2): numpy's logits are PyTorch's for every model it runs, the others
fall back to PyTorch, and `convtext predict` on such a model never imports PyTorch."""

import subprocess
import sys

import numpy as np
import pytest
from conftest import toy_texts

from convtext import ArtifactError, TextClassifier, load
from convtext.runtime import NumpyClassifier, numpy_classifier

EDGE_TEXTS = ["", "good", "bad movie", "Отличный фильм 👍 good", "x " * 600, "   ", "bad " * 3]
VARIANTS = {
    "textcnn": {"architecture": "textcnn"},
    "textcnn 3 members, boundaries": {"architecture": "textcnn", "members": 3, "boundaries": True},
    "textcnn_kim, tanh, MiniLM vectors multichannel": {
        "architecture": "textcnn_kim", "embeddings": "minilm", "embedding_mode": "multichannel", "embed_dim": None,
        "model_options": {"activation": "tanh"},
    },
    "textcnn MiniLM vectors static": {"architecture": "textcnn", "embeddings": "minilm", "embed_dim": None},
    "textcnn bpe": {"architecture": "textcnn", "tokenizer": "bpe", "vocab_size": 300},
    "mean_embedding": {"architecture": "mean_embedding"},
    "mean_bigram": {"architecture": "mean_bigram"},
}  # fmt: skip


def trained(tmp_path, settings: dict, multi_label: bool = False):
    texts, labels = toy_texts(160, seed=3)
    if multi_label:
        labels = [[label] + (["long"] if len(text) > 40 else []) for text, label in zip(texts, labels)]
    settings = {"embeddings": "random", "embed_dim": 16, **settings}
    clf = TextClassifier(epochs=1, threads=1, seed=0, multi_label=multi_label, **settings)
    folder = clf.fit(texts, labels).save(tmp_path / "model")
    return load(folder), folder, texts


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_numpy_logits_are_pytorchs(tmp_path, variant):
    torch_model, folder, texts = trained(tmp_path, VARIANTS[variant])
    numpy_model = numpy_classifier(folder)
    assert isinstance(numpy_model, NumpyClassifier)
    inputs = EDGE_TEXTS + texts[:50]
    expected = torch_model.decision_function(inputs, batch_size=16)
    few = numpy_model.decision_function(inputs[:3])  # fewer tokens than the vocabulary: each batch's own tokens
    assert np.allclose(few, expected[:3], atol=1e-5, rtol=1e-5)
    many = numpy_model.decision_function(inputs, batch_size=16)  # more: the whole vocabulary's table, once
    assert np.allclose(many, expected, atol=1e-5, rtol=1e-5)
    assert numpy_model.predict(inputs) == torch_model.predict(inputs)
    assert np.allclose(numpy_model.predict_proba(inputs), torch_model.predict_proba(inputs), atol=1e-6)


def test_multi_label_thresholds_and_top_k_match(tmp_path):
    torch_model, folder, texts = trained(tmp_path, {"architecture": "textcnn"}, multi_label=True)
    numpy_model = numpy_classifier(folder)
    assert numpy_model.multi_label and list(numpy_model.thresholds_) == list(torch_model.thresholds_)
    assert numpy_model.predict(texts[:40]) == torch_model.predict(texts[:40])
    ranked, expected = numpy_model.predict_top_k(texts[:40], 2), torch_model.predict_top_k(texts[:40], 2)
    assert [[label for label, _ in row] for row in ranked] == [[label for label, _ in row] for row in expected]


def test_models_that_need_pytorch_get_none_and_damaged_weights_are_refused(tmp_path):
    _, folder, _ = trained(tmp_path, {"architecture": "inception_base"})
    assert numpy_classifier(folder) is None and "- Runtime: PyTorch" in (folder / "README.md").read_text()
    _, folder, _ = trained(tmp_path / "cnn", {"architecture": "textcnn"})
    assert "- Runtime: numpy" in (folder / "README.md").read_text()
    weights = folder / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="differ from the digest"):
        numpy_classifier(folder)


PROBE = """
import sys
from convtext.cli import main
try:
    main(sys.argv[1:])
except SystemExit as stop:
    assert not stop.code, stop.code
print("torch" in sys.modules)
"""


def test_predict_with_a_textcnn_imports_no_pytorch_and_prints_pytorchs_labels(tmp_path):
    torch_model, folder, texts = trained(tmp_path, {"architecture": "textcnn"})
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "predict", str(folder), *texts[:5]], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    *rows, imported = done.stdout.splitlines()
    assert imported == "False"
    assert [row.split("\t")[0] for row in rows] == torch_model.predict(texts[:5])
    forced = [sys.executable, "-c", PROBE, "predict", str(folder), "good", "--backend", "torch"]
    assert subprocess.run(forced, capture_output=True, text=True, timeout=120).stdout.splitlines()[-1] == "True"


def test_evaluate_with_a_textcnn_imports_no_pytorch_and_reports_pytorchs_accuracy(tmp_path):
    import json

    torch_model, folder, _ = trained(tmp_path, {"architecture": "textcnn"})
    texts, labels = toy_texts(80, seed=11)
    data = tmp_path / "test.txt"
    data.write_text("".join(f"__label__{y} {t}\n" for t, y in zip(texts, labels)), encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", PROBE, "evaluate", str(folder), str(data), "--json"],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    *report, imported = done.stdout.splitlines()
    assert imported == "False"
    assert json.loads("\n".join(report))["accuracy"] == pytest.approx(torch_model.evaluate(texts, labels)["accuracy"])
