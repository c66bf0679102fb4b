"""Domain adaptation: DANN (gradient reversal, a domain classifier, Ganin's λ schedule) for any convtext model,
then a round of class-balanced self-training on the target texts."""

from ._dann import AdaptEpochLog, DannConfig, DomainClassifier, fit_dann
from ._reversal import GradientReversal, dann_lambda, reverse_gradient
from ._self_training import confident_rows

__all__ = [
    "AdaptEpochLog",
    "DannConfig",
    "DomainClassifier",
    "GradientReversal",
    "confident_rows",
    "dann_lambda",
    "fit_dann",
    "reverse_gradient",
]
