"""ReadWrittenArticles: articles already written by Marsad (any schema version) back into ``Article`` values."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import apache_beam as beam

from models.classifier import document
from models.text import normalize_text
from pipelines import accounting
from pipelines.records import Article
from schemas.reader import iter_records


def _ms(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


def article_from_record(record: dict[str, Any]) -> Article:
    """An ``Article`` from an Avro record of any schema version (read with the current reader schema)."""
    text = f"{record['summary']}\n{record['body']}" if record.get("body") else record["summary"]
    return Article(
        article_id=str(record["article_id"]),
        feed_id=record["feed_id"],
        outlet=record["outlet"],
        feed_country=record.get("feed_country"),
        url=record.get("url"),
        canonical_url=record.get("canonical_url"),
        title=record["title"],
        summary=record["summary"],
        body=record.get("body"),
        published_at=_ms(record.get("published_at")),
        fetched_at=_ms(record["fetched_at"]) or 0,
        content_hash=record["content_hash"],
        language=record.get("language") or "ar",
        normalized=normalize_text(document(record["title"], text)),
        flags=tuple(record.get("flags") or ()),
    )


def read_file(path: str) -> Iterator[Article]:
    """Every article of one written file; each counts as ``seen`` for its feed."""
    for record in iter_records([path]):
        article = article_from_record(record)
        accounting.count(article.feed_id, "seen")
        yield article


class ReadWrittenArticles(beam.PTransform):  # type: ignore[misc]
    """File paths → ``Article`` values, files spread over workers."""

    def expand(self, paths: beam.PCollection) -> beam.PCollection:
        return paths | "SpreadFiles" >> beam.Reshuffle() | "ReadArticles" >> beam.FlatMap(read_file)
