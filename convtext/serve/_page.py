"""The web page at ``GET /``: three files shipped in the package (``page/``), read once. A Content-Security-Policy
keeps the browser from loading anything from elsewhere (the service may run offline)."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.responses import Response

__all__ = ["page_routes"]

PAGE_FILES = {"/": ("index.html", "text/html"), "/page.js": ("page.js", "text/javascript"), "/page.css": ("page.css", "text/css")}  # fmt: skip
SECURITY = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",  # a new convtext version's page is picked up on the next load
}


def page_routes(app: FastAPI) -> None:
    """Add ``GET /``, ``/page.js`` and ``/page.css`` to ``app``."""
    folder = files("convtext.serve") / "page"
    for path, (name, media) in PAGE_FILES.items():
        body = (folder / name).read_bytes()
        app.add_api_route(path, _serve(body, f"{media}; charset=utf-8"), methods=["GET"], include_in_schema=False)


def _serve(body: bytes, media: str):
    async def page_file() -> Response:
        return Response(body, media_type=media, headers=SECURITY)

    return page_file
