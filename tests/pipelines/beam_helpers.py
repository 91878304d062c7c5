"""Helpers for TestPipeline-based transform tests (always on an explicit in-process runner)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import BeamAssertException


def in_process_pipeline() -> TestPipeline:
    # Named explicitly: Beam's DirectRunner would first try to download the Prism binary.
    return TestPipeline(runner="FnApiRunner")


def scored_as_other(article: Any, model_version: str = "m") -> Any:
    """``article`` as a model sure it is ``other`` would classify it (for tests that only need a written record)."""
    from pipelines.records import ClassifiedArticle

    return ClassifiedArticle(
        article=article,
        topic="other",
        topic_scores={"other": 1.0},
        secondary_topics=(),
        confidence=1.0,
        needs_review=False,
        model_version=model_version,
    )


def fields_equal(
    expected: Iterable[tuple[Any, ...]], project: Callable[[Any], tuple[Any, ...]]
) -> Callable[[list[Any]], None]:
    """A matcher comparing a projection of each element (as a multiset) with ``expected``."""
    wanted = sorted(map(repr, expected))

    def _match(actual: list[Any]) -> None:
        got = sorted(repr(project(a)) for a in actual)
        if got != wanted:
            raise BeamAssertException(f"expected {wanted}, got {got}")

    return _match
