"""Reading throughput and memory of ``schemas.reader.read_articles`` over a large output folder.

Writes N synthetic article records (valid ``marsad.Article``, spread over 30 daily partitions and 100 files) once,
then reads them back with a topic filter in a fresh process and reports records per second and peak RSS.

Usage: python -m bench.read [--records 1000000] [--work var/bench/read]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import fastavro

import schemas
from models.taxonomy import load_taxonomy


def write_records(folder: Path, n: int, files: int = 100) -> None:
    rng = random.Random(3)
    topics = load_taxonomy().ids
    start = datetime(2026, 10, 1, tzinfo=timezone.utc)
    schema = schemas.parsed_schema(schemas.ARTICLE)
    per = n // files
    for f in range(files):
        day = start + timedelta(days=f % 30)
        target = folder / "articles" / f"dt={day:%Y-%m-%d}"
        target.mkdir(parents=True, exist_ok=True)

        def records(f: int = f, day: datetime = day):
            for i in range(per):
                topic = rng.choice(topics)
                yield {
                    "article_id": str(uuid.UUID(int=f * per + i)),
                    "url": f"https://b.example/{f}/{i}",
                    "canonical_url": None,
                    "feed_id": f"feed-{f % 20}",
                    "outlet": "Bench",
                    "feed_country": None,
                    "title": "عنوان خبر تجريبي عن العلاقات بين البلدين",
                    "summary": "نص الخبر " * 20,
                    "body": None,
                    "language": "ar",
                    "published_at": day,
                    "fetched_at": day,
                    "run_id": "bench",
                    "content_hash": f"{f}-{i}",
                    "topic": topic,
                    "topic_scores": {t: 0.1 for t in topics},
                    "secondary_topics": [],
                    "confidence": rng.random(),
                    "needs_review": False,
                    "countries": ["SAU", "KWT"],
                    "organizations": ["GCC"],
                    "model_version": "bench",
                    "taxonomy_version": 1,
                    "flags": [],
                    "dateline": None,
                }

        with open(target / f"part-bench-{f:03d}.avro", "wb") as fh:
            fastavro.writer(fh, schema, records(), codec="deflate", sync_interval=64 * 1024)


READ_SNIPPET = """
import json, resource, sys, time
from schemas.reader import read_articles
started = time.perf_counter()
total = matched = 0
for _ in read_articles(sys.argv[1], topics=["conflict_security"]):
    matched += 1
seconds = time.perf_counter() - started
print(json.dumps({"matched": matched, "seconds": round(seconds, 1),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--work", default="var/bench/read")
    args = parser.parse_args()
    folder = Path(args.work) / f"out-{args.records}"
    if not (folder / "articles").exists():
        started = time.perf_counter()
        write_records(folder, args.records)
        print(f"wrote {args.records} records in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    proc = subprocess.run([sys.executable, "-c", READ_SNIPPET, str(folder)], capture_output=True, text=True, check=True)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["records"] = args.records
    result["records_per_s"] = round(args.records / result["seconds"])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
