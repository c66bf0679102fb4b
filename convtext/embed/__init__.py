"""Embeddings: pretrained word vectors from files, vocabulary remapping, and looking inside a table."""

from ._inspect import export_projector, map_figure, nearest, plot_map, project_2d
from ._named import NamedVectors, WordVectors
from ._remap import remap_rows, remap_vocabulary
from ._vectors import VECTOR_FORMATS, VectorTable, detect_vector_format, iter_vectors, load_vectors

__all__ = [
    "VECTOR_FORMATS",
    "NamedVectors",
    "VectorTable",
    "WordVectors",
    "detect_vector_format",
    "export_projector",
    "iter_vectors",
    "load_vectors",
    "map_figure",
    "nearest",
    "plot_map",
    "project_2d",
    "remap_rows",
    "remap_vocabulary",
]
