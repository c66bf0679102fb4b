"""Where a model named by the user is: a local folder, a built zoo model or a Hugging Face Hub download."""

from __future__ import annotations

from pathlib import Path

from .._errors import ArtifactError, ConvtextError
from ._paths import download, zoo_path
from ._recipes import RECIPES

__all__ = ["model_folder"]


def model_folder(name_or_path: str | Path) -> Path | None:
    """The model folder ``name_or_path`` stands for; ``None`` for ``"minilm"`` (all-MiniLM-L6-v2 is no folder)."""
    path = Path(name_or_path)
    if path.is_dir():
        return path
    name = str(name_or_path)
    if name == "minilm":
        return None
    if name in RECIPES:
        if not zoo_path(name).exists():
            raise ConvtextError(
                f"zoo model {name} is not built yet (built zoo models live in {zoo_path(name).parent}) — build it "
                f"with `convtext zoo build {name}` (`convtext zoo info {name}` says which data it needs)"
            )
        return zoo_path(name)
    if name.count("/") == 1 and not name.startswith((".", "/")):
        return download(name)
    raise ArtifactError(
        f"{name}: no such model folder — it is not a model folder, 'minilm', a zoo name "
        f"({', '.join(sorted(RECIPES))}) or a Hugging Face Hub id (owner/name); give a folder written by "
        "`convtext train -o` or one of those"
    )
