"""Building blocks of the models: masked pooling over padded text, the n-gram table for fast inference."""

from ._ngram_table import NgramTable, NgramTableCache, offset_contributions, weights_key
from ._pooling import masked_max_over_time, pad_to_min_length, window_mask

__all__ = [
    "NgramTable",
    "NgramTableCache",
    "masked_max_over_time",
    "offset_contributions",
    "pad_to_min_length",
    "weights_key",
    "window_mask",
]
