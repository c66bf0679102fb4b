"""Models by name: the registry, the model contract, and the architectures."""

from ._checked import (
    MAX_PARAMETERS,
    CheckedHubMixin,
    architecture_settings,
    checked_model,
    checked_tensors,
    load_weights,
)
from ._contract import EMBEDDING_MODES, TextModel
from ._registry import (
    create_model,
    default_tokenizer,
    is_pretrained_only,
    list_models,
    model_entrypoint,
    register_model,
    register_pretrained_loader,
    register_variant,
)
from .char_cnn import CharCNN, char_cnn
from .inception import InceptionCNN, inception, inception_base, inception_small
from .mean_embedding import MeanEmbedding, mean_bigram, mean_embedding
from .minilm import MiniLMBody, minilm
from .text_cnn import TextCNN, textcnn, textcnn_kim

__all__ = [
    "MAX_PARAMETERS",
    "EMBEDDING_MODES",
    "CharCNN",
    "CheckedHubMixin",
    "InceptionCNN",
    "MeanEmbedding",
    "MiniLMBody",
    "TextCNN",
    "TextModel",
    "architecture_settings",
    "char_cnn",
    "checked_model",
    "checked_tensors",
    "create_model",
    "default_tokenizer",
    "inception",
    "inception_base",
    "inception_small",
    "is_pretrained_only",
    "list_models",
    "load_weights",
    "mean_bigram",
    "mean_embedding",
    "minilm",
    "model_entrypoint",
    "register_model",
    "register_variant",
    "register_pretrained_loader",
    "textcnn",
    "textcnn_kim",
]
