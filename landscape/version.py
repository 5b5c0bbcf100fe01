"""The harness's version, recorded in every certificate and record."""

__version__ = "0.1.0"
