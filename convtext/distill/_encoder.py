"""``SentenceEncoder``: a CNN distilled from all-MiniLM-L6-v2 — the transformer's sentence vectors at CNN cost."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._errors import ConvtextError
from ..artifact import config_for, read_model, write_atomically, write_model
from ..data import stratified_holdout
from ..minilm import MINILM_DIM, init_embedding, minilm_tokenizer
from ..models import TextModel, create_model
from ..train import TrainConfig, predict_features
from ._loop import fit_vectors, mean_cosine, predict_vectors
from ._teacher import teacher_embeddings

__all__ = ["TASK", "SentenceEncoder"]

log = logging.getLogger(__name__)

TASK = "sentence-embedding"


class SentenceEncoder:
    """Learns to map a text to its teacher's sentence embedding; ``encode`` gives those vectors, and
    ``TextClassifier(pretrained=encoder_folder)`` reuses its body (pooled n-gram features) for any task.

    The student reads MiniLM's own WordPiece pieces with MiniLM's input vectors (frozen by default),
    so it starts from the teacher's vocabulary knowledge and learns only how to compose it.
    """

    def __init__(
        self,
        architecture: str = "textcnn",
        teacher: str = "minilm",
        embedding_mode: str = "static",
        num_filters: int | None = 300,
        kernel_sizes: Sequence[int] | None = (1, 2, 3),
        dropout: float = 0.1,
        max_length: int = 128,
        epochs: int = 10,
        batch_size: int = 64,
        lr: float = 2e-3,
        patience: int = 2,
        valid_fraction: float = 0.05,
        seed: int = 0,
        threads: int | None = None,
        device: str = "auto",
        **model_options,
    ):
        self.architecture, self.teacher, self.embedding_mode = architecture, teacher, embedding_mode
        self.num_filters, self.kernel_sizes, self.dropout = num_filters, kernel_sizes, dropout
        self.max_length, self.epochs, self.batch_size, self.lr = max_length, epochs, batch_size, lr
        self.patience, self.valid_fraction, self.seed, self.threads = patience, valid_fraction, seed, threads
        self.device, self.model_options = device, model_options

    def _encode_ids(self, texts: Sequence[str]) -> list[list[int]]:
        return [ids[: self.max_length] or [self.tokenizer_.unk_id] for ids in self.tokenizer_.encode_batch(texts)]

    def fit(self, texts: Sequence[str], data_seen: Sequence[str] = ("<memory>",)) -> SentenceEncoder:
        """Distil the teacher on ``texts`` (unlabelled; a seeded share is held out to pick the epoch)."""
        texts = list(dict.fromkeys(t for t in texts if t.strip()))  # each distinct text once
        if len(texts) < 20:
            raise ConvtextError(f"distillation needs at least 20 distinct texts, got {len(texts)}")
        started = time.perf_counter()
        targets = teacher_embeddings(texts, self.teacher)  # (N, 384)
        teacher_seconds = time.perf_counter() - started
        keep, held = stratified_holdout([("text",)] * len(texts), self.valid_fraction, self.seed)
        self.tokenizer_, source_rows = minilm_tokenizer([texts[i] for i in keep])
        options = {"kernel_sizes": self.kernel_sizes, "num_filters": self.num_filters, "dropout": self.dropout,
                   **self.model_options}  # fmt: skip
        self.model_: TextModel = create_model(
            self.architecture, vocab_size=self.tokenizer_.vocab_size, num_classes=MINILM_DIM, embed_dim=MINILM_DIM,
            embedding_mode=self.embedding_mode, **{k: v for k, v in options.items() if v is not None},
        )  # fmt: skip
        init_embedding(self.model_, source_rows)
        ids = self._encode_ids(texts)
        config = TrainConfig(epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, patience=self.patience,
                             seed=self.seed, threads=self.threads, progress=False, device=self.device)  # fmt: skip
        history, best_epoch = fit_vectors(
            self.model_, ([ids[i] for i in keep], targets[keep]), ([ids[i] for i in held], targets[held]), config
        )
        self.embeddings_, self.transfer_, self.data_seen_ = "minilm", None, list(data_seen)
        self.metrics_ = {"valid": {"cosine": history[best_epoch - 1]["valid_cosine"], "n": len(held)}}
        self.training_ = {
            "train_rows": len(keep), "valid_rows": len(held), "best_epoch": best_epoch, "history": history,
            "teacher_seconds": round(teacher_seconds, 2), "seconds": round(time.perf_counter() - started, 2),
        }  # fmt: skip
        log.info("distilled: valid cosine %.4f (epoch %d)", self.metrics_["valid"]["cosine"], best_epoch)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise ConvtextError("this encoder is not trained yet — call fit(texts) or SentenceEncoder.load(folder)")

    def encode(self, texts: Sequence[str], batch_size: int = 256) -> np.ndarray:
        """``(n, 384)`` unit-length sentence vectors, approximating the teacher's."""
        self._check_fitted()
        return predict_vectors(self.model_, self._encode_ids(texts), batch_size)

    def features(self, texts: Sequence[str], batch_size: int = 256) -> np.ndarray:
        """``(n, num_features)`` pooled n-gram features: what a classifier built on this body sees."""
        self._check_fitted()
        return predict_features(self.model_, self._encode_ids(texts), batch_size)

    def similarity(self, texts: Sequence[str]) -> float:
        """Mean cosine between this encoder's and the teacher's vectors for ``texts``."""
        return mean_cosine(self.encode(texts), teacher_embeddings(list(texts), self.teacher))

    def save(self, folder: str | Path) -> Path:
        """The usual model folder (config.json, model.safetensors, tokenizer.json, README.md), written atomically."""
        self._check_fitted()
        meta = {"task": TASK, "output_dim": MINILM_DIM, "teacher": self.teacher, "max_length": self.max_length,
                "embeddings": self.embeddings_, "metrics": self.metrics_, "training": self.training_,
                "data_seen": self.data_seen_}  # fmt: skip
        if getattr(self, "recipe_", None):
            meta["recipe"] = self.recipe_
        config = config_for(self.model_, self.tokenizer_, meta)

        def write(staging: Path) -> None:
            write_model(staging, self.model_, self.tokenizer_, config)
            (staging / "README.md").write_text(_card(config), encoding="utf-8")

        return write_atomically(folder, write)

    @classmethod
    def load(cls, folder: str | Path) -> SentenceEncoder:
        model, tokenizer, config = read_model(folder)
        meta = config["convtext"]
        encoder = cls(config["architecture"], meta.get("teacher", "minilm"), max_length=meta["max_length"])
        encoder.model_, encoder.tokenizer_ = model, tokenizer
        encoder.embeddings_, encoder.transfer_ = meta.get("embeddings", "minilm"), None
        encoder.metrics_, encoder.training_ = meta.get("metrics", {}), meta.get("training", {})
        encoder.data_seen_, encoder.recipe_ = list(meta.get("data_seen", [])), meta.get("recipe")
        return encoder


def _card(config: dict) -> str:
    meta = config["convtext"]
    valid = meta["metrics"].get("valid", {})
    return "\n".join([
        "---", "library_name: convtext", "pipeline_tag: sentence-similarity", "tags: [convtext, cnn, distillation]",
        "---", "", f"# convtext {config['architecture']} sentence encoder distilled from all-MiniLM-L6-v2", "",
        f"- Output: {meta['output_dim']}-d unit vectors; held-out cosine to the teacher "
        f"{valid.get('cosine', float('nan')):.4f} (n={valid.get('n', 0):,})",
        f"- Data seen (never score it on these): {', '.join(f'`{s}`' for s in meta['data_seen'])}",
        "", "```python", "from convtext.distill import SentenceEncoder",
        "SentenceEncoder.load('THIS_FOLDER').encode(['a sentence'])",
        "convtext.TextClassifier(pretrained='THIS_FOLDER', transfer='feature-extraction').fit(texts, labels)",
        "```", "",
    ])  # fmt: skip
