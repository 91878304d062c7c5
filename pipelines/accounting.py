"""Beam metrics that account for every input of a run.

Per feed: ``seen`` (entries read from the feed), and each entry's outcome: ``written``, ``duplicate``,
``skipped`` (not Arabic) or ``dead_letter``. The conservation equation seen = written + duplicate + skipped +
dead_letter holds per feed and in total. Feed-level outcomes (``fetched``, ``not_modified``, ``empty``,
``feed_failed``, ``backed_off``) and per-topic counts are kept beside them.
"""

from __future__ import annotations

from apache_beam.metrics import Metrics

NAMESPACE = "marsad"
ITEM_OUTCOMES = ("written", "duplicate", "skipped", "dead_letter")
FEED_OUTCOMES = ("fetched", "not_modified", "empty", "feed_failed", "backed_off", "full_text_failed")


def count(feed_id: str | None, outcome: str, n: int = 1) -> None:
    """Add ``n`` to a feed's counter for ``outcome``."""
    Metrics.counter(NAMESPACE, f"feed/{feed_id or '-'}/{outcome}").inc(n)


def count_topic(topic: str, n: int = 1) -> None:
    """Add ``n`` articles written under ``topic``."""
    Metrics.counter(NAMESPACE, f"topic/{topic}").inc(n)
