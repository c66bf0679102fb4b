"""Building blocks of the models: masked pooling over padded text, the n-gram table for fast inference, embedding
tables."""

from ._ngram_table import NgramTable, NgramTableCache, weights_key, window_rows
from ._pooling import masked_max_over_time, max_over_valid_windows, pad_to_min_length, window_mask
from ._tables import embedding_table
from ._window_maxima import window_maxima

__all__ = [
    "NgramTable",
    "NgramTableCache",
    "embedding_table",
    "masked_max_over_time",
    "max_over_valid_windows",
    "pad_to_min_length",
    "weights_key",
    "window_mask",
    "window_maxima",
    "window_rows",
]
