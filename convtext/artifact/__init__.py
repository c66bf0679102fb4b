"""The model folder: its format (config.json, model.safetensors, tokenizer.json, README.md, digests.json), the
checks on loading, the model card, and files and folders that are written atomically."""

from .._errors import ArtifactError
from ._atomic import check_output_file, check_output_folder, replaced_atomically, write_atomically
from ._card import front_matter, model_card, usage
from ._digest import DIGESTS, check_digest, record_digest
from ._format import (
    CONFIG,
    MULTITASK,
    TOKENIZER,
    WEIGHTS,
    build_model,
    check_tokenizer_fits,
    config_for,
    read_config,
    read_model,
    read_tokenizer,
    read_weights,
    write_model,
)

__all__ = [
    "CONFIG", "DIGESTS", "MULTITASK", "TOKENIZER", "WEIGHTS", "ArtifactError", "build_model", "check_digest",
    "check_output_file", "check_output_folder", "check_tokenizer_fits", "config_for", "front_matter", "model_card", "read_config",
    "read_model", "read_tokenizer", "read_weights", "record_digest", "replaced_atomically", "usage",
    "write_atomically", "write_model",
]  # fmt: skip
