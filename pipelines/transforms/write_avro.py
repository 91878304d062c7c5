"""WriteArticles and WriteDeadLetters: Hive-partitioned Avro files that appear only when complete.

Layout: ``<output>/<kind>/dt=YYYY-MM-DD/part-<run>[-b<batch>]-<window>-<model>-<shard>.avro``. Each file is
written under a hidden temporary name in the same folder and renamed into place when closed, so a reader (or a
crash) never sees half a file; names are deterministic, so a retried bundle replaces its own file instead of adding
a copy.
Files carry ``schema.version``, ``model.version``, ``taxonomy.version`` and ``run.id`` in their header metadata.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import apache_beam as beam
import fastavro
from apache_beam.io.filesystems import FileSystems
from apache_beam.transforms.window import GlobalWindow

import schemas
from models.taxonomy import load_taxonomy
from pipelines import accounting, storage
from pipelines.records import ClassifiedArticle, Failure, article_record, dead_letter_record

CODEC = "deflate"
SYNC_INTERVAL = 64 * 1024
"""Bytes between Avro sync markers: larger blocks compress better; 64 kB still splits well for big readers."""


@dataclass(frozen=True)
class Row:
    """One record on its way to a file, with what the writer needs to place and count it."""

    dt: str
    record: dict[str, Any]
    feed_id: str | None
    outcome: str
    topic: str | None = None
    model_version: str = ""


def key_index_path(path: str) -> str:
    """The hidden sidecar listing the ids and content hashes of an article file (``.<name>.keys``)."""
    folder, name = storage.parent(path), path.replace("\\", "/").rsplit("/", 1)[-1]
    return storage.join(folder, f".{name}.keys")


def partition_date(ms: int | None, fallback_ms: int) -> str:
    """The ``dt=`` partition of a record: its date in UTC, or the fallback's date when unknown."""
    return datetime.fromtimestamp((ms if ms is not None else fallback_ms) / 1000, tz=timezone.utc).strftime("%Y-%m-%d")


def _shard(key: str, shards: int) -> int:
    return int(hashlib.blake2b(key.encode("utf-8"), digest_size=4).hexdigest(), 16) % max(1, shards)


def _window_tag(window: Any) -> str:
    if isinstance(window, GlobalWindow) or not hasattr(window, "start"):
        return "all"
    start = datetime.fromtimestamp(float(window.start), tz=timezone.utc)
    return start.strftime("%Y%m%dT%H%M%S")


class WriteAvroFileFn(beam.DoFn):  # type: ignore[misc]
    """Write one group of rows (a partition, model version and shard) as one complete Avro file."""

    def __init__(self, output: str, kind: str, schema_name: str, run_id: str, file_tag: str | None = None) -> None:
        self.output = output
        self.kind = kind
        self.schema_name = schema_name
        self.run_id = run_id
        self.file_tag = file_tag or run_id

    def process(
        self, keyed: tuple[tuple[str, str, int], Iterable[Row]], window: Any = beam.DoFn.WindowParam
    ) -> Iterator[str]:
        (dt, model_version, shard), rows = keyed
        model_tag = f"-{model_version.split('-')[-1]}" if model_version else ""
        folder = storage.join(self.output, self.kind, f"dt={dt}")
        path = storage.join(folder, f"part-{self.file_tag}-{_window_tag(window)}{model_tag}-{shard:03d}.avro")
        counts: Counter[tuple[str | None, str]] = Counter()
        topics: Counter[str] = Counter()
        keys: list[str] = []

        def records() -> Iterator[dict[str, Any]]:
            for row in rows:
                counts[(row.feed_id, row.outcome)] += 1
                if row.topic:
                    topics[row.topic] += 1
                if "content_hash" in row.record:
                    keys.append(f"{row.record['article_id']}\t{row.record['content_hash']}")
                yield row.record

        storage.ensure_dir(folder)
        tmp = storage.temp_name(path)
        metadata = {
            "schema.version": schemas.current_version(),
            "model.version": model_version,
            "taxonomy.version": str(load_taxonomy().version),
            "run.id": self.run_id,
        }
        try:
            with FileSystems.create(tmp) as fh:
                fastavro.writer(
                    fh,
                    schemas.parsed_schema(self.schema_name),
                    records(),
                    codec=CODEC,
                    sync_interval=SYNC_INTERVAL,
                    metadata=metadata,
                    strict=True,
                )
            storage.finalize(tmp, path)
            if keys:
                # A hidden sidecar with the file's ids and content hashes, so later runs need not decode the file to
                # know what it holds. Written after the file: a crash in between only costs a slower read.
                storage.write_atomic(key_index_path(path), "\n".join(keys).encode("utf-8"))
        except BaseException:
            try:
                FileSystems.delete([tmp])
            except Exception:  # noqa: BLE001 (the temp file may not exist; the original error matters)
                pass
            raise
        # Count only once the file is in place: a record is "written" when a reader can see it.
        for (feed_id, outcome), n in counts.items():
            accounting.count(feed_id, outcome, n)
        for topic, n in topics.items():
            accounting.count_topic(topic, n)
        yield path


class WriteAvroPartitions(beam.PTransform):  # type: ignore[misc]
    """``Row`` → Avro files under ``<output>/<kind>/dt=…/``; outputs the paths written."""

    def __init__(
        self, output: str, kind: str, schema_name: str, run_id: str, shards: int = 1, file_tag: str | None = None
    ) -> None:
        super().__init__()
        self.output = output
        self.kind = kind
        self.schema_name = schema_name
        self.run_id = run_id
        self.shards = shards
        self.file_tag = file_tag

    def expand(self, rows: beam.PCollection) -> beam.PCollection:
        shards = self.shards

        def key(row: Row) -> tuple[tuple[str, str, int], Row]:
            shard_key = str(row.record.get("article_id") or row.record.get("dead_letter_id"))
            return (row.dt, row.model_version, _shard(shard_key, shards)), row

        return (
            rows
            | "KeyByPartition" >> beam.Map(key)
            | "GroupByPartition" >> beam.GroupByKey()
            | "WriteFiles"
            >> beam.ParDo(WriteAvroFileFn(self.output, self.kind, self.schema_name, self.run_id, self.file_tag))
        )


def article_row(item: ClassifiedArticle, run_id: str, taxonomy_version: int) -> Row:
    """A classified article as a row of the ``articles`` output."""
    a = item.article
    return Row(
        dt=partition_date(a.published_at, a.fetched_at),
        record=article_record(item, run_id, taxonomy_version),
        feed_id=a.feed_id,
        outcome="written",
        topic=item.topic,
        model_version=item.model_version,
    )


def failure_row(failure: Failure, run_id: str) -> Row:
    """A failure as a row of the ``dead_letters`` output (feed-level failures are counted apart)."""
    if failure.level == "item":
        outcome = "dead_letter"
    else:
        outcome = "backed_off" if failure.error_kind == "backed_off" else "feed_failed"
    return Row(
        dt=partition_date(failure.occurred_at, failure.occurred_at),
        record=dead_letter_record(failure, run_id),
        feed_id=failure.feed_id,
        outcome=outcome,
    )


class WriteArticles(beam.PTransform):  # type: ignore[misc]
    """``ClassifiedArticle`` → ``<output>/<kind>/dt=…/*.avro`` (schema ``marsad.Article``; kind ``articles``)."""

    def __init__(
        self, output: str, run_id: str, shards: int = 1, kind: str = "articles", file_tag: str | None = None
    ) -> None:
        super().__init__()
        self.output, self.run_id, self.shards, self.kind, self.file_tag = output, run_id, shards, kind, file_tag

    def expand(self, articles: beam.PCollection) -> beam.PCollection:
        run_id, version = self.run_id, load_taxonomy().version
        return (
            articles
            | "ToRows" >> beam.Map(article_row, run_id, version)
            | "Write"
            >> WriteAvroPartitions(self.output, self.kind, schemas.ARTICLE, run_id, self.shards, self.file_tag)
        )


class WriteDeadLetters(beam.PTransform):  # type: ignore[misc]
    """``Failure`` → ``<output>/dead_letters/dt=…/*.avro`` (schema ``marsad.DeadLetter``)."""

    def __init__(self, output: str, run_id: str, file_tag: str | None = None) -> None:
        super().__init__()
        self.output, self.run_id, self.file_tag = output, run_id, file_tag

    def expand(self, failures: beam.PCollection) -> beam.PCollection:
        run_id = self.run_id
        return (
            failures
            | "ToRows" >> beam.Map(failure_row, run_id)
            | "Write"
            >> WriteAvroPartitions(self.output, "dead_letters", schemas.DEAD_LETTER, run_id, file_tag=self.file_tag)
        )
