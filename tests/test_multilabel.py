"""Multi-label end to end on real questions: TREC tagged 'location', 'number' and 'what' (or nothing)."""

import json

import numpy as np
import pytest

from convtext import DataError, TextClassifier, load, read_labeled
from convtext.cli import main

FAST = {"embed_dim": 32, "num_filters": 32, "epochs": 3, "batch_size": 50, "lr": 0.01, "threads": 2, "seed": 0}


def tags(text: str, coarse: str) -> list[str]:
    """Two labels from TREC's classes (4 = location, 5 = number) and one from the wording; HUM 'who' questions get none."""
    found = {"4": ["location"], "5": ["number"]}.get(coarse, [])
    return found + (["what"] if text.lower().startswith("what ") else [])


@pytest.fixture(scope="module")
def trec(kim_folder):
    train, test = read_labeled(kim_folder / "TREC.train.all"), read_labeled(kim_folder / "TREC.test.all")
    train = train.subset(range(3000))  # enough to learn the tags in seconds
    return (
        (train.texts, [tags(t, y) for t, y in zip(train.texts, train.labels)]),
        (test.texts, [tags(t, y) for t, y in zip(test.texts, test.labels)]),
    )


@pytest.fixture(scope="module")
def kim_folder():
    from conftest import KIM

    return KIM


@pytest.fixture(scope="module")
def tagger(trec):
    (texts, label_sets), _ = trec
    return TextClassifier(multi_label=True, threshold="tune", **FAST).fit(texts, label_sets)


def test_learns_several_labels_per_text(tagger, trec):
    _, (texts, label_sets) = trec
    report = tagger.evaluate(texts, label_sets)
    assert tagger.classes_ == ["location", "number", "what"]
    assert report["micro_f1"] > 0.85 and report["macro_f1"] > 0.8, report
    assert set(report["thresholds"]) == set(tagger.classes_)
    predicted = tagger.predict(["What city hosted the 1936 Olympics ?", "What year did the war end ?"])
    # the class tags are clear-cut; "what" needs the word at the start, which max-pooling barely sees (its tuned
    # threshold sits near 0.85), so one text checks it
    assert predicted[0] == ["location", "what"] and "number" in predicted[1] and "location" not in predicted[1]


def test_a_text_may_get_no_label(tagger, trec):
    _, (texts, label_sets) = trec
    who = [t for t, labels in zip(texts, label_sets) if not labels and t.lower().startswith("who ")]
    predictions = tagger.predict(who)
    assert len(who) > 20 and sum(p == [] for p in predictions) / len(who) > 0.9
    probabilities = tagger.predict_proba(who[:1])
    assert probabilities.shape == (1, 3) and (probabilities < tagger.thresholds_).all()  # independent sigmoids


def test_round_trip_keeps_thresholds(tagger, trec, tmp_path):
    _, (texts, _) = trec
    loaded = load(tagger.save(tmp_path / "tagger"))
    assert loaded.multi_label and np.array_equal(loaded.thresholds_, tagger.thresholds_)
    assert loaded.predict(texts[:50]) == tagger.predict(texts[:50])
    config = json.loads((tmp_path / "tagger" / "config.json").read_text())
    assert config["convtext"]["multi_label"] is True and len(config["convtext"]["thresholds"]) == 3


def test_several_labels_without_the_flag_is_a_clear_error(trec):
    (texts, label_sets), _ = trec
    with pytest.raises(DataError, match="several labels — train a multi-label model"):
        TextClassifier(**FAST).fit(texts[:200], label_sets[:200])


def test_command_line_with_fasttext_labels_and_a_separator(trec, tmp_path, capsys):
    (texts, label_sets), (test_texts, test_sets) = trec
    train_file = tmp_path / "train.txt"
    train_file.write_text("".join(" ".join(f"__label__{t}" for t in s) + f" {x}\n" for x, s in zip(texts, label_sets)))
    test_file = tmp_path / "test.tsv"  # the same tags in a TSV label column, joined by '|'
    test_file.write_text("label\ttext\n" + "".join(f"{'|'.join(s)}\t{x}\n" for x, s in zip(test_texts, test_sets)))
    folder = tmp_path / "model"
    options = [
        "--embed-dim",
        "32",
        "--filters",
        "32",
        "--epochs",
        "3",
        "--lr",
        "0.01",
        "--threads",
        "2",
        "--no-progress",
    ]
    with pytest.raises(SystemExit) as done:
        main(["train", str(train_file), "-o", str(folder), "--multi-label", "--threshold", "0.5", *options])
    assert done.value.code in (0, None)
    out = capsys.readouterr().out
    assert "micro-F1" in out
    with pytest.raises(SystemExit):
        main(["evaluate", str(folder), str(test_file), "--label-sep", "|", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["micro_f1"] > 0.8 and report["n"] == len(test_texts)  # rows without a tag count too
    who = [t for t, s in zip(test_texts, test_sets) if not s and t.startswith("Who ")][:20]
    with pytest.raises(SystemExit):
        main(["predict", str(folder), "--json", "Where is the Eiffel Tower ?", *who])
    results = json.loads(capsys.readouterr().out)
    assert results[0]["labels"] == ["location"] and set(results[0]["probabilities"]) == {"location", "number", "what"}
    assert sum(r["labels"] == [] for r in results[1:]) >= 16  # most questions about people get no tag
