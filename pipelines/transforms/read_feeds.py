"""ReadFeeds: fetch each feed document (HTTP with conditional GET, or a local file) within fixed limits."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import apache_beam as beam
from apache_beam.pvalue import TaggedOutput

from pipelines import accounting
from pipelines.records import Failure, FetchedFeed, now_ms
from pipelines.sources.feeds import FeedSpec
from pipelines.sources.http import FetchError, FetchLimits, fetch, make_client
from pipelines.sources.state import FeedState, read_state, write_state
from pipelines.transforms.failures import ToFailures

FAILED = "failed"


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of transient fetch failures (timeouts, connection errors, HTTP 5xx and 429) within one run."""

    attempts: int = 2
    base_delay: float = 0.5


def read_local(feed: FeedSpec, limits: FetchLimits) -> bytes:
    """Read a local feed file, refusing one larger than the byte limit."""
    path = Path(feed.url)
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise FetchError("too_large", f"{path} is {size} bytes, over the {limits.max_bytes} limit")
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise FetchError("not_found", f"feed file {path} does not exist") from exc
    except IsADirectoryError as exc:
        raise FetchError("not_found", f"feed path {path} is a folder, not a feed file") from exc
    except PermissionError as exc:
        raise FetchError("unreadable", f"feed file {path} cannot be read: {exc}") from exc


class FetchFeedFn(beam.DoFn):  # type: ignore[misc]
    """Fetch one feed; emits a ``FetchedFeed`` or, on the ``failed`` output, a feed-level ``Failure``.

    The HTTP client is created once per DoFn instance in ``setup()``. Per-feed state (conditional GET
    validators, failure streak) is read before and written after each fetch when ``state_dir`` is set.
    """

    def __init__(self, limits: FetchLimits, state_dir: str | None, retry: RetryPolicy = RetryPolicy()) -> None:
        self.limits = limits
        self.state_dir = state_dir
        self.retry = retry
        self._client: Any = None

    def setup(self) -> None:
        self._client = make_client(self.limits)

    def teardown(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _fetch_http(self, feed: FeedSpec, state: FeedState) -> Any:
        conditional = state.url == feed.url
        for attempt in range(1, self.retry.attempts + 1):
            try:
                return fetch(
                    self._client,
                    feed.url,
                    self.limits,
                    etag=state.etag if conditional else None,
                    last_modified=state.last_modified if conditional else None,
                )
            except FetchError as exc:
                if not exc.transient or attempt == self.retry.attempts:
                    raise
                time.sleep(self.retry.base_delay * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    def fetch_one(self, feed: FeedSpec) -> tuple[Any, str | None]:
        """Fetch one feed: ``(output, outcome counter)``; safe to call from several threads at once.

        Beam metrics are only counted on the bundle's own thread, so the outcome is returned, not counted here.
        """
        now = time.time()
        state = read_state(self.state_dir, feed.id) if self.state_dir and not feed.is_local else FeedState()
        if state.backoff_until > now:
            until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(state.backoff_until))
            message = (
                f"feed {feed.id} failed {state.failures} times in a row (last: {state.last_error}); "
                f"skipped until {until}"
            )
            failure = Failure(
                stage="fetch",
                error_kind="backed_off",
                message=message,
                feed_id=feed.id,
                source_url=feed.url,
                payload=b"",
                level="feed",
            )
            return TaggedOutput(FAILED, failure), None
        try:
            if feed.is_local:
                content, content_type, status, url = read_local(feed, self.limits), "", 200, feed.url
            else:
                response = self._fetch_http(feed, state)
                content, content_type, status, url = (
                    response.content,
                    response.content_type,
                    response.status,
                    response.url,
                )
                if self.state_dir:
                    write_state(
                        self.state_dir,
                        feed.id,
                        state.after_success(
                            url=feed.url, etag=response.etag, last_modified=response.last_modified, now=now
                        ),
                    )
        except FetchError as exc:
            if self.state_dir and not feed.is_local:
                write_state(
                    self.state_dir, feed.id, state.after_failure(f"{exc.kind}: {exc}", now, self.limits.backoff_base)
                )
            failure = Failure(
                stage="fetch",
                error_kind=exc.kind,
                message=str(exc),
                feed_id=feed.id,
                source_url=feed.url,
                payload=b"",
                level="feed",
            )
            return TaggedOutput(FAILED, failure), None
        if status == 304:
            return None, "not_modified"
        fetched = FetchedFeed(
            feed=feed, url=url, status="ok", content=content, content_type=content_type, fetched_at=now_ms()
        )
        return fetched, "fetched"

    def process(self, feed: FeedSpec) -> Iterable[Any]:
        output, outcome = self.fetch_one(feed)
        if outcome:
            accounting.count(feed.id, outcome)
        if output is not None:
            yield output


class FetchFeedBatchFn(FetchFeedFn):
    """Fetch a batch of feeds concurrently (feeds are I/O bound: a slow feed must not hold up the others)."""

    def __init__(self, limits: FetchLimits, state_dir: str | None, threads: int = 16) -> None:
        super().__init__(limits, state_dir)
        self.threads = threads
        self._pool: Any = None

    def setup(self) -> None:
        super().setup()
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="marsad-fetch")

    def teardown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        super().teardown()

    def process(self, feeds: list[FeedSpec]) -> Iterable[Any]:  # type: ignore[override]
        for feed, (output, outcome) in zip(feeds, self._pool.map(self.fetch_one, feeds)):
            if outcome:
                accounting.count(feed.id, outcome)
            if output is not None:
                yield output


class ReadFeeds(beam.PTransform):  # type: ignore[misc]
    """``FeedSpec`` → ``FetchedFeed`` (main) and feed-level ``Failure`` records (``failed``).

    Args:
        limits: Time and size limits of every fetch.
        state_dir: The run's output folder, under which per-feed fetch state is kept; ``None`` keeps no state.
    """

    def __init__(self, limits: FetchLimits, state_dir: str | None, threads: int = 16) -> None:
        super().__init__()
        self.limits = limits
        self.state_dir = state_dir
        self.threads = threads

    def expand(self, feeds: beam.PCollection) -> dict[str, beam.PCollection]:
        result = (
            feeds
            # Spread feeds over workers, then fetch each worker's share a batch at a time, concurrently.
            | "SpreadFeeds" >> beam.Reshuffle()
            | "BatchFeeds" >> beam.BatchElements(min_batch_size=1, max_batch_size=self.threads)
            | "FetchFeeds"
            >> beam.ParDo(FetchFeedBatchFn(self.limits, self.state_dir, self.threads))
            .with_outputs(FAILED, main="fetched")
            .with_exception_handling()
        )
        crashed = result.bad | "UnexpectedFetchErrors" >> ToFailures("fetch")
        return {"fetched": result.fetched, "failed": (result[FAILED], crashed) | "AllFetchFailures" >> beam.Flatten()}
