"""Calibrated probabilities (issue 33): the temperature fitted on validation, stored in the model folder and used by
every way of predicting; ECE, Brier and NLL in evaluate; the card's reliability diagram."""

import json
import math

import numpy as np
import pytest
from conftest import run_cli, toy_texts

from convtext import ConvtextError, TextClassifier
from convtext.runtime import calibration_report, fit_temperature, numpy_classifier, to_probabilities, why_not_calibrate


def sampled(true_logits: np.ndarray, seed: int = 0) -> np.ndarray:
    """Class ids drawn from the softmax of ``(n, C)`` logits: labels for which those logits are calibrated."""
    probabilities = to_probabilities(true_logits, False).astype(np.float64)
    rng = np.random.default_rng(seed)
    return np.array([rng.choice(len(row), p=row / row.sum()) for row in probabilities])


def test_fit_temperature_recovers_the_scale_of_overconfident_logits():
    true_logits = np.random.default_rng(1).normal(0, 1.5, (4000, 4))
    gold = sampled(true_logits)
    assert fit_temperature(3.0 * true_logits, gold, False) == pytest.approx(3.0, rel=0.1)
    assert fit_temperature(0.5 * true_logits, gold, False) == pytest.approx(0.5, rel=0.1)


def test_scaling_lowers_ece_and_nll_and_keeps_every_argmax():
    true_logits = np.random.default_rng(2).normal(0, 1.5, (3000, 3))
    gold, overconfident = sampled(true_logits, 3), 4.0 * true_logits
    temperature = fit_temperature(overconfident[:1500], gold[:1500], False)
    report = calibration_report(overconfident[1500:], gold[1500:], False, temperature)  # scored on held-out texts
    assert report["ece"] < 0.5 * report["uncalibrated"]["ece"]
    assert report["nll"] < report["uncalibrated"]["nll"] and report["brier"] < report["uncalibrated"]["brier"]
    assert sum(b["count"] for b in report["bins"]) == 1500 and report["n"] == 1500
    scaled = to_probabilities(overconfident, False, temperature)
    assert (scaled.argmax(1) == overconfident.argmax(1)).all()


def test_multi_label_temperature_scales_every_sigmoid():
    rng = np.random.default_rng(4)
    true_logits = rng.normal(0, 2.0, (3000, 5))
    gold = (rng.random((3000, 5)) < to_probabilities(true_logits, True)).astype(np.float32)  # (n, C) 0/1
    assert fit_temperature(2.5 * true_logits, gold, True) == pytest.approx(2.5, rel=0.1)
    report = calibration_report(2.5 * true_logits, gold, True, 2.5)
    assert report["ece"] < report["uncalibrated"]["ece"]
    assert sum(b["count"] for b in report["bins"]) == 3000 * 5  # every (text, label) pair is a forecast


def test_no_temperature_from_too_few_texts_or_a_validation_set_without_errors():
    logits = np.array([[2.0, -1.0], [-1.0, 2.0]] * 40)
    assert "too few" in why_not_calibrate(logits[:10], np.array([0, 1] * 5), False)
    assert "right on every" in why_not_calibrate(logits, np.array([0, 1] * 40), False)
    assert why_not_calibrate(logits, np.array([0, 1] * 39 + [1, 0]), False) is None


def noisy_toy(count: int, flip: float = 0.15) -> tuple[list[str], list[str]]:
    """The toy set with a share of its labels flipped: a validation set the model gets partly wrong."""
    texts, labels = toy_texts(count, seed=5)
    rng = np.random.default_rng(0)
    flipped = {"pos": "neg", "neg": "pos"}
    return texts, [flipped[label] if rng.random() < flip else label for label in labels]


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    texts, labels = noisy_toy(700)
    options = dict(epochs=3, num_filters=16, embed_dim=16, members=1, threads=1, seed=0, device="cpu")
    clf = TextClassifier(**options).fit(texts, labels)
    folder = clf.save(tmp_path_factory.mktemp("calibrated") / "model")
    plain = TextClassifier(**options, calibrate=False).fit(texts, labels)
    return clf, folder, plain, texts, labels


def test_a_fit_calibrates_on_validation_and_keeps_every_label(calibrated):
    clf, _, plain, texts, _ = calibrated
    assert clf.temperature_ != 1.0 and plain.temperature_ == 1.0
    report = clf.metrics_["valid"]["calibration"]
    assert report["n"] == 70 and report["temperature"] == clf.temperature_
    assert report["nll"] <= report["uncalibrated"]["nll"]
    assert clf.predict(texts[:200]) == plain.predict(texts[:200])  # same seed and weights: only probabilities move
    logits = clf.decision_function(texts[:20])
    assert np.allclose(clf.predict_proba(texts[:20]), to_probabilities(logits, False, clf.temperature_), atol=1e-6)
    assert not np.allclose(clf.predict_proba(texts[:20]), plain.predict_proba(texts[:20]), atol=1e-3)


def test_the_saved_temperature_is_used_by_every_runtime_and_the_explanation(calibrated):
    clf, folder, _, texts, _ = calibrated
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    assert config["convtext"]["temperature"] == pytest.approx(clf.temperature_)
    expected = clf.predict_proba(texts[:30])
    assert np.allclose(TextClassifier.load(folder).predict_proba(texts[:30]), expected, atol=1e-6)
    assert np.allclose(numpy_classifier(folder).predict_proba(texts[:30]), expected, atol=1e-5)
    explained = clf.explain(texts[0])
    assert [explained.probabilities[label] for label in clf.classes_] == pytest.approx(expected[0].tolist(), abs=1e-5)
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert "## Calibration" in card and f"{clf.temperature_:.3f}" in card
    assert (folder / "calibration.png").stat().st_size > 1000


def test_evaluate_reports_calibration_before_and_after(calibrated, capsys):
    clf, folder, _, texts, labels = calibrated
    report = clf.evaluate(texts[:300], labels[:300])["calibration"]
    assert report["n"] == 300 and set(report["uncalibrated"]) == {"ece", "brier", "nll", "bins"}
    data = folder.parent / "scored.jsonl"
    rows = [json.dumps({"text": x, "label": y}, ensure_ascii=False) for x, y in zip(texts[:300], labels[:300])]
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "evaluate", folder, data, "--allow-seen", "--json")
    assert code == 0, err
    scored = json.loads(out)["calibration"]
    assert scored["ece"] == pytest.approx(report["ece"], abs=1e-4) and scored["temperature"] == clf.temperature_
    code, out, err = run_cli(capsys, "evaluate", folder, data, "--allow-seen")
    assert code == 0 and f"probabilities at temperature {clf.temperature_:.2f}: ECE" in out


def test_a_damaged_temperature_is_refused(calibrated, tmp_path):
    import shutil

    _, folder, _, _, _ = calibrated
    for bad in (0, -1.5, "hot", True, math.inf):
        copy = shutil.copytree(folder, tmp_path / f"copy-{bad}")
        config = json.loads((copy / "config.json").read_text(encoding="utf-8"))
        config["convtext"]["temperature"] = bad if bad != math.inf else 1e400
        (copy / "config.json").write_text(json.dumps(config), encoding="utf-8")
        with pytest.raises(ConvtextError, match="temperature must be a positive number"):
            TextClassifier.load(copy)
        with pytest.raises(ConvtextError, match="temperature must be a positive number"):
            numpy_classifier(copy)
