"""Models by name: the registry, the model contract, and the architectures."""

from ._contract import TextModel
from ._registry import create_model, list_models, model_entrypoint, register_model
from .text_cnn import TextCNN, textcnn

__all__ = ["TextCNN", "TextModel", "create_model", "list_models", "model_entrypoint", "register_model", "textcnn"]
