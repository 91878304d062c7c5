"""DropDuplicates: one article per canonical URL and per normalized content, within a run and across runs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import apache_beam as beam
import fastavro
from apache_beam.io.filesystems import FileSystems
from apache_beam.pvalue import TaggedOutput

from pipelines import accounting, storage
from pipelines.records import Article

DUPLICATE = "duplicate"
_KEYS_SCHEMA = fastavro.parse_schema(
    {
        "type": "record",
        "name": "Article",
        "namespace": "marsad",
        "fields": [{"name": "article_id", "type": "string"}, {"name": "content_hash", "type": "string"}],
    }
)


def articles_pattern(output: str) -> str:
    """Glob of every article file already written under an output folder."""
    return storage.join(output, "articles", "dt=*", "*.avro")


def read_written_keys(path: str) -> Iterator[tuple[str, str]]:
    """Yield ``("id", article_id)`` and ``("hash", content_hash)`` for each record of a written article file."""
    with FileSystems.open(path) as fh:
        for record in fastavro.reader(fh, reader_schema=_KEYS_SCHEMA):
            yield "id", str(record["article_id"])  # the uuid logical type reads back as a UUID object
            yield "hash", record["content_hash"]


def _first(candidates: list[Article]) -> Article:
    # The earliest published copy wins (the likely original); ties break on feed and item, so runs agree.
    return min(candidates, key=lambda a: (a.published_at or 2**62, a.fetched_at, a.feed_id, a.item_key or "", a.url or ""))


class _KeepFirstFn(beam.DoFn):  # type: ignore[misc]
    def process(self, keyed: tuple[str, dict[str, Iterable[Any]]]) -> Iterable[Any]:
        _, groups = keyed
        new = list(groups["new"])
        if not new:
            return
        keep = None if any(True for _ in groups["old"]) else _first(new)
        for article in new:
            if article is keep:
                yield article
            else:
                accounting.count(article.feed_id, "duplicate")
                yield TaggedOutput(DUPLICATE, article)


class DropDuplicates(beam.PTransform):  # type: ignore[misc]
    """``Article`` → unique ``Article`` (``articles``) and the dropped copies (``duplicates``).

    Args:
        output: The output folder whose already-written articles count as seen; ``None`` checks the run only.
        file_tag: The tag in the names of the files this job writes (its run id, plus its batch number when a run
            is split into batches). Files this job wrote itself (a retried attempt) do not count as seen: the
            retry rewrites them under the same names instead.
    """

    def __init__(self, output: str | None, file_tag: str | None = None) -> None:
        super().__init__()
        self.output = output
        self.file_tag = file_tag

    def expand(self, articles: beam.PCollection) -> dict[str, beam.PCollection]:
        patterns = [articles_pattern(self.output)] if self.output else []
        own = f"part-{self.file_tag}-" if self.file_tag else None
        written = (
            articles.pipeline
            | "WrittenFilesPattern" >> beam.Create(patterns)
            | "ListWrittenFiles" >> beam.FlatMap(lambda pattern: [p for p in storage.match(pattern) if not own or own not in p])
            | "SpreadWrittenFiles" >> beam.Reshuffle()
            | "ReadWrittenKeys" >> beam.FlatMap(read_written_keys)
        )
        written_ids = written | "WrittenIds" >> beam.FlatMap(lambda kv: [(kv[1], None)] if kv[0] == "id" else [])
        written_hashes = written | "WrittenHashes" >> beam.FlatMap(lambda kv: [(kv[1], None)] if kv[0] == "hash" else [])

        by_url = (
            {"new": articles | "KeyById" >> beam.Map(lambda a: (a.article_id, a)), "old": written_ids}
            | "GroupById" >> beam.CoGroupByKey()
            | "KeepFirstPerId" >> beam.ParDo(_KeepFirstFn()).with_outputs(DUPLICATE, main="unique")
        )
        by_content = (
            {"new": by_url.unique | "KeyByContent" >> beam.Map(lambda a: (a.content_hash, a)), "old": written_hashes}
            | "GroupByContent" >> beam.CoGroupByKey()
            | "KeepFirstPerContent" >> beam.ParDo(_KeepFirstFn()).with_outputs(DUPLICATE, main="unique")
        )
        duplicates = (by_url[DUPLICATE], by_content[DUPLICATE]) | "AllDuplicates" >> beam.Flatten()
        return {"articles": by_content.unique, "duplicates": duplicates}
