"""One body, several heads: task models that share the body's layers and differ in their head.

Each task is an ordinary ``TextModel`` (so prediction, ``explain``, export and the service work on it
unchanged) whose embedding and encoder modules are the *same objects* as the body's: a gradient from any
task moves the one shared body. Shared-private (``share_body(..., private=True)``, TextCNN only): each
task also has its own convolutions beside the shared ones — the task model is a TextCNN whose kernel
sizes are the body's twice over, the first half shared, the second its own — so a task keeps n-gram
detectors the others would overwrite. ``MultiTaskNetwork`` holds them for the optimiser, early stopping
and saving: the body's shared layers, every head and every task's private convolutions, each parameter once.
"""

from __future__ import annotations

import re

import torch
import torch.nn as nn

from .._errors import ConvtextError
from ..classifier.training import ensemble_size, logit_rows
from ..models import TextCNN, TextModel, create_model

__all__ = ["MultiTaskNetwork", "check_task_name", "fresh_head", "private_convs", "share_body"]

TASK_NAME = re.compile(r"^[^\W_][\w-]*$")  # letters (any script), digits, _ and -; no dots (they separate weight names)


def check_task_name(name: str) -> str:
    """``name`` if it can name a task (a head in the weights file), else a clear error."""
    if not isinstance(name, str) or not TASK_NAME.match(name):
        raise ConvtextError(
            f"task name {name!r} is not usable — use letters (any script), digits, '_' or '-', "
            "starting with a letter or digit, e.g. sentiment or тональность"
        )
    return name


def fresh_head(model: TextModel, num_classes: int, device: torch.device) -> nn.Linear:
    """A new ``(num_features -> num_classes)`` head initialised as the architecture's own: for an ensemble of
    ``members`` each block starts as a single member's head would (fan-in of its own features)."""
    head = nn.Linear(model.num_features, num_classes, device=device)
    bound = (model.num_features // ensemble_size(model)) ** -0.5
    nn.init.uniform_(head.weight, -bound, bound)
    nn.init.uniform_(head.bias, -bound, bound)
    return head


def share_body(base: TextModel, num_classes: int, private: bool = False) -> TextModel:
    """A model of ``base``'s architecture whose every layer but the head *is* ``base``'s, with a fresh head for
    ``num_classes`` classes. Built on the meta device first, so the shared layers are never allocated twice.

    ``private``: the model also gets its own convolutions, one per kernel size of ``base`` with as many filters,
    freshly initialised; its head reads the shared features and its own side by side."""
    config = {**base.config(), "num_classes": num_classes}
    if private:
        if not isinstance(base, TextCNN):
            raise ConvtextError(
                f"private filters need a TextCNN (textcnn, textcnn_kim), not {base.architecture!r} — "
                "use private_filters=False (--no-private-filters) for this architecture"
            )
        config["kernel_sizes"] = list(base.kernel_sizes) * 2
    with torch.device("meta"):
        model = create_model(base.architecture, **config)
    for name, child in base.named_children():
        if name != "head":
            setattr(model, name, child)
    device = base.get_classifier().weight.device
    if private:  # TextCNN's own layout: conv k of (members·E -> members·F), grouped by member
        own = [
            nn.Conv1d(conv.in_channels, conv.out_channels, conv.kernel_size[0], groups=conv.groups, device=device)
            for conv in base.convs
        ]
        model.convs = nn.ModuleList([*base.convs, *own])
    model.head = fresh_head(model, num_classes, device)
    return model


def private_convs(model: TextModel, body: TextModel) -> list[nn.Module]:
    """The convolutions of task ``model`` that ``body`` does not share (none unless it was built ``private``)."""
    return list(getattr(model, "convs", []))[len(getattr(body, "convs", [])) :]


class MultiTaskNetwork(nn.Module):
    """Every task's model as one module: ``shared`` (the body's layers but its head), ``heads`` (one per task)
    and ``private`` (each task's own convolutions, for shared-private models).

    Its parameters are each shared parameter once plus every head and private layer, so one AdamW and one
    early-stopping snapshot cover the lot. ``body`` (default: the first task's model) and ``models[name]`` (a
    task's own ``TextModel``) are not registered: they would list the shared layers again."""

    def __init__(self, models: dict[str, TextModel], body: TextModel | None = None):
        super().__init__()
        if not models:
            raise ConvtextError("a multi-task network needs at least one task")
        object.__setattr__(self, "body", body if body is not None else next(iter(models.values())))
        object.__setattr__(self, "models", dict(models))
        self.shared = nn.ModuleDict({name: child for name, child in self.body.named_children() if name != "head"})
        self.heads = nn.ModuleDict({name: model.head for name, model in models.items()})
        self.private = nn.ModuleDict({
            name: nn.ModuleList(own) for name, model in models.items() if (own := private_convs(model, self.body))
        })  # fmt: skip

    def task_logits(self, task: str, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``(B, T)`` -> ``(B, M, C_task)``: the task's logits, each ensemble member on its own (``M = 1`` but for a
        TextCNN ensemble; see ``classifier.training.logit_rows``)."""
        model = self.models[task]
        rows = logit_rows(model)
        return rows(ids, mask) if rows is not None else model(ids, mask).unsqueeze(1)

    def weights(self) -> dict[str, torch.Tensor]:
        """The saved form: the shared layers under the body's own names, each head as ``heads.NAME.weight|bias``
        and each private convolution as ``private.NAME.INDEX.weight|bias`` (index: the body's kernel order)."""
        heads = {f"heads.{name}": tensor for name, tensor in self.heads.state_dict().items()}
        private = {f"private.{name}": tensor for name, tensor in self.private.state_dict().items()}
        return {**self.shared.state_dict(), **heads, **private}

    def load_weights(self, state: dict[str, torch.Tensor]) -> None:
        """``weights()``' inverse: every tensor of the saved form back in its layer (names and shapes must match)."""
        parts = {"heads.": self.heads, "private.": self.private}
        for prefix, module in parts.items():
            module.load_state_dict({name[len(prefix) :]: t for name, t in state.items() if name.startswith(prefix)})
        self.shared.load_state_dict({name: t for name, t in state.items() if not name.startswith(tuple(parts))})
