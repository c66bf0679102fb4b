"""The trained-classifier front door: ``TextClassifier``, ``load``, explanations, the model folder format."""

from ._artifact import ArtifactError
from ._classifier import TextClassifier, load
from ._explain import Explanation, NgramContribution

__all__ = ["ArtifactError", "Explanation", "NgramContribution", "TextClassifier", "load"]
