"""Turning unexpected exceptions caught by Beam's ``with_exception_handling`` into dead letters."""

from __future__ import annotations

from typing import Any

import apache_beam as beam

from pipelines.records import Failure, FetchedFeed, payload_of
from pipelines.sources.feeds import FeedSpec


def _feed_of(element: Any) -> tuple[str | None, str | None, str | None]:
    for candidate in (element, getattr(element, "article", None), getattr(element, "feed", None)):
        if candidate is None:
            continue
        feed_id = getattr(candidate, "feed_id", None) or getattr(candidate, "id", None)
        url = getattr(candidate, "url", None)
        key = getattr(candidate, "item_key", None)
        if feed_id:
            return feed_id, url, key
    return None, None, None


def exception_to_failure(bad: tuple[Any, Any], stage: str) -> Failure:
    """Convert one ``(input, error)`` pair from ``with_exception_handling`` into a ``Failure``."""
    element, error = bad
    if isinstance(error, tuple) and len(error) >= 2:
        kind = getattr(error[0], "__name__", str(error[0]))
        message = str(error[1])
    else:
        kind, message = type(error).__name__, str(error)
    feed_id, url, key = _feed_of(element)
    # A whole feed document failing is a feed-level failure (its entries were never counted as seen), not an item's.
    level = "feed" if isinstance(element, FeedSpec | FetchedFeed) else "item"
    return Failure(
        stage=stage,
        error_kind=f"exception_{kind}",
        message=f"unexpected error in {stage}: {message}"[:2000],
        feed_id=feed_id,
        source_url=url,
        item_key=key,
        payload=payload_of(element),
        level=level,
    )


class ToFailures(beam.PTransform):  # type: ignore[misc]
    """``(input, error)`` pairs from ``with_exception_handling`` → ``Failure`` records of one stage."""

    def __init__(self, stage: str) -> None:
        super().__init__()
        self.stage = stage

    def expand(self, bad: beam.PCollection) -> beam.PCollection:
        stage = self.stage
        return bad | "ToFailure" >> beam.FlatMap(exceptions_to_failures, stage)


def exceptions_to_failures(bad: tuple[Any, Any], stage: str) -> list[Failure]:
    """Like :func:`exception_to_failure`, but a failed *batch* gives one failure per element, so none is lost."""
    element, error = bad
    if isinstance(element, list):
        return [exception_to_failure((item, error), stage) for item in element]
    return [exception_to_failure(bad, stage)]
