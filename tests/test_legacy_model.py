"""A model folder saved before the redesign (issue 30) still loads and predicts exactly as it did."""

import json
from pathlib import Path

import numpy as np
import pytest

import convtext

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXPECTED = json.loads((FIXTURES / "legacy-model-expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def legacy():
    return convtext.load(FIXTURES / "legacy-model")


def test_legacy_folder_predicts_as_when_saved(legacy):
    probes = EXPECTED["probes"]
    assert legacy.predict(probes) == EXPECTED["labels"]
    np.testing.assert_allclose(legacy.predict_proba(probes), EXPECTED["proba"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(legacy.features(probes), EXPECTED["features"], rtol=0, atol=2e-6)


def test_legacy_folder_explains_as_when_saved(legacy):
    shown = [[c.shown, round(c.contribution, 6)] for c in legacy.explain(EXPECTED["probes"][1], top=5).top("1")]
    assert [ngram for ngram, _ in shown] == [ngram for ngram, _ in EXPECTED["explain"]]
    np.testing.assert_allclose([s for _, s in shown], [s for _, s in EXPECTED["explain"]], atol=2e-6)


def test_legacy_folder_keeps_its_settings(legacy):
    assert legacy.model_.architecture == "textcnn"
    assert legacy.tokenizer_.kind == "word"
    assert legacy.classes_ == ["0", "1"]
