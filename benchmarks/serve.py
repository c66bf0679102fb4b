"""Load test of `convtext serve` on loopback, with MiniLM + logistic regression served the same way.

Both services run as their own process (uvicorn, 1 worker, --threads torch threads) behind the same
micro-batching (`convtext.serve.MicroBatcher`) and answer the same request, `{"texts": [...]}`;
the client is an async aiohttp client in this process, so on 2 cores the server and the client
have one core each. Each level sends the SST-2 test sentences, `--per-request` per request, from
`concurrency` clients at once, `--passes` times or until `--seconds` pass (whichever comes first),
and checks every answer: an error is a non-200 status, a failed connection or a wrong number of
predictions. Accuracy is over the sentences answered, so it also checks that serving changes nothing.

The convtext model is the shipped default (`TextClassifier()` trained on SST-2 train, epoch chosen
on dev), or `--model DIR`. In-process rows give each model's predict speed without HTTP, same threads.

Run: python benchmarks/serve.py [--data ../shared/data] [--model DIR] [--concurrency 1,8,64]
     [--per-request 1] [--seconds 20] [--passes 3] [--threads 1] [--heavy 16+2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import httpx
import numpy as np
from _kim import throughput
from _peers import MiniLMLogReg
from _report import add_data_option, write_results
from pydantic import BaseModel

from convtext import TextClassifier, read_labeled


class PeerRequest(BaseModel):
    """The body the peer's service takes: the same ``{"texts": [...]}`` as convtext's."""

    texts: list[str]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with code {server.returncode} before answering")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.25)
    raise RuntimeError(f"no answer from {url} within {seconds:.0f} s")


async def _load(
    url: str, texts: list[str], gold: list[str], concurrency: int, per_request: int, seconds: float, passes: int,
    heavy: int = 0,
) -> dict:  # fmt: skip
    """Send every text ``passes`` times (``per_request`` per request) from ``concurrency`` clients, or stop
    after ``seconds``; meanwhile ``heavy`` more clients each send 1,000 texts with ``explain`` again and again."""
    requests = [list(range(start, min(start + per_request, len(texts)))) for start in range(0, len(texts), per_request)]
    requests *= passes
    pending, latencies, errors, correct, answered = iter(requests), [], 0, 0, 0
    heavy_latencies, heavy_errors = [], 0
    connector = aiohttp.TCPConnector(limit=concurrency + heavy)
    async with aiohttp.ClientSession(url, connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as session:

        async def post(indices: list[int]) -> list[dict]:
            async with session.post("/predict", json={"texts": [texts[i] for i in indices]}) as response:
                return (await response.json())["predictions"] if response.status == 200 else []

        async def one_client() -> None:
            nonlocal errors, correct, answered
            for indices in pending:  # the clients share one iterator: each request is sent once
                if time.perf_counter() > stop_at:
                    return
                started = time.perf_counter()
                try:
                    answers = await post(indices)
                except (aiohttp.ClientError, asyncio.TimeoutError, ValueError, KeyError):
                    answers = []
                latencies.append(time.perf_counter() - started)
                if len(answers) != len(indices):
                    errors += 1
                    continue
                answered += len(indices)
                correct += sum(answer["label"] == gold[i] for answer, i in zip(answers, indices))

        async def one_heavy_client() -> None:
            nonlocal heavy_errors
            body = {"texts": (texts * 2)[:HEAVY_TEXTS], "explain": True}
            while not light_done.is_set():
                started = time.perf_counter()
                try:
                    async with session.post("/predict", json=body) as response:
                        answers = (await response.json())["predictions"] if response.status == 200 else []
                except (aiohttp.ClientError, asyncio.TimeoutError, ValueError, KeyError):
                    answers = []
                heavy_latencies.append(time.perf_counter() - started)
                heavy_errors += len(answers) != HEAVY_TEXTS

        async def light_clients() -> None:
            await asyncio.gather(*(one_client() for _ in range(concurrency)))
            light_done.set()

        # not timed: the first requests build caches, and every client opens its connection before the clock starts
        await asyncio.gather(*(post(indices) for indices in requests[:concurrency]))
        light_done = asyncio.Event()
        started = time.perf_counter()
        stop_at = started + seconds
        await asyncio.gather(light_clients(), *(one_heavy_client() for _ in range(heavy)))
        wall = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": len(latencies), "texts": answered, "errors": errors, "seconds": wall,
        "requests_per_second": len(latencies) / wall, "texts_per_second": answered / wall,
        "p50_ms": 1000 * statistics.median(ordered), "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
        "accuracy": correct / answered if answered else 0.0,
        "heavy_requests": len(heavy_latencies), "heavy_errors": heavy_errors,
        "heavy_p50_ms": 1000 * statistics.median(heavy_latencies) if heavy_latencies else None,
    }  # fmt: skip


HEAVY_TEXTS = 1000  # a heavy client's request: this many texts, explained


async def _slow_clients(url: str, count: int, seconds: float = 60) -> dict:
    """``count`` connections that send a request's first line, then one header byte a second, and one that sends
    nothing: when the server closes each (seconds from the start) and whether it answered 408."""
    host, port = url.removeprefix("http://").split(":")

    async def one(trickle: bool) -> tuple[float, bool]:
        started = time.perf_counter()
        reader, writer = await asyncio.open_connection(host, int(port))
        if trickle:
            writer.write(b"POST /predict HTTP/1.1\r\nHost: x\r\n")
        received = b""
        while time.perf_counter() - started < seconds:
            try:
                chunk = await asyncio.wait_for(reader.read(4096), 1.0)
            except TimeoutError:
                if trickle:
                    writer.write(b"x")  # one more byte of a header that never ends
                continue
            if not chunk:
                break
            received += chunk
        writer.close()
        return time.perf_counter() - started, received.startswith(b"HTTP/1.1 408")

    closed = await asyncio.gather(*(one(trickle=index < count) for index in range(count + 1)))
    return {"connections": len(closed), "closed_after_s": [round(t, 2) for t, _ in closed],
            "answered_408": sum(ok for _, ok in closed)}  # fmt: skip


def _serve_peer(port: int, data: Path, threads: int) -> None:
    """The peer's service (run in a child process): MiniLM + LR on SST-2, behind the same micro-batching."""
    from contextlib import asynccontextmanager

    import torch
    import uvicorn
    from fastapi import FastAPI

    from convtext.distill import minilm_sentence_model
    from convtext.serve import MicroBatcher

    torch.set_num_threads(threads)
    train, dev = (read_labeled(data / "kim2014" / f"stsa.binary.{split}") for split in ("train", "dev"))
    peer = MiniLMLogReg(threads=threads).fit_select(train.texts, train.labels, dev.texts, dev.labels)
    encoder, classes = minilm_sentence_model(), list(peer.model_.classes_)

    def predict_proba(texts: list[str]) -> np.ndarray:
        vectors = encoder.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
        return peer.model_.predict_proba(vectors)

    batcher = MicroBatcher(predict_proba)

    @asynccontextmanager
    async def lifespan(_):
        batcher.start()
        yield
        await batcher.stop()

    app = FastAPI(lifespan=lifespan)
    app.get("/health")(lambda: {"status": "ok"})

    @app.post("/predict")
    async def predict(request: PeerRequest) -> dict:
        rows = await batcher.submit(request.texts)
        return {"predictions": [{"label": classes[int(np.argmax(row))]} for row in rows]}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def _start(command: list[str]) -> tuple[str, subprocess.Popen]:
    """Run ``command`` (its ``{port}`` filled with a free port) and wait until it answers /health."""
    port = _free_port()
    server = subprocess.Popen([part.format(port=port) for part in command], stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    _wait_until_up(url, server)
    return url, server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_option(parser)
    parser.add_argument("--model", type=Path, help="A convtext model folder (default: train the shipped defaults).")
    parser.add_argument("--concurrency", default="1,8,64")
    parser.add_argument("--per-request", type=int, default=1, help="Texts per request.")
    parser.add_argument("--seconds", type=float, default=20, help="Longest a level may run.")
    parser.add_argument("--passes", type=int, default=3, help="Times each level sends the test set.")
    parser.add_argument("--threads", type=int, default=1, help="Torch threads of each server.")
    parser.add_argument("--peers", default="minilm", help="'minilm' or '' (convtext only).")
    parser.add_argument("--heavy", default="16+2", help="LIGHT+HEAVY clients for the heavy-client row ('' : none).")
    parser.add_argument("--name", default="serve")
    parser.add_argument("--serve-peer", type=int, help=argparse.SUPPRESS)  # internal: run the peer's server
    args = parser.parse_args()
    if args.serve_peer:
        return _serve_peer(args.serve_peer, args.data, args.threads)
    folder = args.data / "kim2014"
    train, dev, test = (read_labeled(folder / f"stsa.binary.{split}") for split in ("train", "dev", "test"))
    workdir = Path(tempfile.mkdtemp(prefix="convtext-serve-"))
    model_dir = args.model
    if model_dir is None:
        model_dir = workdir / "sst2"
        TextClassifier(threads=2, seed=0).fit(train.texts, train.labels, dev.texts, dev.labels).save(model_dir)
    convtext = TextClassifier.load(model_dir)
    systems = {f"convtext serve ({convtext.model_.architecture}, {convtext.embeddings_} vectors)": [
        sys.executable, "-m", "convtext", "serve", str(model_dir), "--threads", str(args.threads), "--log-level", "warning",
        "--port", "{port}"]}  # fmt: skip
    if "minilm" in args.peers:
        systems["MiniLM + LR (same service layer)"] = [
            sys.executable, str(Path(__file__).resolve()), "--data", str(args.data), "--threads", str(args.threads),
            "--serve-peer", "{port}"]  # fmt: skip
    rows, raw = [], {}
    levels = [(int(c), 0) for c in args.concurrency.split(",")]
    if args.heavy:
        levels.append(tuple(int(part) for part in args.heavy.split("+")))
    for system, command in systems.items():
        started = time.perf_counter()
        url, server = _start(command)
        print(f"{system}: up after {time.perf_counter() - started:.1f} s at {url}", flush=True)
        try:
            for concurrency, heavy in levels:
                if heavy and "MiniLM" in system:  # the peer explains nothing
                    continue
                result = asyncio.run(
                    _load(url, test.texts, test.labels, concurrency, args.per_request, args.seconds, args.passes, heavy)
                )
                clients = f"{concurrency} + {heavy} heavy" if heavy else concurrency
                raw[f"{system}/{clients}"] = result
                rows.append([system, clients, args.per_request, result["requests"], f"{result['texts_per_second']:,.0f}",
                             f"{result['p50_ms']:.1f}", f"{result['p99_ms']:.1f}", result["errors"],
                             f"{100 * result['accuracy']:.1f} ({result['texts']:,})"])  # fmt: skip
                print(rows[-1], flush=True)
            if "MiniLM" not in system:
                raw["slow_clients"] = asyncio.run(_slow_clients(url, 20))
                print(raw["slow_clients"], flush=True)
        finally:
            server.terminate()
            server.wait(timeout=60)
    import torch

    torch.set_num_threads(args.threads)
    in_process = {"convtext predict() in-process": throughput(convtext.predict, test.texts)}
    if "minilm" in args.peers:
        peer = MiniLMLogReg(threads=args.threads).fit_select(train.texts, train.labels, dev.texts, dev.labels)
        in_process["MiniLM + LR predict() in-process"] = throughput(peer.predict, test.texts, repeats=1)
    for system, speed in in_process.items():
        rows.append([system, "–", len(test.texts), 1, f"{speed:,.0f}", "", "", "", ""])
    raw["in_process_texts_per_second"] = in_process
    notes = [
        f"SST-2 test sentences ({len(test.texts):,}), {args.per_request} per request; each level sends the set "
        f"{args.passes} times or stops after {args.seconds:.0f} s. Latency is per request, seen by the client (p50 / p99). Errors: "
        "non-200 answers, failed connections or a wrong number of predictions.",
        f"Each server: 1 uvicorn worker, {args.threads} torch thread(s), micro-batching (up to 256 texts a batch, shared evenly among the requests waiting); "
        f"the async aiohttp client runs in the benchmark's process. Machine: {os.cpu_count()} cores, shared by both.",
        "In-process rows: the whole test set in one predict() call (median of 3; MiniLM 1), the same thread count.",
        f"'N + H heavy': N clients as above while H more each send {HEAVY_TEXTS:,} texts with explain=true, again and "
        "again until the N are done; the row is the N light clients' (target: p99 < 100 ms at 16 + 2), heavy "
        "requests: "
        + "; ".join(
            f"{r['heavy_requests']} answered, median {r['heavy_p50_ms'] or 0:,.0f} ms, {r['heavy_errors']} errors"
            for k, r in raw.items()
            if "heavy" in k
        )
        + ".",
        "Timeout check: 20 connections send a request line, then one header byte a second, and one sends nothing; "
        "the service (--request-timeout-s 10, the default) closed them after "
        f"{min(raw['slow_clients']['closed_after_s']):.1f}–{max(raw['slow_clients']['closed_after_s']):.1f} s, "
        f"{raw['slow_clients']['answered_408']} of {raw['slow_clients']['connections']} with a 408.",
        f"convtext model: {model_dir if args.model else 'TextClassifier() defaults trained on SST-2 train, dev-selected'}.",
    ]
    columns = ["system", "clients", "texts/request", "requests", "texts/s", "p50 ms", "p99 ms", "errors",
               "accuracy % (texts)"]  # fmt: skip
    print(write_results(args.name, columns, rows, notes, {"runs": raw}).read_text())


if __name__ == "__main__":
    main()
