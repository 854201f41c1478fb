"""Akrites: a shared, confidential SIRT platform for critical open-source software."""

__version__ = "0.1.0"
