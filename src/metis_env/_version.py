"""The package version (one place, read by the User-Agent header and packaging)."""

__version__ = "0.1.0"
__all__ = ["__version__"]
