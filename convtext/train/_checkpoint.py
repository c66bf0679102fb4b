"""Crash-safe training: everything ``fit`` needs to go on, after every epoch, in one file written atomically.

A checkpoint is one safetensors file: the model's weights (``model.*``), the best weights so far
(``best.*``), AdamW's moments (``optimizer.<param>.<name>``) and the torch random state as tensors;
the epoch, history, early-stopping counters, learning-rate schedule and the numpy generator's state
as JSON in the file's metadata. No pickle. It is written to a temporary sibling and renamed over
the old one (``os.replace``), so a kill mid-write leaves the previous checkpoint whole.

A fingerprint of the training data and settings travels with it: resuming with other data or
settings is refused rather than silently mixing two runs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save

from .._errors import ConvtextError
from ..artifact import remove_dead_leftovers, replaced_atomically
from ..infer import sequence_lengths

__all__ = [
    "CheckpointState", "fingerprint", "read_checkpoint", "remove_checkpoints", "stage_checkpoint", "write_checkpoint",
]  # fmt: skip

FORMAT = "convtext-checkpoint/1"


@dataclass
class CheckpointState:
    """Where training stands after ``epoch``: tensors by name and the JSON-able rest."""

    epoch: int
    finished: bool
    model: dict[str, torch.Tensor]
    best: dict[str, torch.Tensor] | None
    optimizer: dict
    scheduler: dict | None
    numpy_rng: dict
    torch_rng: torch.Tensor
    progress: dict  # history, best epoch / score / report, stale count


def fingerprint(ids: Sequence[Sequence[int]], targets, settings: dict) -> str:
    """A hash of the token ids, targets and settings a run trains on (cheap: numpy bytes, not JSON)."""
    digest = hashlib.sha256()
    digest.update(np.asarray(sequence_lengths(ids), dtype=np.int64).tobytes())
    flat = getattr(ids, "flat", None)  # packed sequences: the ids are one array already
    if flat is None:
        flat = np.fromiter((i for row in ids for i in row), dtype=np.int64)
    for start in range(0, len(flat), 1 << 20):  # 8 MB slices: a packed corpus may not fit in memory twice
        digest.update(np.asarray(flat[start : start + (1 << 20)], dtype=np.int64).tobytes())
    digest.update(np.ascontiguousarray(np.asarray(targets, dtype=np.float64)).tobytes())
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _optimizer_tensors(optimizer_state: dict) -> tuple[dict[str, torch.Tensor], dict]:
    """Split ``optimizer.state_dict()`` into named tensors and the JSON-able parameter groups."""
    tensors = {}
    for param, slots in optimizer_state["state"].items():
        for name, value in slots.items():
            tensors[f"optimizer.{param}.{name}"] = torch.as_tensor(value)
    return tensors, {"param_groups": optimizer_state["param_groups"]}


def write_checkpoint(path: Path, state: CheckpointState, run: str) -> None:
    """Write ``state`` to ``path`` atomically (temporary file, fsync, rename)."""
    tensors = {f"model.{k}": v for k, v in state.model.items()}
    if state.best is not None:
        tensors.update({f"best.{k}": v for k, v in state.best.items()})
    optimizer_tensors, optimizer_groups = _optimizer_tensors(state.optimizer)
    tensors.update(optimizer_tensors)
    tensors["rng.torch"] = state.torch_rng
    tensors = {name: tensor.detach().cpu().contiguous() for name, tensor in tensors.items()}
    meta = {
        "format": FORMAT, "run": run, "epoch": state.epoch, "finished": state.finished,
        "optimizer": optimizer_groups, "scheduler": state.scheduler, "numpy_rng": state.numpy_rng,
        "progress": state.progress,
    }  # fmt: skip
    serialized = save(tensors, metadata={"convtext": json.dumps(meta)})  # not save_file: it writes through a temporary
    with replaced_atomically(path) as temporary:  # file of its own (.tmpXXXXXX) that a kill would leave behind
        temporary.write_bytes(serialized)


def read_checkpoint(path: Path, run: str) -> CheckpointState:
    """The state saved in ``path``; a file from another run (data or settings) or a damaged one is an error."""
    try:
        with safe_open(str(path), framework="pt") as handle:
            meta = json.loads((handle.metadata() or {}).get("convtext", "null"))
            tensors = {name: handle.get_tensor(name) for name in handle.keys()}
    except (SafetensorError, OSError, ValueError) as error:
        raise ConvtextError(f"{path}: unreadable checkpoint ({error}) — delete it to start over") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ConvtextError(f"{path}: not a convtext checkpoint — delete it to start over")
    if meta["run"] != run:
        raise ConvtextError(
            f"{path}: this checkpoint was written by a run with other data or settings — "
            "train without --resume (it is overwritten) or with the same data and options"
        )
    model = {name[6:]: t for name, t in tensors.items() if name.startswith("model.")}
    best = {name[5:]: t for name, t in tensors.items() if name.startswith("best.")} or None
    slots: dict[int, dict] = {}
    for name, tensor in tensors.items():
        if name.startswith("optimizer."):
            _, param, slot = name.split(".", 2)
            slots.setdefault(int(param), {})[slot] = tensor
    optimizer = {"state": slots, "param_groups": meta["optimizer"]["param_groups"]}
    return CheckpointState(
        epoch=meta["epoch"], finished=meta["finished"], model=model, best=best, optimizer=optimizer,
        scheduler=meta["scheduler"], numpy_rng=meta["numpy_rng"], torch_rng=tensors["rng.torch"],
        progress=meta["progress"],
    )  # fmt: skip


def stage_checkpoint(folder: Path | None, stage: str, resume: bool) -> dict:
    """``run``'s ``checkpoint`` and ``resume`` for one stage of a training (``train``, ``member-0``, ``round-2``...):
    its own file in ``folder``; nothing without a folder."""
    return {"checkpoint": folder / f"{stage}.safetensors", "resume": resume} if folder is not None else {}


def _is_checkpoint(path: Path) -> bool:
    try:
        with safe_open(str(path), framework="pt") as handle:
            return json.loads((handle.metadata() or {}).get("convtext", "null") or "null").get("format") == FORMAT
    except (SafetensorError, OSError, ValueError, AttributeError):
        return False


def remove_checkpoints(folder: Path) -> None:
    """Delete the convtext checkpoints in ``folder``, and what killed writes left there (then the folder, once
    empty); other files are left alone."""
    if not folder.is_dir():
        return
    remove_dead_leftovers(folder)
    for path in folder.glob("*.safetensors"):
        if _is_checkpoint(path):
            path.unlink()
    if not any(folder.iterdir()):
        folder.rmdir()
