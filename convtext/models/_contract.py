"""The contract every convtext model follows: a body (embedding + encoder) and a linear head.

Mask convention: ``mask`` is ``(B, T)`` bool, ``True`` = real token; when omitted it is
``ids != pad_id``.

Kim's four embedding modes, shared by every model: ``rand`` (random start, trained), ``static``
(pretrained, frozen), ``non-static`` (pretrained, trained) and ``multichannel`` (a frozen and a
trained copy, both fed to the same filters). Kim applies each filter to both channels and adds
the results; the first layer is linear, so that equals one layer over the channels' sum — here
their mean, which keeps the input on the scale of the other modes.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Sequence

import torch
import torch.nn as nn

from .._errors import ConvtextError
from ..layers import NgramTable, NgramTableCache, embedding_table
from ..tokenize import auto_embed_dim

__all__ = ["EMBEDDING_MODES", "TextModel"]

EMBEDDING_MODES = ("rand", "static", "non-static", "multichannel")
STORED_AS = {"dropout": "dropout_rate", "embed_dropout": "embed_dropout_rate", "activation": "activation_name"}

log = logging.getLogger(__name__)


class TextModel(nn.Module):
    """Base class: subclasses build ``self.head`` (``nn.Linear``) and implement ``forward_features``."""

    architecture: str = ""
    pad_id: int = 0
    fine_tune_body_rate: float = 1.0  # the body's rate, times the head's, when fine-tuning leaves it to the body
    vocab_size: int
    embed_dim: int
    num_features: int
    embedding: nn.Embedding
    static_embedding: nn.Embedding | None
    embedding_mode: str
    head: nn.Linear

    def forward_features(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``(B, T)`` ids and mask -> ``(B, num_features)`` sentence vectors."""
        raise NotImplementedError

    def forward_head(self, features: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        """``(B, num_features)`` -> ``(B, num_classes)`` logits (or the features after dropout)."""
        features = self.dropout(features)
        return features if pre_logits else self.head(features)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if mask is None:
            mask = ids != self.pad_id
        return self.forward_head(self.forward_features(ids, mask))

    @property
    def num_classes(self) -> int:
        return self.head.out_features

    def get_classifier(self) -> nn.Linear:
        return self.head

    def reset_classifier(self, num_classes: int) -> None:
        """A new, freshly initialised head for ``num_classes`` classes (the body is kept)."""
        log.info("head dropped: %d → %d classes", self.num_classes, num_classes)
        self.head = nn.Linear(self.num_features, num_classes).to(self.head.weight.device)

    def set_dropout(self, rate: float) -> None:
        """Dropout ``rate`` on the sentence vector from now on (a training setting: predictions do not change)."""
        if not 0.0 <= rate < 1.0:
            raise ConvtextError(f"dropout must be in [0, 1), got {rate}")
        self.dropout_rate = float(rate)
        self.dropout.p = self.dropout_rate

    def _build_embeddings(
        self, vocab_size: int, embed_dim: int | str, embedding_mode: str, pad_id: int, copies: int = 1
    ) -> None:
        """``self.embedding`` (and the frozen ``self.static_embedding`` in multichannel mode), Kim's init.

        Sets ``vocab_size``, ``embed_dim`` (``"auto"``: ``vocab_size ** 0.25``, see ``auto_embed_dim``) and ``pad_id``.
        The tables are ``copies * embed_dim`` wide: an ensemble's copy ``m`` reads its own ``embed_dim`` columns.
        """
        if embed_dim == "auto":
            embed_dim = auto_embed_dim(vocab_size)
        self.vocab_size, self.embed_dim, self.pad_id = int(vocab_size), int(embed_dim), pad_id
        if embedding_mode not in EMBEDDING_MODES:
            raise ConvtextError(f"unknown embedding mode {embedding_mode!r} — use one of {', '.join(EMBEDDING_MODES)}")
        self.embedding_mode = embedding_mode
        width = copies * self.embed_dim
        self.embedding = embedding_table(self.vocab_size, width, self.pad_id)
        self.static_embedding = None
        if embedding_mode == "multichannel":
            self.static_embedding = embedding_table(self.vocab_size, width, self.pad_id)
            self.static_embedding.weight.requires_grad_(False)
        elif embedding_mode == "static":
            self.embedding.weight.requires_grad_(False)
        with torch.no_grad():  # Kim (2014): unknown words from U[-0.25, 0.25]; the padding row is zero
            nn.init.uniform_(self.embedding.weight, -0.25, 0.25)
            self.embedding.weight[self.pad_id].zero_()
            if self.static_embedding is not None:
                self.static_embedding.weight.copy_(self.embedding.weight)

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """``(B, T)`` -> ``(B, T, copies·E)`` token vectors (multichannel: the mean of the trained and frozen copies)."""
        if self.static_embedding is None:
            return self.embedding(ids)
        return 0.5 * (self.embedding(ids) + self.static_embedding(ids))

    def embedding_tables(self) -> list[nn.Embedding]:
        """Every token-embedding table, each ``(vocab_size, copies·embed_dim)``: the trained one first."""
        return [self.embedding] + ([self.static_embedding] if self.static_embedding is not None else [])

    def inference_table(
        self, cache: NgramTableCache, ids: torch.Tensor, convs: Sequence[nn.Conv1d]
    ) -> NgramTable | None:
        """The ``NgramTable`` of ``convs`` applied straight to the token vectors, from ``cache``: only for inference
        without gradients (not under ONNX export) and once it pays for itself; else None (convolve as usual)."""
        if self.training or torch.is_grad_enabled() or torch.onnx.is_in_onnx_export():
            return None
        weights = [table.weight for table in self.embedding_tables()] + [conv.weight for conv in convs]
        vocabulary = lambda: self.embed(torch.arange(self.vocab_size, device=ids.device))  # noqa: E731
        return cache.lookup(ids, vocabulary, weights, convs, self.pad_id)

    def set_embedding_rows(self, ids: Sequence[int] | torch.Tensor, vectors: torch.Tensor) -> None:
        """Start rows ``ids`` of every embedding table from ``vectors`` ``(len(ids), embed_dim)`` (pretrained);
        every copy of an ensemble starts from the same vectors."""
        ids = torch.as_tensor(ids, dtype=torch.long)
        if tuple(vectors.shape) != (len(ids), self.embed_dim):
            raise ConvtextError(f"{tuple(vectors.shape)} vectors for {len(ids)} rows of a {self.embed_dim}-d embedding")
        copies = self.embedding.weight.shape[1] // self.embed_dim
        vectors = vectors.repeat(1, copies)  # (len(ids), copies·E)
        with torch.no_grad():
            for table in self.embedding_tables():
                table.weight[ids] = vectors.to(table.weight.dtype)
                table.weight[self.pad_id].zero_()

    def group_matcher(self) -> dict[str, list[str]]:
        """Layer groups, bottom to top, as parameter-name prefixes (for freezing and learning rates)."""
        raise NotImplementedError

    # -- layer groups: freezing and per-group learning rates ---------------------------------
    def layer_groups(self) -> dict[str, list[tuple[str, nn.Parameter]]]:
        """``{group: [(name, parameter), ...]}`` bottom to top; every parameter in exactly one group."""
        prefixes = self.group_matcher()
        groups: dict[str, list[tuple[str, nn.Parameter]]] = {group: [] for group in prefixes}
        for name, parameter in self.named_parameters():
            owner = next((g for g, starts in prefixes.items() if any(name.startswith(p) for p in starts)), None)
            if owner is None:
                raise ConvtextError(f"{self.architecture}: parameter {name!r} belongs to no layer group")
            groups[owner].append((name, parameter))
        return groups

    def pinned_parameters(self) -> set[str]:
        """Parameters the embedding mode keeps frozen whatever the groups say (Kim's static tables)."""
        pinned = {"static_embedding.weight"} if self.static_embedding is not None else set()
        return pinned | ({"embedding.weight"} if self.embedding_mode == "static" else set())

    def _set_trainable(self, groups: Sequence[str], trainable: bool) -> None:
        known = self.layer_groups()
        unknown = [g for g in groups if g not in known]
        if unknown:
            raise ConvtextError(f"no layer group {unknown[0]!r} — this model has {', '.join(known)}")
        pinned = self.pinned_parameters()
        for group in groups:
            for name, parameter in known[group]:
                parameter.requires_grad_(trainable and name not in pinned)

    def freeze(self, groups: Sequence[str] | None = None) -> None:
        """Stop training ``groups`` (default: the body, every group but the head)."""
        self._set_trainable(list(groups) if groups is not None else list(self.layer_groups())[:-1], False)

    def unfreeze(self, groups: Sequence[str] | None = None) -> None:
        """Train ``groups`` (default: all) again; tables the embedding mode keeps static stay frozen."""
        self._set_trainable(list(groups) if groups is not None else list(self.layer_groups()), True)

    def freeze_to(self, n: int) -> None:
        """Freeze the lowest ``n`` groups and train the rest (``-1``: all but the head; ``0``: nothing frozen)."""
        names = list(self.layer_groups())
        if not -len(names) <= n <= len(names):
            raise ConvtextError(f"freeze_to({n}): this model has {len(names)} layer groups ({', '.join(names)})")
        n = n % len(names) if n < 0 else n
        self._set_trainable(names[n:], True)
        self._set_trainable(names[:n], False)

    def parameter_summary(self) -> list[dict]:
        """One row per layer group, bottom to top: ``group``, ``trainable`` and ``frozen`` parameter counts."""
        return [
            {
                "group": group,
                "trainable": sum(p.numel() for _, p in members if p.requires_grad),
                "frozen": sum(p.numel() for _, p in members if not p.requires_grad),
            }
            for group, members in self.layer_groups().items()
        ]

    def config(self) -> dict:
        """The hyperparameters that rebuild this model with ``create_model(architecture, **config)``: every
        constructor parameter, read back from the attribute of its name (``dropout`` from ``dropout_rate``...)."""
        parameters = list(inspect.signature(type(self).__init__).parameters)[1:]  # without self
        return {name: getattr(self, STORED_AS.get(name, name)) for name in parameters}
