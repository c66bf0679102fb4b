"""TextCNN (Kim 2014): embeddings, parallel n-gram convolutions, masked max-over-time pooling, a linear head.

A text is a stack of token embeddings ``(T, E)``. Each ``Conv1d`` filter spans the whole
embedding width and ``k`` consecutive tokens — it is an n-gram detector with ``n = k``. Each
filter's activations over the text are reduced to their maximum over valid windows (padding never
wins), the maxima of all kernel sizes are concatenated into the sentence vector, dropout, head.
Because each feature is the value of one winning n-gram and the head is linear, every class score
splits exactly into n-gram contributions (see ``ngram_features``).

Kim's four embedding modes (``embedding_mode``) come from ``TextModel``.

``members > 1`` makes the model an ensemble of that many TextCNNs in one module: each member has
its own embedding columns, filters (one grouped convolution) and block of the head, and the logits
are the members' mean — one linear head over their features side by side — so prediction,
``explain``, transfer and export see one ordinary model. ``TextClassifier`` trains the members of
a new model one at a time (``split_members``, train each, ``join_members``); training the joined
model further (fine-tuning) scores each member on its own loss (``member_logits``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch
import torch.nn as nn

from .._errors import ConvtextError
from ..layers import (
    NgramTable,
    NgramTableCache,
    masked_max_over_time,
    max_over_valid_windows,
    pad_to_min_length,
    window_mask,
    window_maxima,
    window_rows,
)
from ._checked import CheckedHubMixin
from ._contract import TextModel
from ._registry import register_variant

__all__ = ["TextCNN", "textcnn", "textcnn_kim"]

ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh}
IN_PLACE_ACTIVATIONS = {"relu": torch.Tensor.relu_, "tanh": torch.Tensor.tanh_}
MONOTONE_ACTIVATIONS = ("relu", "tanh")  # the activation of the largest score is the largest activation


class TextCNN(TextModel, CheckedHubMixin, library_name="convtext", tags=["text-classification", "cnn"]):
    """Kim (2014) CNN for sentence classification; ``embed_dim="auto"`` uses ``vocab_size ** 0.25``."""

    architecture = "textcnn"

    def __init__(
        self,
        vocab_size: int,
        num_classes: int,
        embed_dim: int | str = 128,
        kernel_sizes: Sequence[int] = (3, 4, 5),  # n-gram sizes; Zhang & Wallace: the size matters most
        num_filters: int = 100,  # per kernel size (Kim: 100; 100-600 all work)
        dropout: float = 0.5,  # on the pooled sentence vector (Kim)
        embed_dropout: float = 0.0,  # drops whole token vectors in training: a word-level regulariser
        activation: str = "relu",
        embedding_mode: str = "rand",  # Kim's rand / static / non-static / multichannel
        pad_id: int = 0,
        members: int = 1,  # TextCNNs in one model, logits averaged (see the module docstring)
    ):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ConvtextError(f"unknown activation {activation!r} — use one of {', '.join(ACTIVATIONS)}")
        if not kernel_sizes or min(kernel_sizes) < 1:
            raise ConvtextError(f"kernel sizes must be positive integers, got {list(kernel_sizes)}")
        if int(members) != members or members < 1:
            raise ConvtextError(f"members must be a positive whole number, got {members!r}")
        self.members = int(members)
        self.kernel_sizes, self.num_filters = [int(k) for k in kernel_sizes], int(num_filters)
        self.activation_name, self.dropout_rate = activation, float(dropout)
        self.embed_dropout_rate = float(embed_dropout)
        self._build_embeddings(vocab_size, embed_dim, embedding_mode, pad_id, copies=self.members)
        width, filters = self.members * self.embed_dim, self.members * self.num_filters  # member m: block m of each
        self.convs = nn.ModuleList(nn.Conv1d(width, filters, k, groups=self.members) for k in self.kernel_sizes)
        self.activation = ACTIVATIONS[activation]()
        self.dropout = nn.Dropout(self.dropout_rate)
        self.num_features = filters * len(self.kernel_sizes)
        self.head = nn.Linear(self.num_features, int(num_classes))
        if self.members > 1:  # each member's block starts as a single model's head would (fan-in of its own features)
            bound = (self.num_features // self.members) ** -0.5
            nn.init.uniform_(self.head.weight, -bound, bound)
            nn.init.uniform_(self.head.bias, -bound, bound)
        self._ngram_tables = NgramTableCache()  # inference fast path; not part of the weights

    def ngram_features(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Sentence vectors and, per feature, the start of the n-gram that won its max.

        ``(B, T)`` -> features ``(B, num_features)``, positions ``(B, num_features)``; feature ``j``
        belongs to kernel size ``self.kernel_sizes[j // num_filters]``.
        """
        pooled = list(self._pooled(ids, mask, masked_max_over_time))  # [(values (B, F), positions (B, F))] per kernel
        return self._sentence_vector([values for values, _ in pooled]), torch.cat([where for _, where in pooled], dim=1)

    def forward_features(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if torch.is_grad_enabled() and self.activation_name in MONOTONE_ACTIVATIONS:  # training's cheaper backward
            return self._sentence_vector(list(self._trained_features(ids, mask)))
        return self._sentence_vector(list(self._pooled(ids, mask, max_over_valid_windows)))

    def _trained_features(self, ids: torch.Tensor, mask: torch.Tensor) -> Iterator[torch.Tensor]:
        """Each kernel size's ``(B, M·F)`` features from the batch's distinct tokens, pooled before the activation
        (the same for an increasing one) in one autograd node per kernel (``window_maxima``; why: docs/decisions.md)."""
        ids, mask = pad_to_min_length(ids, mask, max(self.kernel_sizes), self.pad_id)
        vectors, rows, keep = self._distinct_vectors(ids, mask)  # (U + 1, M·E), (B, T), (B, T)
        rows = rows.masked_fill(~keep, len(vectors) - 1)  # padding and dropped tokens: the zero row
        for k, conv in zip(self.kernel_sizes, self.convs):
            yield self.activation(window_maxima(vectors, conv, window_rows(rows, k), window_mask(mask, k)))

    def _pooled(self, ids: torch.Tensor, mask: torch.Tensor, pool) -> Iterator:
        """``pool(activations, valid, overwrite)`` of each kernel size's activations ``(B, T - k + 1, M·F)``."""
        ids, mask = pad_to_min_length(ids, mask, max(self.kernel_sizes), self.pad_id)
        in_place = not torch.is_grad_enabled()  # each score tensor is fresh: without autograd, reuse its memory
        activate = (IN_PLACE_ACTIVATIONS.get(self.activation_name) if in_place else None) or self.activation
        for k, scores in zip(self.kernel_sizes, self.window_scores(ids, mask)):
            yield pool(activate(scores), window_mask(mask, k), overwrite=in_place)

    def _sentence_vector(self, pooled: list[torch.Tensor]) -> torch.Tensor:
        """Each kernel size's ``(B, M·F)`` maxima side by side: ``(B, num_features)``."""
        features = torch.cat(pooled, dim=1)  # (B, num_features)
        if self.members > 1:  # the head's logits are then the mean of the members' own (see member_logits)
            features = features / self.members
        return features

    def window_scores(self, ids: torch.Tensor, mask: torch.Tensor) -> Iterator[torch.Tensor]:
        """Every window's pre-activation, time first: one ``(B, T - k + 1, M·F)`` per kernel size.

        Inference without gradients reads them from an ``NgramTable`` of the vocabulary once it pays for itself;
        otherwise a table of the batch's distinct tokens (why: docs/decisions.md).
        """
        table = self.inference_table(self._ngram_tables, ids, self.convs)
        if table is not None:
            yield from table.window_scores(ids, mask)
            return
        vectors, rows, keep = self._distinct_vectors(ids, mask)
        table = NgramTable(vectors, self.convs, len(vectors) - 1, pad_is_zero=True)
        yield from table.window_scores(rows, keep)  # (B, W, M·F) each

    def _distinct_vectors(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """The batch's distinct tokens' vectors ``(U + 1, M·E)`` (row U zero: a position adding nothing), each
        position's row among them ``(B, T)`` and the positions kept ``(B, T)`` (embedding dropout drops whole tokens
        while training)."""
        keep = mask
        if self.training and self.embed_dropout_rate > 0:  # drop tokens, not single coordinates
            keep = mask & (torch.rand(mask.shape, device=mask.device) >= self.embed_dropout_rate)
        distinct, rows = torch.unique(ids, return_inverse=True)  # (U,), (B, T)
        vectors = self.embed(distinct)  # (U, M·E)
        return torch.cat([vectors, vectors.new_zeros(1, vectors.shape[1])]), rows, keep

    def member_logits(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``(B, T)`` -> ``(B, members, C)``: member ``m`` scores with its own features and head block.

        The sentence vector holds each member's features divided by ``members``, so member ``m``'s logits
        ``W_m f_m + b`` are ``members * W_m (f_m / members) + b`` and their mean is ``forward``'s logits; each
        member's weights get the gradients (and Adam steps) of a single model trained alone.
        """
        features = self.forward_head(self.forward_features(ids, mask), pre_logits=True)  # (B, n·M·F), after dropout
        shape = (len(self.kernel_sizes), self.members, self.num_filters)  # feature order: kernel, member, filter
        per_member = torch.einsum(
            "bnmf,cnmf->bmc", features.view(len(features), *shape), self.head.weight.view(-1, *shape)
        )  # (B, M, C)
        return self.members * per_member + self.head.bias

    def split_members(self) -> list[TextCNN]:
        """The members as single TextCNNs (copies of their weights), to be trained one at a time."""
        singles = []
        for member in range(self.members):
            single = TextCNN(**{**self.config(), "members": 1})
            shapes = {name: tensor.shape for name, tensor in single.state_dict().items()}
            single.load_state_dict(
                {name: view.reshape(shapes[name]) for name, view in self._member_views(member).items()}
            )
            singles.append(single.to(self.head.weight.device))
        return singles

    @torch.no_grad()
    def join_members(self, singles: Sequence[TextCNN]) -> None:
        """Take the weights of ``members`` single TextCNNs (``split_members``' inverse); the head's bias is the
        mean of theirs, so the logits are the mean of the singles' logits."""
        if len(singles) != self.members:
            raise ConvtextError(f"{len(singles)} single models for a TextCNN of {self.members} members")
        for member, single in enumerate(singles):
            state = single.state_dict()
            for name, view in self._member_views(member).items():
                if name != "head.bias":
                    view.copy_(state[name].view_as(view))
        self.head.bias.copy_(
            torch.stack([single.head.bias for single in singles]).mean(dim=0).to(self.head.bias.device)
        )

    def _member_views(self, member: int) -> dict[str, torch.Tensor]:
        """Views into this model's weights that hold member ``member``, named and ordered as a single TextCNN's."""
        columns = slice(member * self.embed_dim, (member + 1) * self.embed_dim)
        rows = slice(member * self.num_filters, (member + 1) * self.num_filters)
        views = {f"{name}.weight": table.weight[:, columns] for name, table in
                 (("embedding", self.embedding), ("static_embedding", self.static_embedding)) if table is not None}  # fmt: skip
        for index, conv in enumerate(self.convs):
            views[f"convs.{index}.weight"], views[f"convs.{index}.bias"] = conv.weight[rows], conv.bias[rows]
        shape = (self.num_classes, len(self.kernel_sizes), self.members, self.num_filters)
        views["head.weight"] = self.head.weight.view(shape)[:, :, member]  # (C, kernels, F)
        views["head.bias"] = self.head.bias
        return views

    def feature_kernel_sizes(self) -> list[int]:
        """The n-gram size behind each feature of the sentence vector."""
        return [k for k in self.kernel_sizes for _ in range(self.members * self.num_filters)]

    def group_matcher(self) -> dict[str, list[str]]:
        return {"embedding": ["embedding.", "static_embedding."], "encoder": ["convs."], "head": ["head."]}


textcnn = register_variant(
    "textcnn", TextCNN,
    "convtext's default: kernels 1, 2, 3 with 100 filters each (measured: as good as 3, 4, 5 on sentences, faster).",
    kernel_sizes=(1, 2, 3),
)  # fmt: skip
textcnn_kim = register_variant(
    "textcnn_kim", TextCNN, "Kim (2014) exactly: kernels 3, 4, 5 with 100 filters each, ReLU, dropout 0.5.",
    kernel_sizes=(3, 4, 5),
)  # fmt: skip
