"""The run summary: Beam's accounting metrics turned into per-feed and total counts, checked and saved.

Saved as ``<output>/runs/<run_id>.json``. The conservation equation seen = written + duplicate + skipped +
dead_letter must hold for every feed and in total; ``conservation_ok`` says whether it did.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from apache_beam.metrics.metric import MetricsFilter
from apache_beam.runners.runner import PipelineResult

from pipelines import accounting, storage

COLUMNS = ("seen", *accounting.ITEM_OUTCOMES)


@dataclass
class FeedCounts:
    """Counts for one feed."""

    feed_id: str
    seen: int = 0
    written: int = 0
    duplicate: int = 0
    skipped: int = 0
    dead_letter: int = 0
    fetched: int = 0
    not_modified: int = 0
    empty: int = 0
    feed_failed: int = 0
    backed_off: int = 0
    full_text_failed: int = 0

    @property
    def balanced(self) -> bool:
        """Whether every item seen has exactly one outcome."""
        return self.seen == self.written + self.duplicate + self.skipped + self.dead_letter

    @property
    def status(self) -> str:
        """One word for how fetching the feed went."""
        for name in ("feed_failed", "backed_off", "not_modified", "empty"):
            if getattr(self, name):
                return name
        return "ok" if self.fetched else "-"


@dataclass
class RunSummary:
    """What one run did."""

    run_id: str
    output: str
    model_version: str
    started_at: str
    finished_at: str
    feeds: list[FeedCounts] = field(default_factory=list)
    topics: dict[str, int] = field(default_factory=dict)
    kind: str = "ingest"

    @property
    def totals(self) -> dict[str, int]:
        """Sums over feeds of each count."""
        keys = [k for k in FeedCounts.__dataclass_fields__ if k != "feed_id"]
        return {k: sum(getattr(f, k) for f in self.feeds) for k in keys}

    @property
    def conservation_ok(self) -> bool:
        """Whether the conservation equation holds for every feed (and therefore in total)."""
        return all(f.balanced for f in self.feeds)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, with totals and the conservation check."""
        data = asdict(self)
        data["totals"] = self.totals
        data["conservation_ok"] = self.conservation_ok
        for row, f in zip(data["feeds"], self.feeds):
            row["status"] = f.status
            row["balanced"] = f.balanced
        return data


def counters(result: PipelineResult) -> dict[str, int]:
    """Marsad's counters from a finished pipeline (committed values where the runner has them)."""
    query = result.metrics().query(MetricsFilter().with_namespace(accounting.NAMESPACE))
    values: dict[str, int] = defaultdict(int)
    for counter in query["counters"]:
        value = counter.committed if counter.committed is not None else counter.attempted
        values[counter.key.metric.name] += int(value or 0)
    return dict(values)


def summarize(
    values: dict[str, int],
    *,
    feed_ids: list[str],
    run_id: str,
    output: str,
    model_version: str,
    started_at: str,
    finished_at: str,
    kind: str = "ingest",
) -> RunSummary:
    """Build the summary of a run from its counter values."""
    feeds = {fid: FeedCounts(feed_id=fid) for fid in feed_ids}
    topics: dict[str, int] = {}
    for name, value in values.items():
        family, _, rest = name.partition("/")
        if family == "topic":
            topics[rest] = topics.get(rest, 0) + value
        elif family == "feed":
            feed_id, _, outcome = rest.rpartition("/")
            counts = feeds.setdefault(feed_id, FeedCounts(feed_id=feed_id))
            if outcome in FeedCounts.__dataclass_fields__:
                setattr(counts, outcome, getattr(counts, outcome) + value)
    return RunSummary(
        run_id=run_id,
        output=output,
        model_version=model_version,
        started_at=started_at,
        finished_at=finished_at,
        feeds=sorted(feeds.values(), key=lambda f: f.feed_id),
        topics=dict(sorted(topics.items(), key=lambda kv: -kv[1])),
        kind=kind,
    )


def summary_path(output: str, run_id: str) -> str:
    """Where a run's summary is saved."""
    return storage.join(output, "runs", f"{run_id}.json")


def save_summary(summary: RunSummary) -> str:
    """Write the summary as JSON (atomically); returns its path."""
    path = summary_path(summary.output, summary.run_id)
    storage.write_atomic(path, json.dumps(summary.to_dict(), indent=2, ensure_ascii=False).encode("utf-8"))
    return path
