"""The plain-Python ceiling: the ingest work in one loop on one core, no Beam, no orchestration.

Parse every feed file with the same parser, normalize, drop duplicates, classify in batches of 256, tag actors and
write Avro with fastavro. Its articles per second are the ceiling the Beam job is measured against.

Usage: python -m bench.ceiling FEEDS_DIR OUTPUT_DIR [--registry DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

import fastavro
import fastavro.write

import schemas
from models.actors import load_gazetteer
from models.classifier import predict
from models.registry import Registry
from models.taxonomy import load_taxonomy
from pipelines.records import Article, ClassifiedArticle, article_record, now_ms
from pipelines.sources.feed_parser import canonical_url, parse_document
from pipelines.transforms.normalize import detect_language, normalize_article


def run(feeds_dir: Path, output: Path, registry: str) -> dict[str, float]:
    started = time.perf_counter()
    model = Registry(registry).load()
    gazetteer = load_gazetteer()
    version = load_taxonomy().version
    seen_ids: set[str] = set()
    seen_hashes: set[str] = set()
    batch: list[Article] = []
    written = 0
    output.mkdir(parents=True, exist_ok=True)
    out = open(output / "articles.avro", "wb")
    writer = fastavro.write.Writer(out, schemas.parsed_schema(schemas.ARTICLE), codec="deflate")

    def flush() -> None:
        nonlocal written
        predictions = predict(model.pipeline, [a.normalized for a in batch], model.topics)
        for a, p in zip(batch, predictions):
            actors = gazetteer.tag(a.summary, title=a.title)
            item = ClassifiedArticle.scored(
                a, p, model.version, countries=actors.countries, organizations=actors.organizations
            )
            writer.write(article_record(item, "ceiling", version))
        written += len(batch)
        batch.clear()

    for path in sorted(feeds_dir.glob("*.xml")):
        entries, _ = parse_document(path.read_bytes())
        fetched = now_ms()
        for e in entries:
            a = normalize_article(
                Article(
                    article_id="",
                    feed_id=path.stem,
                    outlet=path.stem,
                    feed_country=None,
                    url=e.url,
                    canonical_url=canonical_url(e.url),
                    title=e.title,
                    summary=e.summary,
                    published_at=e.published_at,
                    fetched_at=fetched,
                    flags=e.flags,
                )
            )
            if detect_language(f"{a.title} {a.summary}") != "ar":
                continue
            if a.article_id in seen_ids or a.content_hash in seen_hashes:
                continue
            seen_ids.add(a.article_id)
            seen_hashes.add(a.content_hash)
            batch.append(a)
            if len(batch) >= 256:
                flush()
    if batch:
        flush()
    writer.flush()
    out.close()
    seconds = time.perf_counter() - started
    return {
        "articles": written,
        "seconds": round(seconds, 1),
        "articles_per_s": round(written / seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("feeds_dir", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--registry", default=os.environ.get("MARSAD_REGISTRY", "var/registry"))
    args = parser.parse_args()
    print(json.dumps(run(args.feeds_dir, args.output, args.registry)))


if __name__ == "__main__":
    main()
