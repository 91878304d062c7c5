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
