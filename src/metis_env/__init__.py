"""metis-env: METIS target environments in Python."""

__version__ = "0.1.0"
