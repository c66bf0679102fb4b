"""The model zoo: named pretrained models built from the project's data (``build``) and found by name
(``load_pretrained``). The recipes and cache paths live in ``convtext.hub``, all-MiniLM-L6-v2's pieces in
``convtext.minilm``; their names are re-exported here, where they were before."""

from .. import hub, minilm
from ..classifier import load_pretrained
from ..hub import *  # noqa: F403 — the old convtext.zoo names of the recipes, paths and data-seen rule
from ..minilm import *  # noqa: F403 — the old convtext.zoo names of MiniLM's pieces
from ._build import build

__all__ = ["build", "load_pretrained", *hub.__all__, *minilm.__all__]
