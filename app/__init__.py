"""capmatch: a capacity-matching marketplace API."""

__version__ = "0.1.0"
