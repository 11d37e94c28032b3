"""Locations and settings shared by the CLI and the app, with their environment overrides."""

from __future__ import annotations

import os
from pathlib import Path

INDEX_ENV = "PLANKB_INDEX"
MODEL_ENV = "PLANKB_MODEL"
DEFAULT_INDEX_DIR = ".index"


def default_index_dir() -> Path:
    """The index directory: ``$PLANKB_INDEX`` if set, else ``.index`` in the working directory."""
    return Path(os.environ.get(INDEX_ENV) or DEFAULT_INDEX_DIR)


def offline() -> None:
    """Make every Hugging Face library refuse network access; models must be local."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
