"""``convtext serve``: trained models behind HTTP (FastAPI + uvicorn)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from .._errors import ConvtextError

__all__ = ["serve"]


def _named_folders(models: list[str]) -> dict[str, str]:
    """``DIR`` or ``NAME=DIR`` -> ``{name: folder}``; a folder's name is its last path part."""
    folders: dict[str, str] = {}
    for entry in models:
        name, _, folder = entry.rpartition("=") if "=" in entry and not Path(entry).exists() else ("", "", entry)
        name = name or Path(folder).resolve().name
        if name in folders:
            raise ConvtextError(f"two models named {name!r} — name them: NAME=DIR")
        folders[name] = folder
    return folders


def serve(
    models: Annotated[
        list[str], typer.Argument(help="Model folders to serve, as DIR or NAME=DIR; the first is the default.")
    ],
    host: Annotated[
        str, typer.Option(help="Address to bind (127.0.0.1: this machine only; 0.0.0.0: every network).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Processes, each with every model loaded.")] = 1,
    threads: Annotated[int | None, typer.Option(help="Torch threads per process (default: cores ÷ workers).")] = None,
    max_texts: Annotated[int, typer.Option(help="Most texts in one request (more: 413).")] = 1000,
    max_chars: Annotated[int, typer.Option(help="Most characters in one text (more: 413).")] = 100_000,
    max_body_mb: Annotated[float, typer.Option(help="Largest request body in MB (more: 413).")] = 10.0,
    max_batch: Annotated[int, typer.Option(help="Texts predicted together when requests arrive at once.")] = 256,
    max_wait_ms: Annotated[
        float, typer.Option(help="How long a batch's first request waits for others (0: batch what is queued).")
    ] = 0.0,
    request_timeout_s: Annotated[
        float, typer.Option(help="Seconds to receive a whole request; a slower or silent client gets 408.")
    ] = 10.0,
    keep_alive_s: Annotated[float, typer.Option(help="Seconds an idle connection stays open between requests.")] = 5.0,
    backend: Annotated[
        str, typer.Option(help="torch, or onnx: onnxruntime on each folder's model.onnx (`convtext export`).")
    ] = "torch",
    log_level: Annotated[str, typer.Option(help="uvicorn's log level (warning: errors only).")] = "info",
) -> None:
    """Serve models over HTTP: a web page at /, POST /predict and /explain, GET /health, /model, /models,
    /metrics (Prometheus), OpenAPI at /docs."""
    import uvicorn

    from ..infer import available_cores, set_threads
    from ..serve import ENVIRONMENT_KEY, DeadlineProtocol, Limits, create_app, environment_settings, load_models

    if (
        workers < 1
        or min(max_texts, max_chars, max_batch) < 1
        or min(max_body_mb, request_timeout_s, keep_alive_s) <= 0
    ):
        raise ConvtextError(
            "--workers, --max-texts, --max-chars, --max-batch, --max-body-mb, --request-timeout-s and --keep-alive-s "
            "must be positive"
        )
    if max_wait_ms < 0:
        raise ConvtextError(f"--max-wait-ms cannot be negative, got {max_wait_ms}")
    folders = _named_folders(models)
    limits = Limits(max_texts, max_chars, int(max_body_mb * 1e6), max_batch, max_wait_ms, request_timeout_s)
    threads = threads or max(1, available_cores() // workers)
    set_threads(threads)
    loaded = load_models(folders, backend)  # every folder checked before the port opens
    os.environ[ENVIRONMENT_KEY] = environment_settings(folders, limits, threads, backend)  # read by every worker
    server = {"host": host, "port": port, "log_level": log_level, "http": DeadlineProtocol,
              "timeout_keep_alive": keep_alive_s}  # fmt: skip
    if workers == 1:
        uvicorn.run(create_app(loaded, limits), **server)
        return
    metrics = os.environ.get("PROMETHEUS_MULTIPROC_DIR") is None  # the workers add up /metrics through files here
    if metrics:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="convtext-metrics-")
    try:
        uvicorn.run("convtext.serve:app_from_environment", factory=True, workers=workers, **server)
    finally:
        if metrics:
            shutil.rmtree(os.environ.pop("PROMETHEUS_MULTIPROC_DIR"), ignore_errors=True)
