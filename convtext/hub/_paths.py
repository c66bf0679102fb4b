"""Where pretrained models live: the local cache (zoo builds, Hub downloads) and the bundled data of a checkout."""

from __future__ import annotations

import os
from pathlib import Path

from .._errors import ConvtextError

__all__ = ["bundled_data", "cache_dir", "download", "is_built", "zoo_path"]


def cache_dir() -> Path:
    """``$CONVTEXT_CACHE``, else ``~/.cache/convtext``."""
    return Path(os.environ.get("CONVTEXT_CACHE") or Path.home() / ".cache" / "convtext")


def zoo_path(name: str) -> Path:
    """The cache folder of zoo model ``name`` (built or not)."""
    return cache_dir() / "models" / name


def is_built(name: str) -> bool:
    return (zoo_path(name) / "config.json").is_file()


def bundled_data() -> Path | None:
    """The data folder of a source checkout (``data/`` beside the package), if there is one."""
    folder = Path(__file__).resolve().parents[2] / "data"
    return folder if (folder / "kim2014").is_dir() else None


def download(repo_id: str) -> Path:
    """The local copy of Hugging Face Hub repository ``repo_id`` (fetched into the cache when needed)."""
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo_id, cache_dir=cache_dir() / "hub"))
    except Exception as error:  # offline, unknown repo, no access: one clear line
        raise ConvtextError(
            f"could not fetch {repo_id} from the Hugging Face Hub ({type(error).__name__}) — "
            "check the id and the network, or give a local model folder"
        ) from None
