"""The text normalisation every convtext tokenizer applies: Unicode NFC, optionally lower-casing."""

from tokenizers import normalizers

__all__ = ["make_normalizer"]


def make_normalizer(lowercase: bool) -> normalizers.Normalizer:
    """NFC makes 'é' typed as one code point or as 'e' + accent the same token; lower-casing is Unicode-aware."""
    if lowercase:
        return normalizers.Sequence([normalizers.NFC(), normalizers.Lowercase()])
    return normalizers.NFC()
