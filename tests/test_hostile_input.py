"""Hostile input everywhere (issue 10): readers, tokenizers, the classifier and /predict never crash.

The same strategies and checks run longer in `python benchmarks/fuzz.py` (its input counts are in
benchmarks/results/fuzz/fuzz.md); here each property runs a CI-sized number of examples.
"""

import pytest
from fastapi.testclient import TestClient
from hostile import check_classifier, check_reader, check_service, check_tokenizer, hostile_file, hostile_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convtext import BpeTokenizer, CharTokenizer, WhitespaceTokenizer, WordTokenizer, read_labeled
from convtext.serve import Limits, create_app

QUICK = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
TOKENIZERS = [
    WordTokenizer.train(["the film is great", "Фильм отличный 👍"]),
    CharTokenizer.train(["the film is great", "Фильм отличный 👍"]),
    BpeTokenizer.train(["the film is great", "Фильм отличный 👍"], 300, min_frequency=1),
    WhitespaceTokenizer.train(["the film is great", "Фильм отличный 👍"]),
]
LIMITS = Limits(max_chars=500)


@pytest.fixture(scope="module")
def client(trained):
    with TestClient(create_app({"toy": trained}, LIMITS)) as test_client:
        yield test_client


@QUICK
@given(hostile_file())
def test_readers_return_rows_or_a_one_line_error(tmp_path, file):
    name, content = file
    path = tmp_path / name
    path.write_bytes(content)
    check_reader(path)


@QUICK
@given(hostile_text)
def test_tokenizers_take_any_text(text):
    for tokenizer in TOKENIZERS:
        check_tokenizer(tokenizer, text)


@QUICK
@given(st.lists(hostile_text, min_size=1, max_size=4))
def test_classifier_predicts_and_explains_any_text(trained, texts):
    check_classifier(trained, texts)


@QUICK
@given(st.lists(st.one_of(hostile_text, st.text(min_size=501, max_size=600)), min_size=1, max_size=4))
def test_predict_endpoint_answers_any_text(client, texts):
    check_service(client, texts, LIMITS.max_chars)


def test_a_one_megabyte_line_is_read_tokenized_predicted_and_limited(tmp_path, trained, client):
    line = ("отличный film 👍 " * 70_000)[:1_000_000]
    path = tmp_path / "big.tsv"
    path.write_text(f"text\tlabel\n{line}\tpos\nshort\tneg\n", encoding="utf-8")
    data = read_labeled(path)
    assert [len(text) for text in data.texts] == [len(line.strip()), 5]
    assert len(TOKENIZERS[0].encode(line)) > 100_000
    assert len(trained.predict([line])) == 1 and trained.explain(line).label in trained.classes_
    response = client.post("/predict", json={"text": line})
    assert response.status_code == 413 and "1,000,000 characters" in response.json()["error"]
