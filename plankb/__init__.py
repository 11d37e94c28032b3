"""plankb: an offline knowledge base and search engine for Chinese plan documents."""

__version__ = "0.1.0"
