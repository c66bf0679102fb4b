"""The model registry (as in timm): thin registered functions build each architecture by name."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable

from torch import nn

from .._errors import ConvtextError

__all__ = [
    "create_model",
    "default_tokenizer",
    "is_pretrained_only",
    "list_models",
    "model_entrypoint",
    "register_model",
    "register_variant",
    "register_pretrained_loader",
]

_ENTRYPOINTS: dict[str, Callable[..., nn.Module]] = {}
_PRETRAINED_LOADERS: list[Callable[[str], nn.Module]] = []


def register_pretrained_loader(loader: Callable[[str], nn.Module]) -> None:
    """Let ``create_model(name, pretrained=True)`` find weights by name: ``loader(name)`` returns the trained model.

    The estimator layer registers the one that knows model folders, the zoo and the Hub (it sits above this
    package, so the registry is told rather than importing it)."""
    _PRETRAINED_LOADERS[:] = [loader]


def register_model(function: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
    """Register ``function`` under its own name; it takes ``vocab_size``, ``num_classes`` and overrides."""
    _ENTRYPOINTS[function.__name__] = function
    return function


def register_variant(name: str, model_class: type, doc: str, **defaults) -> Callable[..., nn.Module]:
    """Register ``name``: ``model_class`` with ``defaults`` (any of them overridable), described by ``doc``."""

    def build(vocab_size: int, num_classes: int, **overrides) -> nn.Module:
        return model_class(vocab_size, num_classes, **{**defaults, **overrides})

    build.__name__, build.__qualname__, build.__doc__ = name, name, doc
    return register_model(build)


def list_models(pattern: str = "*", pretrained_only: bool = False) -> list[str]:
    """Registered names matching a shell-style ``pattern``, sorted: the architectures trained from
    scratch, or with ``pretrained_only`` the bodies that only exist with their zoo weights (``minilm``)."""
    return sorted(
        name
        for name, entry in _ENTRYPOINTS.items()
        if fnmatch.fnmatch(name, pattern) and getattr(entry, "pretrained_only", False) == pretrained_only
    )


def model_entrypoint(name: str) -> Callable[..., nn.Module]:
    if name not in _ENTRYPOINTS:
        raise ConvtextError(f"unknown architecture {name!r} — choose one of: {', '.join(list_models())}")
    return _ENTRYPOINTS[name]


def is_pretrained_only(name: str) -> bool:
    """Whether architecture ``name`` only exists with its zoo weights (it cannot be trained from scratch)."""
    return getattr(model_entrypoint(name), "pretrained_only", False)


def default_tokenizer(name: str) -> str:
    """The tokenizer kind an architecture is built for (``word`` unless its entrypoint says otherwise)."""
    return getattr(model_entrypoint(name), "default_tokenizer", "word")


def create_model(
    name: str, vocab_size: int | None = None, num_classes: int | None = None, pretrained: bool = False, **overrides
) -> nn.Module:
    """``create_model("textcnn", vocab_size=8000, num_classes=2, num_filters=200)``.

    ``create_model("textcnn.mr_sentiment", pretrained=True, num_classes=6)``: a zoo model's weights
    (its tokenizer is ``convtext.zoo.load_pretrained(name).tokenizer_``), with a new head when
    ``num_classes`` differs.
    """
    if pretrained:
        if vocab_size is not None or overrides:
            raise ConvtextError("a pretrained model brings its own vocabulary and settings — give only num_classes")
        if not _PRETRAINED_LOADERS:
            raise ConvtextError("pretrained weights are found by the convtext package — `import convtext` first")
        model = _PRETRAINED_LOADERS[0](name)
        if num_classes is not None and num_classes != model.num_classes:
            model.reset_classifier(num_classes)
        return model
    if vocab_size is None or num_classes is None:
        raise ConvtextError(f"create_model({name!r}) needs vocab_size and num_classes (or pretrained=True)")
    return model_entrypoint(name)(vocab_size=vocab_size, num_classes=num_classes, **overrides)
