"""Continuous ingest: poll feeds on their own intervals and write each window's new articles as Avro files.

Every window (default 60 s) the driver runs one bounded Beam job of the ingest pipeline, the same transforms as
batch, over the feeds that are due and any new files dropped into the inbox folder. Each job writes its own
complete files (atomically) and counts as seen everything written before it, within the dedupe horizon, so a
reader tailing the output sees every article exactly once, across windows and across restarts. The champion model
is resolved at every window, so a newly promoted model is used from the next window on, without a restart.

Why not one unbounded Beam pipeline: the runners available in-process here do not execute unbounded pipelines
incrementally (the FnApiRunner runs each stage to completion, so nothing would be written before the stream
ended; Beam 2.77's legacy BundleBasedDirectRunner fails on splittable sources such as ``PeriodicImpulse``, and Prism
must be downloaded). A window-by-window driver gives the same guarantees with the runners we have.
"""

from __future__ import annotations

import json
import logging
import re
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from models.registry import Registry
from pipelines import ingest, storage
from pipelines.sources.feeds import FEED_FILE_SUFFIXES, FeedList, FeedSpec
from pipelines.summary import save_summary, summarize

LOG = logging.getLogger("marsad.stream")
INBOX_SUFFIXES = (*FEED_FILE_SUFFIXES, ".jsonl")


@dataclass
class StreamSettings:
    """What a stream does."""

    feeds: FeedList
    output: str
    registry: str
    poll_interval: float = 60.0
    window: float = 60.0
    duration: float | None = None
    inbox: str | None = None
    dedupe_horizon: float = 7 * 86400.0
    allow_private_networks: bool = False
    beam_args: list[str] = field(default_factory=list)


@dataclass
class WindowReport:
    """What one window did."""

    index: int
    started: float
    seconds: float
    model_version: str
    feeds: int
    inbox_files: int
    counts: dict[str, int]
    fetch_to_readable_max_s: float | None


def _sum(values: dict[str, int], outcome: str) -> int:
    return sum(v for k, v in values.items() if k.startswith("feed/") and k.endswith("/" + outcome))


class InboxWatcher:
    """New or changed files in the inbox folder, each handed out once."""

    def __init__(self, folder: str | None) -> None:
        self.folder = Path(folder) if folder else None
        self._seen: set[tuple[str, float, int]] = set()

    def new_feeds(self) -> list[FeedSpec]:
        if self.folder is None or not self.folder.is_dir():
            return []
        feeds = []
        for path in sorted(self.folder.iterdir()):
            if path.name.startswith(".") or path.suffix.lower() not in INBOX_SUFFIXES or not path.is_file():
                continue
            stat = path.stat()
            key = (path.name, stat.st_mtime, stat.st_size)
            if key in self._seen:
                continue
            self._seen.add(key)
            feed_id = "inbox-" + re.sub(r"[^A-Za-z0-9_.-]", "-", path.stem)[:70]
            feeds.append(FeedSpec(id=feed_id, url=str(path.resolve()), outlet="inbox"))
        return feeds


def _fetch_to_readable(output: str, tag: str) -> float | None:
    """Longest time between an article's fetch and its file becoming readable, over the files of one window."""
    import fastavro

    worst = None
    for path in storage.match(storage.join(output, "articles", "dt=*", f"part-{tag}-*.avro")):
        readable = Path(path).stat().st_mtime
        with open(path, "rb") as fh:
            for record in fastavro.reader(fh):
                delay = readable - record["fetched_at"].timestamp()
                worst = delay if worst is None else max(worst, delay)
    return None if worst is None else round(worst, 2)


def run_stream(
    settings: StreamSettings,
    stop: threading.Event | None = None,
    on_window: Callable[[WindowReport], None] | None = None,
) -> dict[str, Any]:
    """Poll and write window after window until ``duration`` passes or ``stop`` is set; returns the totals.

    A stop request lets the window in progress finish and write its files (nothing is left half done).
    """
    stop = stop or threading.Event()
    session = ingest.new_run_id()
    registry = Registry(settings.registry)
    inbox = InboxWatcher(settings.inbox)
    last_polled: dict[str, float] = {}
    started = time.time()
    windows: list[WindowReport] = []
    totals: dict[str, int] = {}
    index = 0
    while not stop.is_set():
        tick = started + index * settings.window
        if stop.wait(max(0.0, tick - time.time())):
            break
        now = time.time()
        due = [
            f
            for f in settings.feeds.enabled
            if now - last_polled.get(f.id, float("-inf")) >= (f.poll_interval or settings.poll_interval) - 0.5
        ]
        for feed in due:
            last_polled[feed.id] = now
        dropped = inbox.new_feeds()
        model_version = registry.resolve(None)
        values: dict[str, int] = {}
        if due or dropped:
            argv = [
                f"--output={settings.output}",
                f"--registry={settings.registry}",
                f"--model_version={model_version}",
                f"--run_id={session}",
                f"--batch={index}",
                f"--backoff_base={settings.poll_interval}",
                f"--dedupe_horizon={settings.dedupe_horizon}",
                "--runner=FnApiRunner",
                *settings.beam_args,
            ]
            if settings.allow_private_networks:
                argv.append("--allow_private_networks")
            feeds = replace(settings.feeds, feeds=tuple([*due, *dropped]))
            values = ingest.run_in_batches(argv, feeds, feeds_per_batch=0)
        for key, value in values.items():
            totals[key] = totals.get(key, 0) + value
        tag = f"{session}-b{index:03d}"
        report = WindowReport(
            index=index,
            started=tick,
            seconds=round(time.time() - now, 2),
            model_version=model_version,
            feeds=len(due),
            inbox_files=len(dropped),
            counts={o: _sum(values, o) for o in ("seen", "written", "duplicate", "skipped", "dead_letter")},
            fetch_to_readable_max_s=_fetch_to_readable(settings.output, tag) if _sum(values, "written") else None,
        )
        windows.append(report)
        LOG.info(
            "window %d: %d feeds, %d inbox files, model %s, %s, fetch→readable max %s s, took %.1f s",
            index,
            report.feeds,
            report.inbox_files,
            model_version,
            report.counts,
            report.fetch_to_readable_max_s,
            report.seconds,
        )
        if on_window:
            on_window(report)
        index += 1
        if settings.duration is not None and time.time() >= started + settings.duration:
            break
    summary = summarize(
        totals,
        feed_ids=[f.id for f in settings.feeds.enabled],
        run_id=session,
        output=settings.output,
        model_version=windows[-1].model_version if windows else "",
        started_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        finished_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        kind="stream",
    )
    save_summary(summary)
    result = summary.to_dict()
    result["windows"] = [w.__dict__ for w in windows]
    storage.write_atomic(
        storage.join(settings.output, "runs", "windows", f"{session}.json"),
        json.dumps(result["windows"], indent=1).encode("utf-8"),
    )
    return result


def stop_on_signals(stop: threading.Event) -> None:
    """Ctrl-C (or SIGTERM) asks the stream to finish its current window and stop."""

    def _handler(signum: int, frame: Any) -> None:
        LOG.warning("stopping after the current window (signal %d)", signum)
        stop.set()

    signal.signal(signal.SIGINT, _handler)
    signal.signal(signal.SIGTERM, _handler)
