"""Per-feed fetch state kept between runs under the output folder (``<output>/_state/feeds/<feed_id>.json``).

It holds the validators for conditional GET (ETag, Last-Modified) and the failure streak used to back off a feed
that keeps failing. One small file per feed means workers never contend for a shared file, and any Beam
filesystem path works.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from pipelines import storage

BACKOFF_BASE_SECONDS = 60.0
BACKOFF_MAX_SECONDS = 6 * 3600.0


@dataclass(frozen=True)
class FeedState:
    """What Marsad remembers about one feed."""

    etag: str | None = None
    last_modified: str | None = None
    url: str | None = None
    failures: int = 0
    last_error: str | None = None
    backoff_until: float = 0.0
    last_success: float | None = None

    def after_success(self, *, url: str, etag: str | None, last_modified: str | None, now: float) -> FeedState:
        """The state after a successful fetch (200 or 304)."""
        return FeedState(etag=etag, last_modified=last_modified, url=url, last_success=now)

    def after_failure(self, error: str, now: float, base: float = BACKOFF_BASE_SECONDS) -> FeedState:
        """The state after a failed fetch: exponential backoff from ``base`` seconds, doubling per failure, capped."""
        failures = self.failures + 1
        delay = min(base * 2 ** (failures - 1), BACKOFF_MAX_SECONDS)
        return FeedState(
            etag=self.etag,
            last_modified=self.last_modified,
            url=self.url,
            failures=failures,
            last_error=error,
            backoff_until=now + delay,
            last_success=self.last_success,
        )


def state_path(output: str, feed_id: str) -> str:
    """Where a feed's state lives."""
    return storage.join(output, "_state", "feeds", f"{feed_id}.json")


def read_state(output: str, feed_id: str) -> FeedState:
    """A feed's saved state (an empty state when there is none or it is unreadable)."""
    path = state_path(output, feed_id)
    try:
        if not storage.exists(path):
            return FeedState()
        raw: dict[str, Any] = json.loads(storage.read_bytes(path))
        return FeedState(**{k: v for k, v in raw.items() if k in FeedState.__dataclass_fields__})
    except (OSError, ValueError, TypeError):
        return FeedState()


def write_state(output: str, feed_id: str, state: FeedState) -> None:
    """Save a feed's state atomically."""
    storage.write_atomic(state_path(output, feed_id), json.dumps(asdict(state), indent=1).encode("utf-8"))
