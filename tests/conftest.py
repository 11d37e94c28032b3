"""Shared fixtures. Real-model fixtures are session-scoped: loading e5 costs seconds."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before anything imports transformers

import pytest


@pytest.fixture(scope="session")
def e5_model_dir():
    """The converted default model folder (converted once, cached under $PLANKB_MODEL_DIR or ~/.cache)."""
    from index.e5_convert import ensure_default_model

    return ensure_default_model()


@pytest.fixture(scope="session")
def real_embedder(e5_model_dir):
    """The default multilingual-e5-small embedder, loaded once per test session."""
    from index.embedder import load_embedder

    embedder = load_embedder("default")
    embedder.warm_up()
    return embedder


@pytest.fixture
def fake_embedder():
    """Deterministic 64-dim hashed n-gram embedder for logic tests."""
    from index.embedder import FakeEmbedder

    return FakeEmbedder()
