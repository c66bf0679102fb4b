"""ASGI middleware of the service: a body-size limit and JSON-only POSTs, answered in the service's error shape."""

from __future__ import annotations

from fastapi import HTTPException
from fastapi.responses import JSONResponse

__all__ = ["BodyLimit", "JsonOnly"]


class _BodyTooLarge(HTTPException):
    def __init__(self, limit: int):
        super().__init__(413, f"request body over {limit:,} bytes — send fewer or shorter texts per request")


class BodyLimit:
    """ASGI middleware: refuse a body over ``max_bytes`` (by its Content-Length, or while it streams in)."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            response = JSONResponse({"error": _BodyTooLarge(self.max_bytes).detail}, status_code=413)
            return await response(scope, receive, send)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise _BodyTooLarge(self.max_bytes)
            return message

        return await self.app(scope, limited_receive, send)


class JsonOnly:
    """ASGI middleware: a POST whose Content-Type names something other than JSON is answered 415."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST":
            declared = dict(scope.get("headers") or []).get(b"content-type", b"application/json")
            media = declared.split(b";")[0].strip().lower()
            if media != b"application/json" and not media.endswith(b"+json"):
                error = f"Content-Type {media.decode('latin-1')!r}: send JSON (Content-Type: application/json)"
                return await JSONResponse({"error": error}, status_code=415)(scope, receive, send)
        return await self.app(scope, receive, send)
