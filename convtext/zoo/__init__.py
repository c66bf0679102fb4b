"""The model zoo: named pretrained models built from the project's data, and all-MiniLM-L6-v2's pieces."""

from ._leakage import SHARED_SENTENCES, check_unseen, overlaps
from ._minilm import (
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
from ._recipes import RECIPES, ZooRecipe, get_recipe, register_recipe
from ._store import build, bundled_data, cache_dir, is_built, load_pretrained, zoo_path

__all__ = [
    "MINILM_DIM",
    "MINILM_SCALE",
    "PretrainedBody",
    "RECIPES",
    "SHARED_SENTENCES",
    "ZooRecipe",
    "build",
    "bundled_data",
    "cache_dir",
    "check_unseen",
    "get_recipe",
    "init_embedding",
    "is_built",
    "load_pretrained",
    "minilm_available",
    "minilm_body",
    "minilm_coverage",
    "minilm_folder",
    "minilm_token_vectors",
    "minilm_tokenizer",
    "overlaps",
    "register_recipe",
    "zoo_path",
]
