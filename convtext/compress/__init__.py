"""Shrinking a trained TextCNN to a size budget: fewer vocabulary rows (the rarest go), a narrower embedding (the
n-gram scores cut to a lower rank), int8 storage of the embedding and filters; the choice made on validation."""

from ._lowrank import shrunk_textcnn
from ._search import RANKS, Compressed, compress_textcnn, int8_names, round_to_int8
from ._size import folder_bytes, parse_size, shown_size

__all__ = [
    "RANKS", "Compressed", "compress_textcnn", "folder_bytes", "int8_names", "parse_size", "round_to_int8",
    "shown_size", "shrunk_textcnn",
]  # fmt: skip
