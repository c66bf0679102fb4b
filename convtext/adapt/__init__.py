"""Domain adaptation: DANN (gradient reversal, a domain classifier, Ganin's λ schedule) for any convtext model."""

from ._dann import AdaptEpochLog, DannConfig, DomainClassifier, fit_dann
from ._reversal import GradientReversal, dann_lambda, reverse_gradient

__all__ = [
    "AdaptEpochLog",
    "DannConfig",
    "DomainClassifier",
    "GradientReversal",
    "dann_lambda",
    "fit_dann",
    "reverse_gradient",
]
