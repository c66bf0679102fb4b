"""Models built from settings and weights someone else wrote (a ``config.json``, a ``model.safetensors``).

Every setting is type-checked against the architecture's own and bounded, the model is built on the meta
device (shapes, no memory) and its size bounded, and every tensor's name, shape and dtype is compared with
the file's header — all before any memory is allocated; non-finite weights are refused. ``convtext.load``
and every model class's ``from_pretrained`` (huggingface_hub's mixin) go through here.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path

import torch
from huggingface_hub import PyTorchModelHubMixin, constants, hf_hub_download

from .._errors import ArtifactError, ConvtextError
from .._tensor_file import read_tensors
from ._contract import TextModel
from ._registry import is_pretrained_only, model_entrypoint

__all__ = [
    "MAX_PARAMETERS",
    "CheckedHubMixin",
    "architecture_settings",
    "checked_model",
    "checked_tensors",
    "load_weights",
]

MAX_PARAMETERS = 2**31  # orders of magnitude above any model convtext writes: a bigger claim is a tampered file
MAX_SETTING = 2**31
MAX_ITEMS = 256  # a list setting (kernel sizes, ...) longer than this is a tampered file


def _same_kind(value: object, example: object) -> bool:
    """Whether a stored setting has the type of the architecture's own value for it (bool is not an int here)."""
    if isinstance(example, bool) or example is None:
        return isinstance(value, bool) or example is None and (value is None or isinstance(value, int | float | str))
    if isinstance(example, int):
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_SETTING
    if isinstance(example, float):
        return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if isinstance(example, list | tuple):
        return (
            isinstance(value, list)
            and len(value) <= MAX_ITEMS
            and all(_same_kind(item, example[0] if example else 0) for item in value)
        )
    return isinstance(value, type(example))


def architecture_settings(architecture: str, factory: Callable[..., TextModel] | None = None) -> dict:
    """Every setting ``architecture`` takes, with its default (read off a small model on the meta device)."""
    factory = factory or model_entrypoint(architecture)
    with torch.device("meta"):  # a pretrained-only body has fixed sizes
        small = factory(num_classes=2) if is_pretrained_only(architecture) else factory(vocab_size=8, num_classes=2)
    return small.config()


def _check_settings(architecture: str, factory: Callable[..., TextModel], settings: dict) -> None:
    """Every stored setting is one the architecture has, of its type, within sane bounds."""
    reference = architecture_settings(architecture, factory)
    for key, value in settings.items():
        if key not in reference:
            raise ArtifactError(
                f"config.json: {architecture} has no setting {key!r} — the file was edited or corrupted"
            )
        if not _same_kind(value, reference[key]):
            raise ArtifactError(
                f"config.json: {key} = {json.dumps(value)[:60]} is not a valid {type(reference[key]).__name__} "
                f"setting (numbers within ±2**31, lists of at most {MAX_ITEMS}) — the file was edited or corrupted; "
                "save the model again"
            )


def checked_model(architecture: str, settings: dict, factory: Callable[..., TextModel] | None = None) -> TextModel:
    """An untrained ``architecture`` built by ``factory`` (default: its registered function) from ``settings``,
    on the meta device, after the checks above; an ``ArtifactError`` names what is wrong."""
    factory = factory or model_entrypoint(architecture)  # an unknown architecture names the known ones
    _check_settings(architecture, factory, settings)
    try:
        with torch.device("meta"):
            model = factory(**settings)
    except ConvtextError:
        raise
    except Exception as error:  # whatever a constructor raises on settings it cannot build
        raise ArtifactError(
            f"config.json: settings do not fit architecture {architecture!r} ({type(error).__name__}: "
            f"{str(error)[:200]})"
        ) from None
    parameters = sum(parameter.numel() for parameter in model.parameters())
    if parameters > MAX_PARAMETERS:
        raise ArtifactError(f"config.json describes {parameters:,} parameters — the file was edited or corrupted")
    return model


def checked_tensors(path: Path, shapes: dict[str, tuple[int, ...]]) -> dict[str, torch.Tensor]:
    """The tensors of ``path`` (checked: exactly ``shapes``, float32, finite) as PyTorch tensors."""
    return {name: torch.from_numpy(array) for name, array in read_tensors(path, shapes).items()}


def load_weights(model: TextModel, path: Path) -> TextModel:
    """``model`` (on the meta device) with the weights of ``path``, checked before any memory is allocated."""
    state = checked_tensors(path, {name: tuple(tensor.shape) for name, tensor in model.state_dict().items()})
    model = model.to_empty(device="cpu")
    model.load_state_dict(state)
    return model.eval()


class CheckedHubMixin(PyTorchModelHubMixin):
    """huggingface_hub's ``save_pretrained`` / ``from_pretrained`` / ``push_to_hub``; loading is checked as
    ``convtext.load`` checks it, and every tensor must be in the file (``strict`` is always on)."""

    @classmethod
    def _from_pretrained(
        cls, *, model_id: str, revision: str | None, cache_dir: str | Path | None, force_download: bool,
        local_files_only: bool, token: str | bool | None, map_location: str = "cpu", strict: bool = True, **settings,
    ) -> TextModel:  # fmt: skip
        if os.path.isdir(model_id):
            weights = os.path.join(model_id, constants.SAFETENSORS_SINGLE_FILE)
            if not os.path.isfile(weights):
                raise ArtifactError(f"{model_id}: {constants.SAFETENSORS_SINGLE_FILE} is missing — not a saved model")
        else:
            weights = hf_hub_download(
                repo_id=model_id, filename=constants.SAFETENSORS_SINGLE_FILE, revision=revision, cache_dir=cache_dir,
                force_download=force_download, token=token, local_files_only=local_files_only,
            )  # fmt: skip
        model = checked_model(cls.architecture, settings, factory=cls)
        return load_weights(model, Path(weights)).to(map_location)
