"""Parquet in and out: read_labeled, train (whole and streamed), predict Parquet → Parquet and evaluate read tables
as they read CSV; nulls, empty strings, Cyrillic and emoji; clear errors for columns and files."""

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import run_cli, toy_texts, write_csv

from convtext import DataError, TextClassifier, read_labeled
from convtext.data import LabeledStream

MIXED = ["хороший фильм 👍", "", "awful plot 👎", None, "a very good film", "  ", "ужасно 😡 actors"]


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """The toy set as CSV and as Parquet (small row groups: several batches), a model trained on the Parquet."""
    folder = tmp_path_factory.mktemp("parquet")
    texts, labels = toy_texts(300, seed=0)
    pq.write_table(pa.table({"text": texts, "label": labels}), folder / "train.parquet", row_group_size=64)
    write_csv(folder / "train.csv", texts, labels)
    return folder


def test_a_table_reads_as_its_csv_and_reports_what_it_skipped(tmp_path, caplog):
    texts, labels = ["хороший фильм 👍", None, "  ", "bad film", "ok 😀"], ["pos", "neg", "pos", None, 1]
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.table({"label": [None if x is None else str(x) for x in labels], "text": texts}), path)
    data = read_labeled(path)
    assert data.format == "parquet" and data.texts == ["хороший фильм 👍", "ok 😀"] and data.labels == ["pos", "1"]
    reasons = {row.reason: row.line for row in data.skipped}
    assert reasons == {"null text": 2, "without text": 3, "without a label": 4}
    assert "skipped 3" in caplog.text


def test_a_list_column_is_multi_label_and_numbers_become_label_strings(tmp_path):
    path = tmp_path / "tags.bin"  # no extension: known by its magic bytes
    pq.write_table(pa.table({"body": ["a b", "c d"], "tags": [["x", "y"], ["z"]], "stars": [5, 1]}), path)
    assert read_labeled(path, text_col="body", label_col="tags").label_sets == [("x", "y"), ("z",)]
    assert read_labeled(path, text_col="body", label_col="stars").labels == ["5", "1"]


def test_bad_tables_get_errors_that_name_the_fix(tmp_path):
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.table({"body": ["a"], "label": ["x"], "n": [1]}), path)
    found = r"no column 'text'; columns found: \['body', 'label', 'n'\] — pass --text-col"
    with pytest.raises(DataError, match=found):
        read_labeled(path)
    with pytest.raises(DataError, match="column 'n' holds int64, not text — choose the text column with --text-col"):
        read_labeled(path, text_col="n")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(DataError, match="not a readable Parquet file .* check that the file is whole"):
        read_labeled(broken)


def test_training_from_a_table_equals_training_from_its_csv(tables, tmp_path, capsys):
    for name in ("train.parquet", "train.csv"):
        code, _, err = run_cli(capsys, "train", tables / name, "--embeddings", "random", "--epochs", "2", "--members",
                               "1", "--threads", "1", "-o", tmp_path / name)  # fmt: skip
        assert code == 0, err
    weights = [(tmp_path / name / "model.safetensors").read_bytes() for name in ("train.parquet", "train.csv")]
    assert weights[0] == weights[1]


def test_streamed_training_reads_record_batches_never_the_whole_table(tables, monkeypatch):
    def whole(*args, **kwargs):
        raise AssertionError("the table was read whole")

    monkeypatch.setattr(pq.ParquetFile, "read", whole)
    monkeypatch.setattr(pq, "read_table", whole)
    stream = LabeledStream(tables / "train.parquet", chunk=100)
    assert stream.format == "parquet" and stream.row_count() == 300
    assert [len(rows) for rows in stream.chunks()] == [100, 100, 100]
    settings = {"embeddings": "random", "epochs": 1, "members": 1, "threads": 1, "seed": 0, "progress": False}
    streamed = TextClassifier(**settings).fit_file(tables / "train.parquet")
    from_csv = TextClassifier(**settings).fit_file(tables / "train.csv")
    first, second = streamed.model_.state_dict(), from_csv.model_.state_dict()
    assert all(np.array_equal(first[name].numpy(), second[name].numpy()) for name in first)


@pytest.mark.parametrize("top_k", [1, 2])
def test_predict_table_to_table_equals_the_python_api_row_for_row(tables, tmp_path, capsys, top_k):
    model = TextClassifier(embeddings="random", epochs=2, members=1, threads=1, progress=False)
    folder = model.fit(*toy_texts(300, seed=0)).save(tmp_path / "model")
    source, target = tmp_path / "in.parquet", tmp_path / "out.parquet"
    pq.write_table(pa.table({"id": list(range(len(MIXED))), "text": MIXED}), source, row_group_size=3)
    code, _, err = run_cli(capsys, "predict", folder, "--input", source, "--output", target, "--top-k", top_k)
    assert code == 0 and "predicted 6 rows (1 with a null text: null predictions)" in err
    rows = pq.read_table(target).to_pylist()
    assert [row["id"] for row in rows] == list(range(len(MIXED))) and [row["text"] for row in rows] == MIXED
    present = [text for text in MIXED if text is not None]
    expected = dict(zip(present, model.predict_proba(present)))
    for row in rows:
        if row["text"] is None:
            assert row["predicted"] is None and row["probability"] is None
            continue
        probabilities = dict(zip(model.classes_, expected[row["text"]]))
        assert row["predicted"] == max(probabilities, key=probabilities.get)
        assert row["probability"] == pytest.approx(probabilities[row["predicted"]], abs=1e-6)
        if top_k > 1:
            assert {item["label"]: item["probability"] for item in row["top"]} == pytest.approx(probabilities, abs=1e-6)
    code, out, _ = run_cli(capsys, "predict", folder, "--input", source, "--json")  # printed: the same labels
    assert code == 0 and '"line": 4' not in out and out.count('"label"') == 6
    lines = [text for text in MIXED if text and text.strip()]  # the text-file path: one text per line, JSON lines
    (tmp_path / "in.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, _ = run_cli(capsys, "predict", folder, "--input", tmp_path / "in.txt", "--output", tmp_path / "o.jsonl")
    from_lines = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()]
    from_table = {row["text"]: row for row in rows}
    assert code == 0 and [(r["label"], r["top"][0][1]) for r in from_lines] == [
        (from_table[text]["predicted"], from_table[text]["probability"]) for text in lines
    ]


def test_predict_refuses_mixed_formats_and_clashing_columns_before_loading(tables, tmp_path, capsys):
    folder = tmp_path / "not-loaded"  # never read: every refusal comes first
    folder.mkdir()
    code, _, err = run_cli(
        capsys, "predict", folder, "--input", tables / "train.parquet", "--output", tmp_path / "o.jsonl"
    )
    assert code == 2 and "give both as .parquet, or neither" in err
    code, _, err = run_cli(capsys, "predict", folder, "--input", tables / "train.csv", "--text-col", "text")
    assert code == 2 and "--text-col names a column of a Parquet --input" in err
    code, _, err = run_cli(capsys, "predict", folder, "--input", tables / "train.parquet", "--text-col", "body")
    assert code == 2 and "no column 'body'" in err
    model = TextClassifier(embeddings="random", epochs=1, members=1, threads=1, progress=False)
    saved = model.fit(*toy_texts(100, seed=0)).save(tmp_path / "model")
    clash = tmp_path / "clash.parquet"
    pq.write_table(pa.table({"text": ["a"], "predicted": ["x"]}), clash)
    code, _, err = run_cli(capsys, "predict", saved, "--input", clash, "--output", tmp_path / "o.parquet")
    assert code == 2 and "already has a column 'predicted'" in err and not (tmp_path / "o.parquet").exists()
