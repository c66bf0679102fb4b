"""The HTTP service: ``POST /predict`` and ``/explain``, ``GET /health``, ``/model(s)``, ``/metrics`` and the web
page at ``/``; limits and micro-batching.

Every error is JSON ``{"error": "..."}`` with a status that says whose fault it was: 400 a body that is not
UTF-8 JSON, 404 an unknown model or path, 405 a wrong method, 413 too many texts / too long a text / too big a
body, 415 a body that is not JSON, 422 a malformed request, 500 a fault of the service.
"""

from __future__ import annotations

import functools
import json
import os
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from .._errors import ConvtextError
from .._version import __version__
from ..artifact import MULTITASK, read_config
from ..classifier import TextClassifier, pretrained_source
from ..infer import set_threads
from ..multitask import MultiTaskClassifier
from ._answers import (
    ExplainRequest,
    PredictRequest,
    answer,
    explains,
    explanation,
    model_info,
    no_explanations,
    readable,
)
from ._batcher import MicroBatcher
from ._metrics import CONTENT_TYPE_LATEST, Measured, ServiceMetrics
from ._middleware import BodyLimit, JsonOnly
from ._page import page_routes

__all__ = ["ENVIRONMENT_KEY", "Limits", "app_from_environment", "create_app", "environment_settings", "load_models"]

ENVIRONMENT_KEY = "CONVTEXT_SERVE"  # JSON settings for each worker process of a multi-worker service
EXPLAIN_CHUNK = 4  # texts explained at a time; other requests' batches run in between


@dataclass(frozen=True)
class Limits:
    """What one request may ask for; more is answered with 413."""

    max_texts: int = 1000
    max_chars: int = 100_000  # per text
    max_body_bytes: int = 10_000_000
    max_batch: int = 256  # texts predicted together (micro-batching)
    max_wait_ms: float = 0.0  # how long the first request of a batch waits for others (0: batch what is queued)
    request_timeout_s: float = 10.0  # to receive a whole request (headers and body); slower: 408, connection closed


def load_models(folders: dict[str, str | Path], backend: str = "torch") -> dict[str, TextClassifier]:
    """``{name: folder}`` -> loaded classifiers (CPU); a bad folder is a ``ConvtextError`` naming it.

    A multi-task folder serves each task as its own model, ``NAME.TASK`` (the tasks share one body in memory).
    ``backend="onnx"`` predicts through onnxruntime with each folder's ``model.onnx`` (a task's
    ``model.TASK.onnx``), written by ``convtext export [--task TASK]``."""
    if backend not in ("torch", "onnx"):
        raise ConvtextError(f"unknown backend {backend!r} — use torch or onnx")
    models = {}
    for name, model in folders.items():
        folder = pretrained_source(model)  # a folder, a built zoo model or a Hub id
        if not isinstance(folder, Path):
            raise ConvtextError(f"{name}={model}: a pretrained body, not a classifier — serve a trained model")
        if read_config(folder)["convtext"].get("task") != MULTITASK:
            models[name] = TextClassifier.load(folder)
            if backend == "onnx":
                models[name].use_onnx(Path(folder) / "model.onnx")
            continue
        for task, classifier in MultiTaskClassifier.load(folder).tasks_.items():
            models[f"{name}.{task}"] = classifier
            if backend == "onnx":
                classifier.use_onnx(Path(folder) / f"model.{task}.onnx")
    return models


def _routing_error(request: Request, error: StarletteHTTPException) -> str:
    """Starlette's errors (an unknown path, a wrong method, a body it cannot parse) in words that say the fix."""
    if error.status_code == 404:
        return f"no such path {request.url.path} — the service has GET / (the page), POST /predict, /explain, GET /health, /model, /models, /metrics"
    if error.status_code == 405:
        allowed = (error.headers or {}).get("Allow") or "another method"
        return f"{request.method} is not allowed on {request.url.path} — use {allowed}"
    if error.status_code == 400:
        return f'unreadable body ({error.detail}) — send UTF-8 JSON such as {{"texts": ["..."]}}'
    return str(error.detail)


def create_app(models: dict[str, TextClassifier], limits: Limits = Limits()) -> FastAPI:
    """The service for loaded ``models`` (the first is the default for requests that name none)."""
    if not models:
        raise ConvtextError("no model to serve — give at least one model folder")
    metrics = ServiceMetrics()
    batchers = {
        name: MicroBatcher(clf.predict_proba, limits.max_batch, limits.max_wait_ms, metrics.batch_of(name))
        for name, clf in models.items()
    }
    default = next(iter(models))

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        for batcher in batchers.values():
            batcher.start()
        yield
        for batcher in batchers.values():
            await batcher.stop()

    app = FastAPI(title="convtext", version=__version__, lifespan=lifespan,
                  description="Text classification with convolutional networks: labels, probabilities, n-grams.")  # fmt: skip
    app.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes)
    app.add_middleware(JsonOnly)
    app.add_middleware(Measured, metrics=metrics, routes=app.router.routes)  # outermost: sees every answer

    @app.exception_handler(StarletteHTTPException)  # FastAPI's own and Starlette's (unknown path, method, body)
    async def http_error(request: Request, error: StarletteHTTPException):
        message = str(error.detail) if isinstance(error, HTTPException) else _routing_error(request, error)
        return JSONResponse({"error": message}, status_code=error.status_code, headers=error.headers)

    @app.exception_handler(Exception)
    async def fault(_: Request, error: Exception):
        return JSONResponse({"error": f"internal error ({type(error).__name__}) — see the service's log"}, 500)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError):
        problems = [
            f"{'.'.join(str(part) for part in problem.get('loc', ()) if part != 'body') or 'body'}: {problem.get('msg')}"
            for problem in error.errors()
        ]  # the offending input is not echoed: it may be huge or not encodable
        return JSONResponse({"error": "invalid request — " + "; ".join(problems)[:1000]}, status_code=422)

    @app.exception_handler(ConvtextError)
    async def convtext_error(_: Request, error: ConvtextError):
        return JSONResponse({"error": str(error)}, status_code=422)

    def chosen(name: str | None) -> str:
        name = name or default
        if name not in models:
            raise HTTPException(404, f"no model {name!r} — this service has: {', '.join(models)}")
        return name

    @app.get("/health")
    async def health() -> dict:
        """Liveness: ``ok`` and the names of the models served."""
        return {"status": "ok", "models": list(models), "version": __version__}

    @app.get("/model")
    async def default_model_info() -> dict:
        """The default model: labels, architecture, metrics from its card."""
        return model_info(default, models[default])

    @app.get("/models")
    async def model_list() -> list[dict]:
        """Every model served."""
        return [model_info(name, clf) for name, clf in models.items()]

    @app.get("/models/{name}")
    async def named_model_info(name: str) -> dict:
        return model_info(chosen(name), models[chosen(name)])

    @app.get("/metrics")
    async def prometheus_metrics() -> Response:
        """Requests, errors, latency, texts and batch sizes in the Prometheus text format."""
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    @app.post("/explain")
    async def explain(request: ExplainRequest) -> JSONResponse:
        """One text's prediction with every token's and the top n-grams' exact contribution to each class."""
        name = chosen(request.model)
        classifier = models[name]
        if not explains(classifier):
            raise HTTPException(422, no_explanations(name, classifier))
        if len(request.text) > limits.max_chars:
            raise HTTPException(
                413, f"the text has {len(request.text):,} characters; the limit is {limits.max_chars:,}"
            )
        text = readable(request.text)
        explained = await batchers[name].run(functools.partial(explanation, classifier, text, request.top))
        return JSONResponse({"model": name, **explained})

    page_routes(app)

    @app.post("/predict")
    async def predict(request: PredictRequest) -> JSONResponse:
        """Labels and probabilities for ``texts`` (or one ``text``); optional top-k and n-gram explanations."""
        if (request.texts is None) == (request.text is None):
            raise HTTPException(422, 'give either "texts": [...] or "text": "..." (one of the two)')
        texts = [request.text] if request.text is not None else request.texts
        if not texts:
            raise HTTPException(422, '"texts" is empty — give at least one text')
        if len(texts) > limits.max_texts:
            raise HTTPException(
                413, f"{len(texts):,} texts in one request; the limit is {limits.max_texts:,} — split it"
            )
        longest = max(range(len(texts)), key=lambda i: len(texts[i]))
        if len(texts[longest]) > limits.max_chars:
            raise HTTPException(
                413, f"text {longest} has {len(texts[longest]):,} characters; the limit is {limits.max_chars:,} — "
                "shorten it (the model reads only its first tokens anyway)",
            )  # fmt: skip
        name = chosen(request.model)
        classifier = models[name]
        if request.explain and not explains(classifier):
            raise HTTPException(422, no_explanations(name, classifier))
        texts = [readable(text) for text in texts]
        rows = await batchers[name].submit(texts)  # (n, C)
        answers_of = lambda part: [answer(classifier, rows[i], texts[i], request) for i in part]  # noqa: E731
        if not request.explain:
            return JSONResponse({"model": name, "predictions": answers_of(range(len(texts)))})
        answers = []  # explaining takes a while: in chunks on the model's worker, taking turns with other requests
        for start in range(0, len(texts), EXPLAIN_CHUNK):
            part = range(start, min(start + EXPLAIN_CHUNK, len(texts)))
            answers += await batchers[name].run(functools.partial(answers_of, part))
        return JSONResponse({"model": name, "predictions": answers})  # already plain JSON: no re-encoding pass

    return app


def app_from_environment() -> FastAPI:
    """The app of one worker process of ``convtext serve --workers N`` (settings in ``$CONVTEXT_SERVE``)."""
    settings = json.loads(os.environ[ENVIRONMENT_KEY])
    set_threads(settings["threads"])
    return create_app(load_models(settings["models"], settings["backend"]), Limits(**settings["limits"]))


def environment_settings(folders: dict[str, str], limits: Limits, threads: int, backend: str = "torch") -> str:
    return json.dumps({"models": {n: str(Path(f).resolve()) for n, f in folders.items()}, "limits": asdict(limits),
                       "threads": threads, "backend": backend})  # fmt: skip
