"""Errors convtext raises on bad input: each message names the problem and the fix."""

__all__ = ["ArtifactError", "ConvtextError", "DataError"]


class ConvtextError(Exception):
    """Base class of every error convtext raises on purpose (the CLI prints these as one line)."""


class DataError(ConvtextError, ValueError):
    """A data file or its options cannot be read as labelled texts."""


class ArtifactError(ConvtextError):
    """A model folder is missing, incomplete or corrupted."""
