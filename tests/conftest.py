from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
warnings.filterwarnings("ignore", message=".*apitools.*")

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def prefect_harness():
    """Prefect's real engine on a temporary local API, started once for the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def trained_registry(tmp_path_factory):
    """A registry holding a champion trained on the bundled corpus (once per session)."""
    from models.corpus import load_corpus
    from models.registry import Registry
    from models.train import train_and_register

    registry = Registry(str(tmp_path_factory.mktemp("registry")))
    train_and_register(load_corpus(), registry, promote=True)
    return registry


@pytest.fixture(scope="session")
def champion(trained_registry):
    """The trained champion model, loaded."""
    return trained_registry.load()


@pytest.fixture()
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def ingested(prefect_harness, trained_registry, tmp_path_factory):
    """The output folder of one real ingest flow run over local feed files (shared, read-only for tests)."""
    from flows.ingest import ingest
    from flows.params import IngestParams
    from tests.fixtures import feeds

    root = tmp_path_factory.mktemp("ingested")
    (root / "feeds").mkdir()
    (root / "feeds" / "rss.xml").write_text(feeds.RSS_UTF8, encoding="utf-8")
    (root / "feeds" / "atom.xml").write_text(feeds.ATOM, encoding="utf-8")
    (root / "feeds" / "levant.xml").write_bytes(feeds.RSS_1256)
    (root / "feeds" / "holes.xml").write_bytes(feeds.NO_LINK_NO_TITLE)
    output = root / "out"
    summary = ingest(IngestParams(feeds=str(root / "feeds"), output=str(output), registry=trained_registry.root))
    assert summary["totals"]["written"] == 6
    return output
