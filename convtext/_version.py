"""The installed package's version (one place, imported by everything that records it)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("convtext")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"
