"""The trained-classifier front door: ``TextClassifier``, ``load``, explanations, prediction over files."""

from ..artifact import ArtifactError
from ..runtime import StreamReport, predict_file
from . import training
from ._autotune_run import autotune_data, search_folder
from ._classifier import TextClassifier, load_pretrained
from ._ensemble import EnsembleClassifier
from ._explain import Explanation, NgramContribution
from ._pretrained import pretrained_source

load = TextClassifier.load  # a single-task folder; convtext.load also takes task=

__all__ = [
    "ArtifactError",
    "EnsembleClassifier",
    "Explanation",
    "NgramContribution",
    "StreamReport",
    "TextClassifier",
    "autotune_data",
    "load",
    "load_pretrained",
    "pretrained_source",
    "predict_file",
    "search_folder",
    "training",
]
