"""The scikit-learn estimator protocol without importing scikit-learn: parameters from the constructor's signature
(``get_params`` / ``set_params``), a classifier's tags and ``clone``. scikit-learn is imported only when it calls
in (``clone``, ``Pipeline``, ``GridSearchCV``, ``get_tags``), so a process that never uses it never pays for it."""

from __future__ import annotations

import inspect
from collections import defaultdict

from .._errors import ConvtextError

__all__ = ["ClassifierEstimator", "NotTrainedError"]


class NotTrainedError(ConvtextError, ValueError, AttributeError):
    """A classifier was asked to predict before ``fit`` or ``load`` (the bases of scikit-learn's ``NotFittedError``,
    so ``hasattr(clf, "classes_")`` is False until it is trained)."""


class ClassifierEstimator:
    """A scikit-learn classifier: every constructor argument is an attribute of the same name, stored unchanged."""

    _estimator_type = "classifier"

    @classmethod
    def _get_param_names(cls) -> list[str]:
        parameters = inspect.signature(cls.__init__).parameters.values()
        return sorted(
            p.name for p in parameters if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        )

    def get_params(self, deep: bool = True) -> dict:
        """The constructor's arguments by name (``deep``: a nested estimator's as ``name__arg`` too)."""
        params = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                params.update((f"{name}__{key}", inner) for key, inner in value.get_params().items())
            params[name] = value
        return params

    def set_params(self, **params) -> ClassifierEstimator:
        """Set constructor arguments (``name__arg`` sets a nested estimator's); returns ``self``."""
        valid, nested = self.get_params(deep=True), defaultdict(dict)
        for key, value in params.items():
            name, nests, inner = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for estimator {self}. Valid parameters are: {self._get_param_names()!r}."
                )
            if nests:
                nested[name][inner] = value
            else:
                setattr(self, name, value)
                valid[name] = value
        for name, inner_params in nested.items():
            valid[name].set_params(**inner_params)
        return self

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags

        return Tags(
            estimator_type="classifier",
            target_tags=TargetTags(required=True),
            classifier_tags=ClassifierTags(),
            input_tags=InputTags(two_d_array=False, string=True),  # a list of texts, not a matrix
        )

    def __sklearn_clone__(self) -> ClassifierEstimator:
        """The same settings, untrained; a trained ``pretrained`` classifier is shared, not cloned untrained."""
        from sklearn.base import clone

        params = self.get_params(deep=False)
        return type(self)(**{k: v if k == "pretrained" else clone(v, safe=False) for k, v in params.items()})
