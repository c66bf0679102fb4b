"""Micro-batching: concurrent requests wait a moment and are predicted together in one batch, shared fairly.

A CNN predicts a batch of 200 texts barely slower than one text, so under load it pays to
gather requests: each request puts its texts on a queue and awaits a future; one task takes
up to ``max_batch`` texts, runs the model once on a worker thread (the event loop keeps
accepting connections) and hands each request its rows. While the model works, new requests
queue up and form the next batch, so batches grow with the load and a lone request waits for
nothing (``max_wait_ms`` > 0 also waits that long after a batch's first request).

A batch is shared out evenly among the requests waiting (each gets ``max_batch // waiting``
texts, the rest goes round again), so a request of 1,000 texts is predicted in several batches
and a one-text request that arrives meanwhile rides in the next one: it waits at most one batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

__all__ = ["MicroBatcher"]


@dataclass(eq=False)
class _Request:
    texts: list[str]
    future: asyncio.Future
    given: int = 0  # texts put into batches so far
    rows: list[np.ndarray] = field(default_factory=list)  # their predictions, batch by batch

    @property
    def left(self) -> int:
        return len(self.texts) - self.given


Part = tuple[_Request, int, int]  # a request and the [start, end) of its texts in one batch


class MicroBatcher:
    """``await batcher.submit(texts)`` -> ``(len(texts), C)`` rows of ``predict``, in batches of at most
    ``max_batch`` texts shared fairly among the waiting requests."""

    def __init__(
        self, predict: Callable[[list[str]], np.ndarray], max_batch: int = 256, max_wait_ms: float = 0.0,
        on_batch: Callable[[int], None] | None = None,
    ):  # fmt: skip
        self.predict, self.max_batch, self.max_wait = predict, max_batch, max_wait_ms / 1000
        self.on_batch = on_batch  # told each batch's size (the service's metrics)
        self._waiting: list[_Request] = []
        self._arrived: asyncio.Event | None = None
        self._worker: asyncio.Task | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="convtext-predict")

    def start(self) -> None:
        """Start the batching task on the running event loop."""
        self._arrived = asyncio.Event()
        self._worker = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        self._executor.shutdown(wait=True)

    async def submit(self, texts: Sequence[str]) -> np.ndarray:
        if self._arrived is None:
            raise RuntimeError("MicroBatcher.start() was not called")
        if not texts:
            raise ValueError("no texts to predict")  # a request with none would never be part of a batch
        request = _Request(list(texts), asyncio.get_running_loop().create_future())
        self._waiting.append(request)
        self._arrived.set()
        return await request.future

    async def run(self, work: Callable[[], object]) -> object:
        """``work()`` on the model's worker thread, in turn with the batches (explanations go this way in chunks)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, work)

    async def _next_batch(self) -> list[Part]:
        """Wait for a request (and, with ``max_wait``, for others that soon after), then share out a batch."""
        while not self._live():
            self._arrived.clear()
            await self._arrived.wait()
        deadline = asyncio.get_running_loop().time() + self.max_wait
        while sum(request.left for request in self._live()) < self.max_batch:
            timeout = deadline - asyncio.get_running_loop().time()
            if timeout <= 0:
                break
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout)
            except TimeoutError:
                break
        return self._share()

    def _live(self) -> list[_Request]:
        """The waiting requests with texts left whose clients still wait (a client that left cancels its future)."""
        self._waiting = [request for request in self._waiting if request.left and not request.future.done()]
        return self._waiting

    def _share(self) -> list[Part]:
        """Up to ``max_batch`` texts: an even share for each waiting request, what is left shared again."""
        room, shares = self.max_batch, dict.fromkeys(self._live(), 0)
        while room:
            wanting = [request for request in shares if request.left > shares[request]]
            if not wanting:
                break
            each = max(1, room // len(wanting))
            for request in wanting:
                take = min(request.left - shares[request], each, room)
                shares[request], room = shares[request] + take, room - take
                if not room:
                    break
        parts = []
        for request, count in shares.items():
            if count:
                parts.append((request, request.given, request.given + count))
                request.given += count
        return parts

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            parts = await self._next_batch()
            texts = [text for request, start, end in parts for text in request.texts[start:end]]
            if self.on_batch is not None:
                self.on_batch(len(texts))
            try:
                rows = await loop.run_in_executor(self._executor, self.predict, texts)  # (len(texts), C)
            except Exception as error:  # every request in the batch learns of it; the service goes on
                for request, _, _ in parts:
                    request.given = len(request.texts)  # nothing more of it is predicted
                    if not request.future.done():
                        request.future.set_exception(error)
                continue
            offset = 0
            for request, start, end in parts:
                request.rows.append(rows[offset : offset + end - start])
                offset += end - start
                if end == len(request.texts) and not request.future.done():
                    request.future.set_result(np.concatenate(request.rows))
