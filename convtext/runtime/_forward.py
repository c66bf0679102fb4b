"""The forward pass of a saved TextCNN or mean model in numpy: the same logits as PyTorch's, without PyTorch.

Weights are the ``model.safetensors`` arrays, named as the PyTorch modules name them. A TextCNN scores each
distinct token of a batch once per kernel offset (its row of the n-gram table) and sums ``k`` rows per window;
a mean model's logits are the mean of its tokens' (and hashed bigrams') rows of a ``(V, C)`` logit table.
"""

from __future__ import annotations

import numpy as np

from .._errors import ArtifactError

__all__ = ["ACTIVATIONS", "MeanLogits", "TextCNNLogits"]

ACTIVATIONS = {"relu": lambda x: np.maximum(x, 0, out=x), "tanh": lambda x: np.tanh(x, out=x)}
_PRIME = 1_000_003  # the bigram hash of convtext.models.mean_embedding


def _tensor(weights: dict[str, np.ndarray], name: str, shape: tuple[int, ...]) -> np.ndarray:
    """``weights[name]`` as float32, which must have ``shape`` (else the file does not match its config)."""
    array = weights.get(name)
    if array is None or tuple(array.shape) != shape:
        found = None if array is None else tuple(array.shape)
        raise ArtifactError(
            f"model.safetensors: {name} is {found}, config.json implies {shape} — the folder is damaged"
        )
    return array.astype(np.float32, copy=False)


def _token_vectors(weights: dict, settings: dict, vocab_size: int, width: int) -> np.ndarray:
    """``(V, width)`` token vectors as the model reads them (multichannel: the mean of its two tables)."""
    vectors = _tensor(weights, "embedding.weight", (vocab_size, width))
    if settings.get("embedding_mode") == "multichannel":
        vectors = 0.5 * (vectors + _tensor(weights, "static_embedding.weight", (vocab_size, width)))
    return vectors


class TextCNNLogits:
    """``(B, T)`` ids and mask -> ``(B, C)`` logits of a ``TextCNN`` (every member, kernel size and filter)."""

    min_length: int

    def __init__(self, weights: dict[str, np.ndarray], settings: dict, num_classes: int):
        self.members = int(settings.get("members", 1))
        self.kernel_sizes, filters = [int(k) for k in settings["kernel_sizes"]], int(settings["num_filters"])
        embed_dim, self.activate = int(settings["embed_dim"]), ACTIVATIONS[settings.get("activation", "relu")]
        width, self.width, self.filters = self.members * embed_dim, self.members * filters, filters
        self.vectors = _token_vectors(weights, settings, int(settings["vocab_size"]), width)  # (V, M·E)
        convs = [
            _tensor(weights, f"convs.{i}.weight", (self.width, embed_dim, k)) for i, k in enumerate(self.kernel_sizes)
        ]
        self.biases = [_tensor(weights, f"convs.{i}.bias", (self.width,)) for i in range(len(self.kernel_sizes))]
        offsets = np.concatenate([conv.transpose(2, 0, 1) for conv in convs])  # (n_off, M·F, E), kernel by kernel
        self.offset_weights = [
            offsets[:, m * filters : (m + 1) * filters].transpose(2, 0, 1).reshape(embed_dim, -1)  # (E, n_off·F)
            for m in range(self.members)
        ]
        features = self.width * len(self.kernel_sizes)
        self.head = (
            _tensor(weights, "head.weight", (num_classes, features)),
            _tensor(weights, "head.bias", (num_classes,)),
        )
        self.min_length = max(self.kernel_sizes)
        self.vocabulary_table: np.ndarray | None = None  # every token's contributions, once a batch stream pays for it

    def prepare(self, tokens: int) -> None:
        """About to score ``tokens`` tokens: when they outnumber the vocabulary (and its table fits in 256 MB),
        score every token once now instead of each batch's distinct tokens again and again."""
        size = self.vectors.shape[0] * sum(self.kernel_sizes) * self.width * 4  # bytes of float32
        if self.vocabulary_table is None and tokens > self.vectors.shape[0] and size <= 256 << 20:
            self.vocabulary_table = self._contributions(self.vectors)

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        lengths = mask.sum(axis=1)  # (B,)
        if self.vocabulary_table is not None:
            table, rows = self.vocabulary_table, np.where(mask, ids, len(self.vocabulary_table) - 1)
        else:
            distinct, inverse = np.unique(ids, return_inverse=True)
            table = self._contributions(self.vectors[distinct])  # (U + 1, n_off, M·F)
            rows = np.where(mask, inverse.reshape(ids.shape), len(distinct))  # (B, T); padding -> the zero row
        pooled, first = [], 0
        for k, bias in zip(self.kernel_sizes, self.biases):
            pooled.append(self._pool(k, bias, table[:, first : first + k], rows, lengths))
            first += k
        features = np.concatenate(pooled, axis=1)  # (B, n·M·F), kernel-major as the PyTorch model's
        if self.members > 1:
            features /= self.members
        weight, bias = self.head
        return features @ weight.T + bias  # (B, C)

    def _contributions(self, vectors: np.ndarray) -> np.ndarray:
        """``(U, M·E)`` token vectors -> ``(U + 1, n_off, M·F)``: what each token adds to a window at each kernel
        offset (member ``m`` by its own filters), and a last row of zeros for padding."""
        table = np.zeros((len(vectors) + 1, sum(self.kernel_sizes), self.width), dtype=np.float32)
        for m, (part, weight) in enumerate(zip(np.split(vectors, self.members, axis=1), self.offset_weights)):
            filters = slice(m * self.filters, (m + 1) * self.filters)
            table[:-1, :, filters] = (part @ weight).reshape(len(vectors), -1, self.filters)  # (U, n_off, F)
        return table

    def _pool(self, k: int, bias: np.ndarray, table: np.ndarray, rows: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Masked max over time of one kernel size's activations: ``(B, M·F)``."""
        windows = rows.shape[1] - k + 1
        scores = np.broadcast_to(bias, (len(rows), windows, self.width)).copy()  # (B, W, M·F)
        for offset in range(k):
            scores += table[rows[:, offset : offset + windows], offset]
        self.activate(scores)
        start = np.arange(windows)[None, :]  # (1, W)
        short = (lengths > 0) & (lengths < k)  # fewer tokens than the kernel: the first window counts
        valid = (start + k <= lengths[:, None]) | ((start == 0) & short[:, None])  # (B, W)
        scores[~valid] = -np.inf
        pooled = scores.max(axis=1)  # (B, M·F)
        pooled[~valid.any(axis=1)] = 0.0  # an empty text: zeros
        return pooled


class MeanLogits:
    """Packed ids -> ``(N, C)`` logits of a ``MeanEmbedding``: each text's mean of its token (and bigram) logit rows."""

    min_length = 1

    def __init__(self, weights: dict[str, np.ndarray], settings: dict, num_classes: int):
        embed_dim, self.buckets = int(settings["embed_dim"]), int(settings.get("bigram_buckets", 0))
        head = _tensor(weights, "head.weight", (num_classes, embed_dim))
        self.bias = _tensor(weights, "head.bias", (num_classes,))
        self.tokens = _token_vectors(weights, settings, int(settings["vocab_size"]), embed_dim) @ head.T  # (V, C)
        bigrams = _tensor(weights, "bigrams.weight", (self.buckets, embed_dim)) if self.buckets else None
        self.bigrams = bigrams @ head.T if bigrams is not None else None  # (buckets, C)

    def packed(self, flat: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Texts packed back to back (``flat`` ids, ``offsets`` of length N + 1) -> ``(N, C)`` logits."""
        count = len(offsets) - 1
        segments = np.repeat(np.arange(count), np.diff(offsets))  # (L,): the text of each id
        total = _sum_rows(segments, self.tokens[flat], count)  # (N, C)
        terms = np.diff(offsets).astype(np.float64)  # (N,)
        if self.bigrams is not None and len(flat) > 1:
            inside = segments[:-1] == segments[1:]  # neighbours within one text
            hashed = (flat[:-1][inside].astype(np.int64) * _PRIME + flat[1:][inside]) % self.buckets
            total += _sum_rows(segments[:-1][inside], self.bigrams[hashed], count)
            terms += np.bincount(segments[:-1][inside], minlength=count)
        return (total / np.maximum(terms, 1.0)[:, None]).astype(np.float32) + self.bias  # empty text: the bias


def _sum_rows(owners: np.ndarray, rows: np.ndarray, count: int) -> np.ndarray:
    """``(L, C)`` rows summed by owner (``(L,)`` in ``[0, count)``) -> ``(count, C)`` float64."""
    return np.stack([np.bincount(owners, weights=column, minlength=count) for column in rows.T], axis=1)
