"""Building blocks of the models: masked pooling over padded text."""

from ._pooling import masked_max_over_time, pad_to_min_length, window_mask

__all__ = ["masked_max_over_time", "pad_to_min_length", "window_mask"]
