"""`convtext serve`: the HTTP API in-process (FastAPI's TestClient) and as a real process on loopback."""

import asyncio
import json
import socket
import subprocess
import sys
import time

import httpx
import numpy as np
import pytest
from conftest import free_port, toy_texts
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convtext import TextClassifier
from convtext.serve import Limits, MicroBatcher, create_app

LIMITS = Limits(max_texts=20, max_chars=2000, max_body_bytes=50_000)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    texts, labels = toy_texts(300)
    folder = tmp_path_factory.mktemp("serve") / "toy"
    TextClassifier(embeddings="random", members=1, epochs=4, embed_dim=16, num_filters=16, threads=1, lr=0.01).fit(
        texts, labels
    ).save(folder)
    return folder


@pytest.fixture(scope="module")
def classifier(model_dir):
    return TextClassifier.load(model_dir)


@pytest.fixture(scope="module")
def client(classifier):
    with TestClient(create_app({"toy": classifier, "second": classifier}, LIMITS)) as test_client:
        yield test_client


def test_health_and_model_info(client, classifier):
    assert client.get("/health").json()["models"] == ["toy", "second"]
    info = client.get("/model").json()
    assert info["name"] == "toy" and info["labels"] == classifier.classes_ and info["architecture"] == "textcnn"
    assert info["metrics"]["valid"]["accuracy"] == classifier.metrics_["valid"]["accuracy"]
    assert [m["name"] for m in client.get("/models").json()] == ["toy", "second"]
    assert client.get("/models/second").json()["name"] == "second"
    assert "/predict" in client.get("/openapi.json").json()["paths"]


def test_predict_matches_the_classifier_in_any_script(client, classifier):
    texts = ["great film 👍", "ужасно boring plot", "the plot", "", "  "]
    response = client.post("/predict", json={"texts": texts, "top_k": 2})
    assert response.status_code == 200, response.text
    answers = response.json()["predictions"]
    assert [a["label"] for a in answers] == classifier.predict(texts)
    np.testing.assert_allclose([list(a["probabilities"].values()) for a in answers], classifier.predict_proba(texts),
                               atol=1e-6)  # fmt: skip
    assert all(len(a["top_k"]) == 2 and a["top_k"][0][0] == a["label"] for a in answers)
    one = client.post("/predict", json={"text": "отлично 👍", "explain": True, "explain_top": 3}).json()
    assert one["model"] == "toy" and len(one["predictions"]) == 1
    assert 1 <= len(one["predictions"][0]["explanation"]) <= 3
    assert client.post("/predict", json={"text": "bad", "model": "second"}).json()["model"] == "second"


@pytest.mark.parametrize(
    "body, status, words",
    [
        ({"texts": ["a"] * 21}, 413, "limit is 20"),
        ({"text": "a" * 2001}, 413, "2,001 characters"),
        ({"texts": []}, 422, "empty"),
        ({"texts": ["a"], "text": "b"}, 422, "either"),
        ({}, 422, "either"),
        ({"texts": "not a list"}, 422, "texts"),
        ({"texts": [1, None]}, 422, "texts.0"),
        ({"text": "a", "colour": "red"}, 422, "colour"),
        ({"text": "a", "top_k": 0}, 422, "top_k"),
        ({"text": "a", "model": "nope"}, 404, "toy, second"),
    ],
)
def test_bad_requests_get_a_json_error_that_names_the_problem(client, body, status, words):
    response = client.post("/predict", json=body)
    assert response.status_code == status and words in response.json()["error"]


@pytest.mark.parametrize(
    "body, status, words",
    [
        ({"text": "a" * 2001}, 413, "2,001 characters"),
        ({}, 422, "text"),
        ({"text": "a", "top": 0}, 422, "top"),
        ({"text": "a", "model": "nope"}, 404, "toy, second"),
    ],
)
def test_bad_explain_requests_get_a_json_error(client, body, status, words):
    response = client.post("/explain", json=body)
    assert response.status_code == status and list(response.json()) == ["error"] and words in response.json()["error"]


def test_explain_gives_every_token_an_exact_share(client, classifier):
    text = "фильм отлично 👍 but שלום awful"
    answer = client.post("/explain", json={"text": text, "top": 3}).json()
    assert "".join(segment["text"] for segment in answer["segments"]) == text  # the segments are the whole text
    assert answer["label"] == classifier.predict([text])[0]
    for label in classifier.classes_:
        shares, ngrams = answer["contributions"][label], answer["ngrams"][label]
        assert len(shares) == len(answer["tokens"]) and len(ngrams) <= 3
        assert sum(shares) == pytest.approx(answer["totals"][label], abs=1e-5)  # tokens add up to the n-grams' total
        assert answer["bias"][label] + answer["totals"][label] == pytest.approx(answer["logits"][label], abs=1e-4)


def test_body_limits_and_malformed_json(client):
    big = json.dumps({"texts": ["x" * 1999] * 30}).encode()  # 60 kB > 50 kB
    response = client.post("/predict", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413 and "50,000 bytes" in response.json()["error"]
    chunks = (big[i : i + 4096] for i in range(0, len(big), 4096))  # no Content-Length: counted as it streams
    response = client.post("/predict", content=chunks, headers={"content-type": "application/json"})
    assert response.status_code == 413
    response = client.post("/predict", content=b'{"texts": ["a",', headers={"content-type": "application/json"})
    assert response.status_code == 422 and "error" in response.json()
    response = client.post("/predict", content=b"\xff\xfe\x00garbage", headers={"content-type": "application/json"})
    assert response.status_code == 422


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.text(max_size=300), min_size=1, max_size=5))
def test_any_unicode_gets_an_answer(client, texts):
    """Arbitrary Unicode — control characters, NUL, RTL marks, lone surrogates, emoji: 200 and one answer each."""
    response = client.post("/predict", json={"texts": texts, "explain": True})
    assert response.status_code == 200, response.text
    assert len(response.json()["predictions"]) == len(texts)


def test_hostile_texts_get_an_answer(client):
    hostile = ["\x00\x00", "\u202eevil\u202c", "\u200f\u0627\u0644\u0641\u064a\u0644\u0645", "a\r\nb\tc\x1b[31m",
               "👨‍👩‍👧‍👦" * 50, "\ufeffBOM", "x" * 2000, " \u00a0\u3000 "]  # fmt: skip
    response = client.post("/predict", json={"texts": hostile, "explain": True})
    assert response.status_code == 200 and len(response.json()["predictions"]) == len(hostile)
    raw = b'{"texts": ["lone \\ud800 surrogate", "\\udfff"], "explain": true}'  # valid JSON, not valid Unicode
    response = client.post("/predict", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 200 and len(response.json()["predictions"]) == 2


def test_micro_batching_gathers_concurrent_requests():
    batches = []

    def predict(texts):
        batches.append(len(texts))
        time.sleep(0.01)
        return np.array([[len(text)] for text in texts], dtype=np.float32)

    async def scenario():
        batcher = MicroBatcher(predict, max_batch=64, max_wait_ms=20)
        batcher.start()
        requests = [["x" * i, "y" * (i + 1)] for i in range(30)]
        rows = await asyncio.gather(*(batcher.submit(texts) for texts in requests))
        await batcher.stop()
        return requests, rows

    requests, rows = asyncio.run(scenario())
    assert [[int(v) for v in r[:, 0]] for r in rows] == [[len(a), len(b)] for a, b in requests]
    assert sum(batches) == 60 and len(batches) < 30 and max(batches) <= 64


def test_a_big_request_is_split_and_a_small_one_waits_at_most_one_batch():
    batches = []

    def predict(texts):
        batches.append(list(texts))
        time.sleep(0.02)
        return np.array([[float(text[1:])] for text in texts], dtype=np.float32)

    async def scenario():
        batcher = MicroBatcher(predict, max_batch=100)
        batcher.start()
        heavy = asyncio.ensure_future(batcher.submit([f"h{i}" for i in range(1000)]))
        await asyncio.sleep(0.005)  # the heavy request's first batch is being predicted
        light = await batcher.submit(["l7"])
        rows = await heavy
        await batcher.stop()
        return rows, light

    rows, light = asyncio.run(scenario())
    assert rows[:, 0].tolist() == list(range(1000)) and light[:, 0].tolist() == [7.0]
    assert max(map(len, batches)) == 100 and sum(map(len, batches)) == 1001
    assert [index for index, batch in enumerate(batches) if "l7" in batch] == [1]  # right after the running one

    async def empty():
        batcher = MicroBatcher(predict)
        batcher.start()
        try:
            await asyncio.wait_for(batcher.submit([]), 1)
        finally:
            await batcher.stop()

    with pytest.raises(ValueError, match="no texts"):  # not a wait for ever
        asyncio.run(empty())


def test_explanations_come_in_chunks_in_the_order_of_the_texts(client, classifier):
    texts = [f"{'good ' * (i % 3)}film number {i} {'bad' * (i % 2)}" for i in range(20)]  # two chunks of explanations
    answers = client.post("/predict", json={"texts": texts, "explain": True, "explain_top": 2}).json()["predictions"]
    expected = [classifier.explain(text, top=2).top(n=2) for text in texts]
    assert [[item["ngram"] for item in answer["explanation"]] for answer in answers] == [
        [item.shown for item in explanation] for explanation in expected
    ]


def test_every_error_is_json_with_the_fix(model_dir):
    broken = TextClassifier.load(model_dir)
    broken.predict_proba = lambda texts: 1 / 0  # a fault inside the service
    with TestClient(create_app({"toy": broken}, LIMITS), raise_server_exceptions=False) as faulty:
        answers = {
            404: faulty.get("/nothing-here"),
            405: faulty.get("/predict"),
            415: faulty.post("/predict", content=b"a text", headers={"content-type": "text/plain"}),
            400: faulty.post("/predict", content=b'{"text": "\xff"}', headers={"content-type": "application/json"}),
            500: faulty.post("/predict", json={"text": "fine"}),
        }
        words = {404: "/nothing-here", 405: "POST", 415: "application/json", 400: "UTF-8 JSON", 500: "internal error"}
        for status, response in answers.items():
            assert response.status_code == status and list(response.json()) == ["error"], (status, response.text)
            assert words[status] in response.json()["error"]


def test_a_failing_prediction_answers_every_waiting_request():
    def predict(texts):
        raise RuntimeError("model fell over")

    async def scenario():
        batcher = MicroBatcher(predict, max_wait_ms=5)
        batcher.start()
        results = await asyncio.gather(*(batcher.submit(["a"]) for _ in range(3)), return_exceptions=True)
        await batcher.stop()
        return results

    assert all(isinstance(result, RuntimeError) for result in asyncio.run(scenario()))


def _until_closed(connection: socket.socket, started: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and when (seconds after ``started``)."""
    connection.settimeout(10)
    received = b""
    while chunk := connection.recv(4096):
        received += chunk
    return received, time.monotonic() - started


def test_the_command_serves_on_loopback_with_two_workers_and_cuts_off_slow_clients(model_dir):
    port = free_port()
    command = [sys.executable, "-m", "convtext", "serve", f"films={model_dir}", "--port", str(port),
               "--workers", "2", "--threads", "1", "--log-level", "warning", "--request-timeout-s", "1.5"]  # fmt: skip
    server = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        answer = httpx.post(f"http://127.0.0.1:{port}/predict", json={"texts": ["great 👍", "ужасно"]}).json()
        assert answer["model"] == "films" and len(answer["predictions"]) == 2
        assert httpx.post(f"http://127.0.0.1:{port}/predict", json={"texts": []}).status_code == 422
        for _ in range(6):  # each a new connection, answered by either worker: every one counts both workers' requests
            metrics = _metric_values(httpx.get(f"http://127.0.0.1:{port}/metrics").text)
            assert metrics[("convtext_requests_total", (("route", "/predict"), ("status", "200")))] == 1
            assert metrics[("convtext_errors_total", (("status", "422"),))] == 1
            assert metrics[("convtext_texts_total", (("model", "films"),))] == 2
        started = time.monotonic()
        silent, slow = (socket.create_connection(("127.0.0.1", port)) for _ in range(2))
        slow.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\n")
        for byte in b"X-Slow: 1":  # a header byte every 0.1 s: each one used to reset uvicorn's timer
            time.sleep(0.1)
            slow.sendall(bytes([byte]))
        assert httpx.post(f"http://127.0.0.1:{port}/predict", json={"text": "fine"}).status_code == 200  # others go on
        for connection in (silent, slow):
            received, seconds = _until_closed(connection, started)
            assert received.startswith(b"HTTP/1.1 408") and b'"error"' in received and 1.4 < seconds < 5
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_command_rejects_a_bad_model_folder_before_listening(tmp_path, capsys):
    from conftest import run_cli

    code, _, err = run_cli(capsys, "serve", tmp_path / "missing")
    assert code == 2 and "no such model folder" in err


def test_a_multi_label_model_answers_label_lists(tmp_path):
    texts, labels = toy_texts(240)
    label_sets = [[label] if i % 3 else [label, "long"] for i, label in enumerate(labels)]
    classifier = TextClassifier(multi_label=True, embeddings="random", members=1, epochs=3, embed_dim=16,
                                num_filters=16, threads=1, lr=0.01).fit(texts, label_sets)  # fmt: skip
    with TestClient(create_app({"tags": classifier})) as client:
        assert client.get("/model").json()["multi_label"] is True
        answers = client.post("/predict", json={"texts": texts[:5], "top_k": 2}).json()["predictions"]
    expected = classifier.predict(texts[:5])
    assert [answer["labels"] for answer in answers] == expected
    assert all(set(answer["probabilities"]) == {"long", "neg", "pos"} for answer in answers)


@pytest.mark.parametrize("protocol", ["DeadlineH11Protocol", "DeadlineProtocol"])
def test_both_http_protocols_cut_off_a_silent_and_a_trickling_client(protocol, monkeypatch):
    import threading

    import uvicorn

    from convtext.serve import _deadline
    from convtext.serve._app import ENVIRONMENT_KEY

    monkeypatch.setenv(ENVIRONMENT_KEY, json.dumps({"limits": {"request_timeout_s": 1.0}}))

    async def app(scope, receive, send):  # answers a whole request at once
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

    port = free_port()
    config = uvicorn.Config(app, port=port, http=getattr(_deadline, protocol), log_level="error", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        started = time.monotonic()
        silent, slow = (socket.create_connection(("127.0.0.1", port)) for _ in range(2))
        slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        for byte in b"X-Slow: 1":
            time.sleep(0.05)
            slow.sendall(bytes([byte]))
        assert httpx.get(f"http://127.0.0.1:{port}/").text == "ok"  # a whole request in time is answered
        for connection in (silent, slow):
            received, seconds = _until_closed(connection, started)
            assert received.startswith(b"HTTP/1.1 408") and 0.9 < seconds < 4, (received, seconds)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _metric_values(exposition: str) -> dict:
    """``{(sample name, sorted labels): value}`` from the Prometheus text format, read by prometheus_client's parser."""
    from prometheus_client.parser import text_string_to_metric_families

    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def test_metrics_count_requests_errors_latency_and_batches(model_dir):
    classifier = TextClassifier.load(model_dir)
    with TestClient(create_app({"films": classifier}, Limits(max_batch=4))) as client:
        client.post("/predict", json={"texts": ["great film"] * 10})
        client.post("/predict", json={"text": "awful"})
        client.post("/predict", json={"texts": []})
        client.get("/no/such/path")
        client.post("/predict", content=b"a text", headers={"content-type": "text/plain"})  # 415 before routing
        client.post("/explain", json={"text": "great film", "top": 3})
        response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    metrics = _metric_values(response.text)
    count = lambda route, status: metrics[("convtext_requests_total", (("route", route), ("status", status)))]  # noqa: E731
    assert count("/predict", "200") == 2 and count("/predict", "422") == 1 and count("/explain", "200") == 1
    assert count("other", "404") == 1  # unknown paths share one label: a scanner cannot flood the series
    assert count("/predict", "415") == 1  # answered by the middleware, still counted under its route
    assert metrics[("convtext_errors_total", (("status", "404"),))] == 1
    assert metrics[("convtext_request_seconds_count", (("route", "/predict"),))] == 4
    assert metrics[("convtext_texts_total", (("model", "films"),))] == 11
    assert metrics[("convtext_batch_texts_count", (("model", "films"),))] == 4  # 10 texts in batches of 4, then 1
    assert metrics[("convtext_batch_texts_bucket", (("le", "4.0"), ("model", "films")))] == 4
