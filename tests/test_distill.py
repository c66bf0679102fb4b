"""Distillation: all-MiniLM-L6-v2 as the teacher, a CNN student, cached teacher vectors, reuse as a body."""

import json

import numpy as np
import pytest
from conftest import KIM, run_cli

from convtext import ConvtextError, TextClassifier, read_labeled
from convtext.distill import SentenceEncoder, split_sentences, teacher_embeddings
from convtext.zoo import load_pretrained

SMALL = {"num_filters": 32, "epochs": 4, "threads": 1, "lr": 5e-3}


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVTEXT_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def questions():
    train = read_labeled(KIM / "TREC.train.all")
    test = read_labeled(KIM / "TREC.test.all")
    return train.texts[:600], train.labels[:600], test.texts[:150], test.labels[:150]


def test_teacher_vectors_are_unit_length_and_cached(questions, monkeypatch):
    texts = questions[0][:40]
    first = teacher_embeddings(texts)
    assert first.shape == (40, 384) and np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    import sentence_transformers

    def refuse(*args, **kwargs):
        raise AssertionError("the teacher ran again instead of reading its cache")

    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", refuse)
    assert np.array_equal(teacher_embeddings(texts), first)
    with pytest.raises(AssertionError, match="ran again"):
        teacher_embeddings(texts[:39])  # other texts: not in the cache


def test_student_learns_the_teacher_and_serves_as_a_body(questions, tmp_path):
    train_texts, train_labels, test_texts, test_labels = questions
    encoder = SentenceEncoder(**SMALL).fit(train_texts, data_seen=["kim2014/TREC.train.all"])
    history = [entry["valid_cosine"] for entry in encoder.training_["history"]]
    assert history[-1] > history[0] and encoder.metrics_["valid"]["cosine"] == max(history)
    held_out = encoder.similarity(test_texts)
    assert held_out > 0.3  # an untrained student is near 0.1 (see the next assertion)
    untrained = SentenceEncoder(**{**SMALL, "epochs": 1, "lr": 1e-9}).fit(train_texts)
    assert untrained.similarity(test_texts) < held_out - 0.1
    folder = encoder.save(tmp_path / "encoder")
    again = load_pretrained(folder)
    assert isinstance(again, SentenceEncoder)
    assert np.allclose(again.encode(test_texts[:5]), encoder.encode(test_texts[:5]), atol=1e-6)
    clf = TextClassifier(pretrained=folder, transfer="feature-extraction", threads=1).fit(train_texts, train_labels)
    assert clf.score(test_texts, test_labels) > 0.5  # six classes: chance is about 0.2
    assert clf.data_seen_[0] == "kim2014/TREC.train.all"


def test_split_sentences_handles_any_script():
    assert split_sentences("Great phone! Battery dies fast.\n\nWould not buy") == [
        "Great phone!", "Battery dies fast.", "Would not buy"
    ]  # fmt: skip
    assert split_sentences("Отличный фильм. Смотрите! 好看。很好") == ["Отличный фильм.", "Смотрите!", "好看。", "很好"]


def test_cli_distill_and_bad_input(tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    texts = read_labeled(KIM / "TREC.train.all").texts[:300]
    corpus.write_text("\n".join(texts) + "\n\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "distill", "--corpus", corpus, "-o", tmp_path / "enc", "--filters", "16",
                             "--epochs", "2", "--threads", "1", "--no-sentences", "--json")  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    assert summary["texts"] == 300 and summary["skipped_rows"] == 1  # the blank line, reported
    assert summary["valid_rows"] >= 10 and 0 < summary["valid_cosine"] <= 1
    assert "sentence encoder distilled" in (tmp_path / "enc" / "README.md").read_text(encoding="utf-8")
    tiny = tmp_path / "tiny.txt"
    tiny.write_text("one text\nanother text\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "distill", "--corpus", tiny, "-o", tmp_path / "x")
    assert code == 2 and "at least 20 distinct texts" in err
    with pytest.raises(ConvtextError, match="unknown teacher"):
        teacher_embeddings(["a"], teacher="bert")
