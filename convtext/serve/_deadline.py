"""A deadline for receiving each request: a client that sends its request too slowly, or nothing at all, is cut off.

uvicorn's ``timeout_keep_alive`` closes a connection idle *between* requests, but every byte received resets it,
so a client trickling one byte a second (Slowloris) or one that connects and stays silent keeps its connection,
and ASGI middleware cannot help: it runs once the headers are in. ``DeadlineProtocol`` is uvicorn's HTTP protocol
(httptools' when it is installed, as uvicorn picks, else h11's) with one timer per request, armed when the
connection opens and at the first byte of each later request, and disarmed once the whole request (headers and
body) is in. When it fires the client gets a 408 with a JSON ``{"error"}`` (if no answer has started) and the
connection is closed; other connections are not affected.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["DeadlineH11Protocol", "DeadlineProtocol", "request_timeout"]

_log = logging.getLogger("convtext.serve")
_RECEIVED = (h11.DONE, h11.MUST_CLOSE, h11.CLOSED)  # the client's side of a request that is all in


def request_timeout() -> float:
    """The deadline in seconds: from the service's settings (``$CONVTEXT_SERVE``, every worker reads them)."""
    from ._app import ENVIRONMENT_KEY, Limits

    settings = json.loads(os.environ.get(ENVIRONMENT_KEY) or "{}")
    return float(settings.get("limits", {}).get("request_timeout_s", Limits.request_timeout_s))


class _RequestDeadline:
    """What both protocols add: the timer, armed at the connection and at each next request's first byte,
    disarmed once the request is all in (``_received``), fired by ``_too_slow``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request_timeout, self._deadline, self._received = request_timeout(), None, False

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._deadline is None and not self._received:  # the first bytes of the next request
            self._arm()
        super().data_received(data)
        if self._received:
            self._disarm()

    def on_response_complete(self) -> None:
        self._received = False  # the next bytes start a new request
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.request_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        _log.warning("%s: request not received within %g s — connection closed", self.client, self.request_timeout)
        if self.cycle is None or not self.cycle.response_started:  # no answer started: say why
            body = json.dumps({"error": f"request not received within {self.request_timeout:g} s"}).encode()
            head = "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
            self.transport.write(f"{head}content-length: {len(body)}\r\n\r\n".encode() + body)
        self.transport.close()  # connection_lost tells a request in progress that its client is gone


class DeadlineH11Protocol(_RequestDeadline, H11Protocol):
    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state in _RECEIVED:
            self._received = True
            self._disarm()


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools is optional: uvicorn then speaks h11, and so do we
    DeadlineProtocol: type = DeadlineH11Protocol
else:

    class DeadlineHttpToolsProtocol(_RequestDeadline, HttpToolsProtocol):
        def on_message_complete(self) -> None:
            self._received = True
            super().on_message_complete()

    DeadlineProtocol = DeadlineHttpToolsProtocol  # the faster parser, as uvicorn itself picks when it is there
