"""Micro-batching: concurrent requests wait a moment and are predicted together in one batch.

A CNN predicts a batch of 200 texts barely slower than one text, so under load it pays to
gather requests: each request puts its texts on a queue and awaits a future; one task takes
what is queued (up to ``max_batch`` texts), runs the model once on a worker thread (the event
loop keeps accepting connections) and hands each request its rows. While the model works, new
requests queue up and form the next batch, so batches grow with the load and a lone request
waits for nothing (``max_wait_ms`` > 0 also waits that long after a batch's first request).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["MicroBatcher"]


class MicroBatcher:
    """``await batcher.submit(texts)`` -> ``(len(texts), C)`` rows of ``predict(all queued texts)``."""

    def __init__(self, predict: Callable[[list[str]], np.ndarray], max_batch: int = 256, max_wait_ms: float = 0.0):
        self.predict, self.max_batch, self.max_wait = predict, max_batch, max_wait_ms / 1000
        self._queue: asyncio.Queue[tuple[list[str], asyncio.Future]] | None = None
        self._worker: asyncio.Task | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="convtext-predict")

    def start(self) -> None:
        """Start the batching task on the running event loop."""
        self._queue = asyncio.Queue()
        self._worker = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        self._executor.shutdown(wait=True)

    async def submit(self, texts: Sequence[str]) -> np.ndarray:
        if self._queue is None:
            raise RuntimeError("MicroBatcher.start() was not called")
        future = asyncio.get_running_loop().create_future()
        await self._queue.put((list(texts), future))
        return await future

    async def _gather(self) -> list[tuple[list[str], asyncio.Future]]:
        """The first waiting request, then every request already queued (and, with ``max_wait``, those that
        arrive that soon after the first), up to ``max_batch`` texts."""
        loop = asyncio.get_running_loop()
        pending = [await self._queue.get()]
        size, deadline = len(pending[0][0]), loop.time() + self.max_wait
        while size < self.max_batch:
            if not self._queue.empty():
                item = self._queue.get_nowait()
            else:
                timeout = deadline - loop.time()
                if timeout <= 0:
                    break
                try:
                    item = await asyncio.wait_for(self._queue.get(), timeout)
                except TimeoutError:
                    break
            pending.append(item)
            size += len(item[0])
        return pending

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            pending = await self._gather()
            texts = [text for request_texts, _ in pending for text in request_texts]
            try:
                rows = await loop.run_in_executor(self._executor, self.predict, texts)
            except Exception as error:  # every waiting request learns of it; the service goes on
                for _, future in pending:
                    if not future.done():
                        future.set_exception(error)
                continue
            start = 0
            for request_texts, future in pending:
                if not future.done():  # a client that went away leaves a cancelled future
                    future.set_result(rows[start : start + len(request_texts)])
                start += len(request_texts)
