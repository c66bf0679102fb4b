"""Spark (local[2]) and Ray (2 local CPUs) predict 10,000 texts exactly as `convtext predict` does — label for
label, probability to 1e-6 — nulls (null predictions), empty strings, Cyrillic and emoji included; both on
loopback only, stopped at the end."""

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import run_cli, toy_texts

from convtext import ConvtextError, TextClassifier

ROWS = 10_000


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    """A model, and 10,000 texts as a Parquet table with what `convtext predict` wrote for them."""
    folder = tmp_path_factory.mktemp("engines")
    model = TextClassifier(embeddings="random", epochs=2, members=1, threads=1, progress=False)
    model.fit(*toy_texts(300, seed=0)).save(folder / "model")
    texts = toy_texts(ROWS, seed=1)[0]
    for i in range(0, ROWS, 97):
        texts[i] = ""
    for i in range(5, ROWS, 101):
        texts[i] = None
    texts[1] = "Фильм просто отличный 👍🏽 — 10/10"
    pq.write_table(pa.table({"id": list(range(ROWS)), "text": texts}), folder / "texts.parquet", row_group_size=2500)
    return folder


def expected_rows(table, capsys, top_k: int) -> list[dict]:
    code, _, err = run_cli(capsys, "predict", table / "model", "--input", table / "texts.parquet", "--output",
                           table / f"cli-{top_k}.parquet", "--top-k", top_k)  # fmt: skip
    assert code == 0, err
    return pq.read_table(table / f"cli-{top_k}.parquet").to_pylist()


def assert_same_predictions(rows: list[dict], expected: list[dict]) -> None:
    assert len(rows) == len(expected) == ROWS
    rows = sorted(rows, key=lambda row: row["id"])
    assert [row["text"] for row in rows] == [row["text"] for row in expected]
    assert [row["predicted"] for row in rows] == [row["predicted"] for row in expected]
    got = np.array([np.nan if row["probability"] is None else row["probability"] for row in rows])
    want = np.array([np.nan if row["probability"] is None else row["probability"] for row in expected])
    assert np.allclose(got, want, atol=1e-6, equal_nan=True)
    nulls = [row for row in rows if row["text"] is None]
    assert len(nulls) == 99 and all(row["predicted"] is None for row in nulls)
    assert all(row["predicted"] is not None for row in rows if row["text"] == "")


def test_spark_udf_and_spark_predict_equal_convtext_predict(table, tmp_path, capsys):
    from pyspark.sql import functions as F

    from convtext.spark import local_session, predict_udf

    expected = expected_rows(table, capsys, top_k=2)
    spark = local_session("local[2]")
    try:
        assert spark.sparkContext.getConf().get("spark.driver.host") == "127.0.0.1"
        frame = spark.read.parquet(str(table / "texts.parquet"))
        scored = frame.withColumn("label", predict_udf(table / "model")("text"))
        scored = scored.withColumn("p", predict_udf(table / "model", output="struct", top_k=2)(F.col("text")))
        scored = scored.withColumn("proba", predict_udf(table / "model", output="proba")("text"))
        rows = [row.asDict(recursive=True) for row in scored.collect()]
        with pytest.raises(ConvtextError, match="unknown output 'labels'"):
            predict_udf(table / "model", output="labels")
    finally:
        spark.stop()
    flat = [{"id": r["id"], "text": r["text"], "predicted": r["label"],
             "probability": None if r["p"] is None else r["p"]["probability"]} for r in rows]  # fmt: skip
    assert_same_predictions(flat, expected)
    by_id = {row["id"]: row for row in expected}
    for row in rows:
        if row["text"] is not None:
            want = by_id[row["id"]]["top"]
            assert [item["label"] for item in row["p"]["top"]] == [item["label"] for item in want]
            assert [item["probability"] for item in row["p"]["top"]] == pytest.approx(
                [item["probability"] for item in want], abs=1e-6
            )
            assert row["proba"][row["label"]] == pytest.approx(row["p"]["probability"], abs=1e-6)
        else:
            assert row["proba"] is None and set(row["p"].values()) == {None}  # a struct's fields are null
    code, _, err = run_cli(capsys, "spark-predict", table / "model", "--input", table / "texts.parquet", "--output",
                           tmp_path / "spark.parquet", "--top-k", 2)  # fmt: skip
    assert code == 0 and f"predicted {ROWS:,} rows with Spark (local[2])" in err
    assert_same_predictions(pq.read_table(tmp_path / "spark.parquet").to_pylist(), expected)


def test_ray_predict_equals_convtext_predict(table, tmp_path, capsys):
    from convtext.ray import local_ray, predict_table

    expected = expected_rows(table, capsys, top_k=1)
    ray = local_ray(2)
    try:
        assert ray.cluster_resources()["CPU"] == 2
        rows = predict_table(table / "model", table / "texts.parquet", tmp_path / "ray.parquet", actors=2)
    finally:
        ray.shutdown()
    assert rows == ROWS
    assert_same_predictions(pq.read_table(tmp_path / "ray.parquet").to_pylist(), expected)
