"""``convtext serve``: trained models behind an HTTP API (FastAPI + uvicorn), with limits and micro-batching."""

from ._app import ENVIRONMENT_KEY, Limits, app_from_environment, create_app, environment_settings, load_models
from ._batcher import MicroBatcher

__all__ = [
    "ENVIRONMENT_KEY",
    "Limits",
    "MicroBatcher",
    "app_from_environment",
    "create_app",
    "environment_settings",
    "load_models",
]
