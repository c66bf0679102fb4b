"""The trained-classifier front door: ``TextClassifier``, ``load``, explanations, the model folder format."""

from ._artifact import ArtifactError
from ._classifier import TextClassifier, load
from ._explain import Explanation, NgramContribution
from ._stream import StreamReport, predict_file

__all__ = [
    "ArtifactError",
    "Explanation",
    "NgramContribution",
    "StreamReport",
    "TextClassifier",
    "load",
    "predict_file",
]
