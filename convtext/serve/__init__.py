"""``convtext serve``: trained models behind an HTTP API (FastAPI + uvicorn), with limits and micro-batching."""

from ._app import ENVIRONMENT_KEY, Limits, app_from_environment, create_app, environment_settings, load_models
from ._batcher import MicroBatcher
from ._deadline import DeadlineProtocol

__all__ = [
    "ENVIRONMENT_KEY",
    "DeadlineProtocol",
    "Limits",
    "MicroBatcher",
    "app_from_environment",
    "create_app",
    "environment_settings",
    "load_models",
]
