"""Streaming benchmark: items published over time on a loopback server, streamed through ``marsad stream``.

A publisher adds items to 100 feeds every window (each feed shows its latest 60 items, as real feeds do) until
``--items`` have been published; the stream polls every window. Reports peak memory over the run, throughput,
and per-window latency from publication to the record being readable (measured by a reader tailing the output).

Usage: python -m bench.stream [--items 100000] [--window 10] [--registry DIR] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic import rss_document, synthetic_items  # noqa: E402
from tests.feedserver import Route, serve  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--per-window", type=int, default=1000, help="items published per window")
    parser.add_argument("--registry", default=os.environ.get("MARSAD_REGISTRY", "var/registry"))
    parser.add_argument("--json")
    args = parser.parse_args()

    import logging

    from pipelines.sources.feeds import FeedList, FeedSpec
    from pipelines.stream import StreamSettings, run_stream
    from schemas.reader import read_articles

    logging.basicConfig(level=logging.WARNING)
    items = synthetic_items(args.items, seed=21)
    work = Path(tempfile.mkdtemp(prefix="marsad-stream-bench-"))
    published: dict[str, float] = {}
    shown: dict[int, list[dict[str, str]]] = {k: [] for k in range(args.feeds)}
    done = threading.Event()
    with serve(
        {f"/f{k}": Route(body=rss_document([], "empty").encode(), etag='"0"') for k in range(args.feeds)}
    ) as server:

        def publish() -> None:
            cursor = 0
            while cursor < len(items):
                batch = items[cursor : cursor + args.per_window]
                for n, item in enumerate(batch):
                    feed = (cursor + n) % args.feeds
                    shown[feed] = [item, *shown[feed]][:60]
                now = time.time()
                for feed in {(cursor + n) % args.feeds for n in range(len(batch))}:
                    server.routes[f"/f{feed}"] = Route(
                        body=rss_document(shown[feed], f"f{feed}").encode(), etag=f'"{cursor}-{feed}"'
                    )
                for item in batch:
                    published[item["link"]] = now
                cursor += len(batch)
                time.sleep(args.window)
            done.set()

        first_seen: dict[str, float] = {}

        def tail() -> None:
            seen_files: set[str] = set()
            while not (done.is_set() and len(first_seen) >= len(published)):
                for path in sorted((work / "out" / "articles").rglob("part-*.avro")) if (work / "out").exists() else []:
                    if str(path) in seen_files:
                        continue
                    seen_files.add(str(path))
                    stamp = time.time()
                    for record in read_articles(str(path)):
                        first_seen.setdefault(record["url"], stamp)
                time.sleep(0.5)

        publisher = threading.Thread(target=publish, daemon=True)
        tailer = threading.Thread(target=tail, daemon=True)
        publisher.start()
        tailer.start()
        stop = threading.Event()
        threading.Thread(target=lambda: (done.wait(), time.sleep(args.window * 3), stop.set()), daemon=True).start()
        feeds = FeedList(
            feeds=tuple(FeedSpec(id=f"f{k}", url=server.url(f"/f{k}"), outlet=f"F{k}") for k in range(args.feeds))
        )
        started = time.time()
        result = run_stream(
            StreamSettings(
                feeds=feeds,
                output=str(work / "out"),
                registry=args.registry,
                poll_interval=args.window,
                window=args.window,
                allow_private_networks=True,
            ),
            stop=stop,
        )
        tailer.join(timeout=60)
    seconds = time.time() - started
    latencies = [first_seen[url] - when for url, when in published.items() if url in first_seen]
    summary = {
        "items_published": len(published),
        "items_written": result["totals"]["written"],
        "missing": len(published) - len(latencies),
        "duplicates_dropped": result["totals"]["duplicate"],
        "windows": len(result["windows"]),
        "seconds": round(seconds, 1),
        "new_articles_per_s": round(result["totals"]["written"] / seconds, 1),
        "latency_s": {
            "median": round(statistics.median(latencies), 1),
            "p95": round(sorted(latencies)[int(0.95 * len(latencies))], 1),
            "max": round(max(latencies), 1),
        }
        if latencies
        else None,
        "latency_bound_s": 2 * args.window + 10,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "conservation_ok": result["conservation_ok"],
    }
    print(json.dumps(summary, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps({**summary, "per_window": result["windows"]}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
