"""Domain adaptation: gradient reversal, the λ schedule, unlabelled-only targets, DANN end to end, Amazon reader."""

import json
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import NEGATIVE, POSITIVE, run_cli

import convtext
from convtext import DataError, LabeledTexts, TextClassifier, read_labeled
from convtext.adapt import DannConfig, confident_rows, dann_lambda, reverse_gradient

AMAZON = Path(__file__).resolve().parents[1] / "data" / "amazon-multidomain"


@pytest.mark.parametrize("strength", [0.0, 0.5, 2.0])
def test_gradient_reversal_flips_the_sign_and_scales_by_lambda(strength):
    x = torch.randn(4, 3, requires_grad=True)
    upstream = torch.randn(4, 3)
    y = reverse_gradient(x, strength)
    assert torch.equal(y, x)  # forward: the identity
    y.backward(upstream)
    assert torch.allclose(x.grad, -strength * upstream)


def test_lambda_schedule_rises_from_zero_to_its_scale():
    values = [dann_lambda(p / 10) for p in range(11)]
    assert values[0] == 0.0 and values == sorted(values) and values[-1] == pytest.approx(1.0, abs=1e-4)
    assert dann_lambda(0.1) == pytest.approx(2 / (1 + 2.718281828 ** (-1.0)) - 1, abs=1e-6)
    assert dann_lambda(1.0, scale=0.3) == pytest.approx(0.3, abs=1e-4)
    with pytest.raises(convtext.ConvtextError):
        DannConfig(gamma=0)


def _domain(filler: list[str], count: int, seed: int) -> tuple[list[str], list[str]]:
    rng, texts, labels = random.Random(seed), [], []
    for i in range(count):
        label = "pos" if i % 2 else "neg"
        words = rng.choices(filler, k=rng.randint(3, 10))
        words.insert(rng.randint(0, len(words)), rng.choice(POSITIVE if label == "pos" else NEGATIVE))
        texts.append(" ".join(words))
        labels.append(label)
    return texts, labels


BOOKS = ["the", "novel", "author", "chapter", "plot", "роман", "page"]
KITCHEN = ["the", "blender", "pan", "knife", "кухня", "lid", "handle"]
SMALL = {"embeddings": "random", "members": 1, "num_filters": 8, "embed_dim": 16, "epochs": 10, "lr": 0.01,
         "threads": 1, "device": "cpu"}  # fmt: skip


def test_dann_trains_on_unlabelled_target_text_and_logs_domain_accuracy(tmp_path):
    source, labels = _domain(BOOKS, 300, 0)
    target, target_labels = _domain(KITCHEN, 200, 1)
    model = TextClassifier(**SMALL).adapt(source, labels, target, dann=DannConfig(scale=0.1, self_training=0))
    adaptation = model.training_["adaptation"]
    assert (
        adaptation["method"] == "dann" and adaptation["self_training"] == 0 and "self_training_round" not in adaptation
    )
    assert adaptation["target_rows"] == 200 and adaptation["selected_on"] == "source holdout"
    assert len(adaptation["domain_accuracy"]) == len(model.history_.history)
    assert all(0.0 <= value <= 1.0 for value in adaptation["domain_accuracy"])
    assert "кухня" not in model.tokenizer_.vocab  # from random vectors a target-only word would be noise
    assert model.evaluate(target, target_labels)["accuracy"] > 0.8
    loaded = convtext.load(model.save(tmp_path / "adapted"))
    assert loaded.predict(target[:20]) == model.predict(target[:20])


def test_confident_rows_are_the_surest_of_each_predicted_class():
    probabilities = np.array([[0.9, 0.1], [0.6, 0.4], [0.99, 0.01], [0.3, 0.7], [0.45, 0.55], [0.8, 0.2]])
    rows, classes = confident_rows(probabilities, share=0.5)  # 0.5 · 6 / 2 = 1 row per class
    assert rows.tolist() == [2, 3] and classes.tolist() == [0, 1]
    rows, classes = confident_rows(probabilities, share=1.0)  # 3 per class; class 1 has only 2 predicted
    assert rows.tolist() == [0, 2, 3, 4, 5] and classes.tolist() == [0, 0, 1, 1, 0]
    for share in (0.0, 1.5):
        with pytest.raises(convtext.ConvtextError, match="self-training share"):
            confident_rows(probabilities, share)
    with pytest.raises(convtext.ConvtextError, match="self_training"):
        DannConfig(self_training=2)


def test_self_training_learns_from_the_adapted_models_surest_target_texts(tmp_path):
    source, labels = _domain(BOOKS, 300, 0)
    target, target_labels = _domain(KITCHEN, 200, 1)
    model = TextClassifier(**SMALL).adapt(source, labels, target, dann=DannConfig(scale=0.1, self_training=0.5))
    adaptation = model.training_["adaptation"]
    assert adaptation["method"] == "dann + self-training" and adaptation["self_training_round"]["pseudo_labelled"] == {
        "neg": 50,
        "pos": 50,
    }  # half the target texts, balanced
    assert 0.5 <= adaptation["self_training_round"]["first_round_valid_accuracy"] <= 1.0
    assert model.training_["train_rows"] == 270 + 100  # the source split and the pseudo-labelled rows
    assert "кухня" in model.tokenizer_.vocab  # now a word of labelled (pseudo-labelled) text
    assert model.evaluate(target, target_labels)["accuracy"] > 0.8
    loaded = convtext.load(model.save(tmp_path / "adapted"))
    assert loaded.predict(target[:20]) == model.predict(target[:20])


def test_self_training_is_skipped_and_said_so_when_the_target_is_too_small():
    source, labels = _domain(BOOKS, 100, 0)
    model = TextClassifier(**{**SMALL, "epochs": 2}).adapt(source, labels, ["the lid"], dann=DannConfig())
    adaptation = model.training_["adaptation"]
    assert adaptation["method"] == "dann" and "too few" in adaptation["self_training_round"]["skipped"]
    assert model.training_["train_rows"] == 90  # the source split alone


def test_a_labelled_target_is_refused(tmp_path, capsys):
    source, labels = _domain(BOOKS, 100, 0)
    target, target_labels = _domain(KITCHEN, 50, 1)
    with pytest.raises(DataError, match="unlabelled target texts only"):
        TextClassifier(**SMALL).adapt(source, labels, LabeledTexts.from_lists(target, target_labels))
    with pytest.raises(DataError, match="never \\(text, label\\) pairs"):
        TextClassifier(**SMALL).adapt(source, labels, list(zip(target, target_labels)))
    (tmp_path / "source.txt").write_text("".join(f"{y} {t}\n" for t, y in zip(source, labels)), encoding="utf-8")
    (tmp_path / "target.txt").write_text("".join(f"{y} {t}\n" for t, y in zip(target, target_labels)), encoding="utf-8")
    code, _, err = run_cli(capsys, "adapt", "--source", tmp_path / "source.txt", "--target", tmp_path / "target.txt",
                           "-o", tmp_path / "model")  # fmt: skip
    assert code == 2 and "50 rows carry labels" in err and "--ignore-target-labels" in err
    (tmp_path / "target.lines").write_text("\n".join(target) + "\n", encoding="utf-8")
    code, out, err = run_cli(
        capsys, "adapt", "--source", tmp_path / "source.txt", "--target", tmp_path / "target.lines", "-o",
        tmp_path / "model", "--embeddings", "random", "--members", "1", "--epochs", "2", "--threads", "1", "--lambda-scale", "0.1", "--json",
    )  # fmt: skip
    assert code == 0, err
    adaptation = json.loads(out)["adaptation"]
    assert adaptation["target_rows"] == 50 and (tmp_path / "model" / "config.json").is_file()
    pseudo_labelled = adaptation["self_training_round"]["pseudo_labelled"]  # at most half of 50, 12 per class
    assert adaptation["method"] == "dann + self-training" and 0 < sum(pseudo_labelled.values()) <= 24
    assert max(pseudo_labelled.values()) <= 12
    code, _, err = run_cli(capsys, "adapt", "--source", tmp_path / "source.txt", "--target", tmp_path / "target.lines",
                           "-o", tmp_path / "model2", "--self-training", "1.5")  # fmt: skip
    assert code == 2 and "self_training" in err
    (tmp_path / "one.lines").write_text(
        "крышка хорошая, всё отлично 😀\n", encoding="utf-8"
    )  # one line: not "LABEL TEXT"
    code, out, err = run_cli(capsys, "adapt", "--source", tmp_path / "source.txt", "--target", tmp_path / "one.lines",
                             "-o", tmp_path / "model3", "--embeddings", "random", "--members", "1", "--epochs", "1",
                             "--threads", "1")  # fmt: skip
    assert code == 0, err
    assert "self-training skipped: 1 target texts are too few" in out


@pytest.mark.parametrize("domain", ["books", "dvd", "electronics", "kitchen"])
def test_the_amazon_reader_on_the_real_files(domain):
    data = read_labeled(AMAZON / domain)
    assert Counter(data.labels) == {"positive": 1000, "negative": 1000} and not data.skipped
    assert all(text.strip() for text in data.texts)
    assert Counter(read_labeled(AMAZON / domain / "positive.review").labels) == {"positive": 1000}


def test_evaluate_across_domains_maps_the_data_labels(capsys, tmp_path, kim):
    """Zero-shot across domains: a movie-review model (labels 1/0) scored on Amazon kitchen (positive/negative)."""
    from conftest import write_rows

    movies = write_rows(tmp_path / "sst.txt", read_labeled(kim / "stsa.binary.train").subset(range(600)))
    model = tmp_path / "movies"
    code, _, stderr = run_cli(capsys, "train", movies, "--epochs", "1", "--embeddings", "random", "--members", "1",
                              "--threads", "2", "--no-progress", "-o", model)  # fmt: skip
    assert code == 0, stderr
    kitchen = AMAZON / "kitchen"
    code, stdout, _ = run_cli(capsys, "evaluate", model, kitchen, "--json")
    assert code == 0 and json.loads(stdout)["unknown_labels"] == {"negative": 1000, "positive": 1000}
    code, stdout, _ = run_cli(
        capsys, "evaluate", model, kitchen, "--map-label", "positive=1", "--map-label", "negative=0", "--json"
    )
    report = json.loads(stdout)
    assert code == 0 and report["n"] == 2000 and report["unknown_labels"] == {} and report["accuracy"] > 0.5
    code, _, stderr = run_cli(capsys, "evaluate", model, kitchen, "--map-label", "positive=good")
    assert code != 0 and "'good' is not a label of the model" in stderr
