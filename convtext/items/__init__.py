"""Embeddings of anything: user and item vectors learned from interactions (ratings), to query and draw."""

from ._factorization import (
    FactorizationConfig,
    FactorizationResult,
    MatrixFactorization,
    bias_baseline,
    fit_factorization,
)
from ._ratings import Ratings, read_item_names, read_ratings
from ._store import ItemVectors, item_vectors, load_items, save_items

__all__ = [
    "FactorizationConfig",
    "FactorizationResult",
    "ItemVectors",
    "MatrixFactorization",
    "Ratings",
    "bias_baseline",
    "fit_factorization",
    "item_vectors",
    "load_items",
    "read_item_names",
    "read_ratings",
    "save_items",
]
