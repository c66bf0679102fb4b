"""One body, several heads: task models that share every layer but their head.

Each task is an ordinary ``TextModel`` (so prediction, ``explain``, export and the service work on it
unchanged) whose embedding and encoder modules are the *same objects* as the first task's: a gradient
from any task moves the one shared body. ``MultiTaskNetwork`` holds them for the optimiser, early
stopping and saving: the first task's model plus every head, each parameter once.
"""

from __future__ import annotations

import re

import torch
import torch.nn as nn

from .._errors import ConvtextError
from ..models import TextModel, create_model

__all__ = ["MultiTaskNetwork", "check_task_name", "fresh_head", "share_body"]

TASK_NAME = re.compile(r"^[^\W_][\w-]*$")  # letters (any script), digits, _ and -; no dots (they separate weight names)


def check_task_name(name: str) -> str:
    """``name`` if it can name a task (a head in the weights file), else a clear error."""
    if not isinstance(name, str) or not TASK_NAME.match(name):
        raise ConvtextError(
            f"task name {name!r} is not usable — use letters (any script), digits, '_' or '-', "
            "starting with a letter or digit, e.g. sentiment or тональность"
        )
    return name


def fresh_head(model: TextModel, num_classes: int) -> nn.Linear:
    """A new ``(num_features -> num_classes)`` head initialised as the architecture's own: for an ensemble of
    ``members`` each block starts as a single member's head would (fan-in of its own features)."""
    head = nn.Linear(model.num_features, num_classes)
    bound = (model.num_features // model.members) ** -0.5
    nn.init.uniform_(head.weight, -bound, bound)
    nn.init.uniform_(head.bias, -bound, bound)
    return head.to(model.get_classifier().weight.device)


def share_body(base: TextModel, num_classes: int) -> TextModel:
    """A model of ``base``'s architecture whose every layer but the head *is* ``base``'s, with a fresh head for
    ``num_classes`` classes. Built on the meta device first, so the shared layers are never allocated twice."""
    with torch.device("meta"):
        model = create_model(base.architecture, **{**base.config(), "num_classes": num_classes})
    for name, child in base.named_children():
        if name != "head":
            setattr(model, name, child)
    model.head = fresh_head(base, num_classes)
    return model


class MultiTaskNetwork(nn.Module):
    """Every task's model as one module: ``body`` (the first task's model) and ``heads`` (one per task).

    Its parameters are each shared parameter once plus every head, so one AdamW and one early-stopping
    snapshot cover the lot; ``models[name]`` is a task's own ``TextModel`` (not registered: it would list the
    shared layers again)."""

    def __init__(self, models: dict[str, TextModel]):
        super().__init__()
        if not models:
            raise ConvtextError("a multi-task network needs at least one task")
        self.body = next(iter(models.values()))
        self.heads = nn.ModuleDict({name: model.head for name, model in models.items()})
        object.__setattr__(self, "models", dict(models))

    def task_logits(self, task: str, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``(B, T)`` -> ``(B, members, C_task)``: the task's logits, each member on its own (see ``member_logits``)."""
        return self.models[task].member_logits(ids, mask)

    def weights(self) -> dict[str, torch.Tensor]:
        """The shared layers under their own names and each head as ``heads.NAME.weight|bias`` — the saved form."""
        body = {name: tensor for name, tensor in self.body.state_dict().items() if not name.startswith("head.")}
        heads = {f"heads.{name}": tensor for name, tensor in self.heads.state_dict().items()}
        return {**body, **heads}
