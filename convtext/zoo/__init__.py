"""Existing model zoos as a source of pretrained pieces (all-MiniLM-L6-v2's token vectors)."""

from ._minilm import (
    MINILM_DIM,
    MINILM_SCALE,
    init_embedding,
    minilm_available,
    minilm_coverage,
    minilm_folder,
    minilm_token_vectors,
    minilm_tokenizer,
)

__all__ = [
    "MINILM_DIM",
    "MINILM_SCALE",
    "init_embedding",
    "minilm_available",
    "minilm_coverage",
    "minilm_folder",
    "minilm_token_vectors",
    "minilm_tokenizer",
]
