"""Where pretrained models come from: the zoo's recipes and cache folders, Hub downloads, the data-seen rule."""

from ._leakage import SHARED_SENTENCES, check_unseen, overlaps
from ._paths import bundled_data, cache_dir, download, is_built, zoo_path
from ._recipes import RECIPES, ZooRecipe, get_recipe, register_recipe
from ._source import model_folder

__all__ = [
    "RECIPES",
    "SHARED_SENTENCES",
    "ZooRecipe",
    "bundled_data",
    "cache_dir",
    "check_unseen",
    "download",
    "get_recipe",
    "model_folder",
    "is_built",
    "overlaps",
    "register_recipe",
    "zoo_path",
]
