"""Shared fixtures. Real-model fixtures are session-scoped: loading e5 costs seconds."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before anything imports transformers

import pytest
from hypothesis import settings

# CI runs a fixed set of generated examples, so a submission never fails on a newly drawn one;
# local runs keep drawing new examples, which is where parser bugs are found.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


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


# ----------------------------------------------------------------------------- app (issue 4)
# Small indexes built with the fake embedder, for the Streamlit views, links and the browser test.

from pathlib import Path  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED_CORPUS = REPO_ROOT / "corpus"
SHARED_CORPUS = REPO_ROOT.parent / "shared" / "corpus"
# Two provincial reports with 托位 targets, for comparing one indicator across documents.
COMPARE_REPORTS = ("reports/2025年北京市政府工作报告.docx", "reports/2025年江苏省政府工作报告.docx")


def build_fake_index(index_dir: Path, paths=(), parsed=()) -> Path:
    """Ingest files and/or already parsed documents into ``index_dir`` and build its indexes."""
    from index.builder import build_indexes
    from index.embedder import FakeEmbedder
    from index.store import Store
    from index.update import ingest_paths

    store = Store(index_dir)
    try:
        if paths:
            ingest_paths(list(paths), store)
        if parsed:
            store.write_batch(list(parsed))
        build_indexes(store, FakeEmbedder())
    finally:
        store.close()
    return index_dir


@pytest.fixture(scope="session")
def fake_index_builder():
    """``build(index_dir, paths=(), parsed=())``: a fake-embedder index of files and parsed documents."""
    return build_fake_index


@pytest.fixture(scope="session")
def seed_corpus() -> Path:
    return SEED_CORPUS


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    """The project's own corpus/ (the Rugao excerpt), indexed with the fake embedder."""
    return build_fake_index(tmp_path_factory.mktemp("seed-index"), [SEED_CORPUS])


@pytest.fixture(scope="session")
def compare_index(tmp_path_factory) -> Path:
    """The seed plus the Beijing and Jiangsu 2025 reports (skipped where ../shared/corpus is absent)."""
    reports = [SHARED_CORPUS / r for r in COMPARE_REPORTS]
    missing = [str(r) for r in reports if not r.is_file()]
    if missing:
        pytest.skip(f"shared corpus not found: {', '.join(missing)}")
    return build_fake_index(tmp_path_factory.mktemp("compare-index"), [SEED_CORPUS, *reports])


@pytest.fixture
def fresh_index(tmp_path) -> Path:
    """A private copy of the seed index that a test may change (uploads, removals)."""
    return build_fake_index(tmp_path / "index", [SEED_CORPUS])


@pytest.fixture
def app_env(monkeypatch, seed_index):
    """Point the app at the seed index with the fake embedder; returns a setter for another index."""
    monkeypatch.setenv("PLANKB_MODEL", "fake")
    monkeypatch.setenv("PLANKB_INDEX", str(seed_index))

    def use(index_dir: Path) -> Path:
        monkeypatch.setenv("PLANKB_INDEX", str(index_dir))
        return index_dir

    return use
