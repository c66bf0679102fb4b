"""The HTTP service: ``POST /predict``, ``GET /health``, ``GET /model(s)``, limits, micro-batching.

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

import numpy as np
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from .._errors import ConvtextError
from .._version import __version__
from ..artifact import MULTITASK, read_config
from ..classifier import TextClassifier, pretrained_source
from ..classifier.training import ensemble_size
from ..infer import set_threads
from ..multitask import MultiTaskClassifier
from ..tokenize import valid_unicode
from ._batcher import MicroBatcher

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


class PredictRequest(BaseModel):
    """``{"texts": [...]}`` or ``{"text": "..."}``, with optional settings."""

    model_config = ConfigDict(extra="forbid")
    texts: list[str] | None = Field(None, description="Texts to classify.")
    text: str | None = Field(None, description="One text (instead of texts).")
    model: str | None = Field(None, description="Which model, when the service has several (default: the first).")
    top_k: int | None = Field(None, ge=1, description="Also return the k most probable labels.")
    explain: bool = Field(False, description="Also return the n-grams behind each prediction (textcnn models).")
    explain_top: int = Field(5, ge=1, le=100, description="How many n-grams per explanation.")


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


def _model_info(name: str, classifier: TextClassifier) -> dict:
    training = classifier.training_ or {}
    return {
        "name": name, "labels": classifier.classes_, "architecture": classifier.model_.architecture,
        "multi_label": classifier.multi_label, "max_length": classifier.max_length,
        "members": ensemble_size(classifier.model_), "tokenizer": classifier.tokenizer_.kind,
        "embeddings": str(classifier.embeddings_), "metrics": _scores(classifier.metrics_),
        "trained": {key: training.get(key) for key in ("train_rows", "seconds", "best_epoch") if key in training},
        "explain": hasattr(classifier.model_, "ngram_features"),
        "backend": "onnx" if getattr(classifier, "onnx_", None) is not None else "torch",
    }  # fmt: skip


def _scores(metrics: dict) -> dict:
    """Per split, the headline numbers of the card (not the per-class tables)."""
    keys = ("accuracy", "macro_f1", "micro_f1", "n")
    return {split: {k: report[k] for k in keys if k in report} for split, report in metrics.items()}


def _routing_error(request: Request, error: StarletteHTTPException) -> str:
    """Starlette's errors (an unknown path, a wrong method, a body it cannot parse) in words that say the fix."""
    if error.status_code == 404:
        return f"no such path {request.url.path} — the service has POST /predict, GET /health, /model, /models"
    if error.status_code == 405:
        allowed = (error.headers or {}).get("Allow") or "another method"
        return f"{request.method} is not allowed on {request.url.path} — use {allowed}"
    if error.status_code == 400:
        return f'unreadable body ({error.detail}) — send UTF-8 JSON such as {{"texts": ["..."]}}'
    return str(error.detail)


def _readable(text: str) -> str:
    """Lone surrogates (valid JSON escapes, not valid Unicode) become U+FFFD so answers can be encoded."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return valid_unicode(text)


def _answer(classifier: TextClassifier, row: np.ndarray, text: str, request: PredictRequest) -> dict:
    probabilities = {label: float(p) for label, p in zip(classifier.classes_, row)}
    if classifier.multi_label:
        answer = {"labels": [label for label, p, t in zip(classifier.classes_, row, classifier.thresholds_) if p >= t]}
    else:
        answer = {"label": classifier.classes_[int(np.argmax(row))]}
    answer["probabilities"] = probabilities
    if request.top_k:
        order = np.argsort(-row, kind="stable")[: request.top_k]
        answer["top_k"] = [[classifier.classes_[j], float(row[j])] for j in order]
    if request.explain:
        explanation = classifier.explain(text, top=request.explain_top)
        answer["explanation"] = [
            {"ngram": item.shown, "start": item.start, "end": item.end, "contribution": item.contribution}
            for item in explanation.top(n=request.explain_top)
        ]
    return answer


def create_app(models: dict[str, TextClassifier], limits: Limits = Limits()) -> FastAPI:
    """The service for loaded ``models`` (the first is the default for requests that name none)."""
    if not models:
        raise ConvtextError("no model to serve — give at least one model folder")
    batchers = {name: MicroBatcher(clf.predict_proba, limits.max_batch, limits.max_wait_ms) for name, clf in models.items()}  # fmt: skip
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
    async def model_info() -> dict:
        """The default model: labels, architecture, metrics from its card."""
        return _model_info(default, models[default])

    @app.get("/models")
    async def model_list() -> list[dict]:
        """Every model served."""
        return [_model_info(name, clf) for name, clf in models.items()]

    @app.get("/models/{name}")
    async def named_model_info(name: str) -> dict:
        return _model_info(chosen(name), models[chosen(name)])

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
        if request.explain and not hasattr(classifier.model_, "ngram_features"):
            raise HTTPException(422, f"model {name!r} ({classifier.model_.architecture}) has no n-gram explanations")
        texts = [_readable(text) for text in texts]
        rows = await batchers[name].submit(texts)  # (n, C)
        answer = lambda part: [_answer(classifier, rows[i], texts[i], request) for i in part]  # noqa: E731
        if not request.explain:
            return JSONResponse({"model": name, "predictions": answer(range(len(texts)))})
        answers = []  # explaining takes a while: in chunks on the model's worker, taking turns with other requests
        for start in range(0, len(texts), EXPLAIN_CHUNK):
            part = range(start, min(start + EXPLAIN_CHUNK, len(texts)))
            answers += await batchers[name].run(functools.partial(answer, part))
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
