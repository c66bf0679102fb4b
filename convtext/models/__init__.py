"""Models by name: the registry, the model contract, and the architectures."""

from ._contract import EMBEDDING_MODES, TextModel
from ._registry import create_model, list_models, model_entrypoint, register_model
from .text_cnn import TextCNN, textcnn

__all__ = [
    "EMBEDDING_MODES",
    "TextCNN",
    "TextModel",
    "create_model",
    "list_models",
    "model_entrypoint",
    "register_model",
    "textcnn",
]
