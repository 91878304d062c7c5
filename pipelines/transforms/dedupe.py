"""DropDuplicates: one article per canonical URL and per normalized content, within a run and across runs."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
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


_DEAD_LETTER_IDS = fastavro.parse_schema(
    {
        "type": "record",
        "name": "DeadLetter",
        "namespace": "marsad",
        "fields": [{"name": "dead_letter_id", "type": "string"}],
    }
)


def articles_pattern(output: str) -> str:
    """Glob of every article file already written under an output folder."""
    return storage.join(output, "articles", "dt=*", "*.avro")


def read_written_keys(path: str) -> Iterator[tuple[str, str]]:
    """Yield ``("id", article_id)`` and ``("hash", content_hash)`` for each record of a written article file.

    The file's key sidecar is read when it exists; otherwise (older outputs, a crash before the sidecar was
    written) the Avro file itself.
    """
    from pipelines.transforms.write_avro import key_index_path

    sidecar = key_index_path(path)
    if storage.exists(sidecar):
        for line in storage.read_bytes(sidecar).decode("utf-8").splitlines():
            article_id, _, content_hash = line.partition("\t")
            yield "id", article_id
            yield "hash", content_hash
        return
    with FileSystems.open(path) as fh:
        for record in fastavro.reader(fh, reader_schema=_KEYS_SCHEMA):
            yield "id", str(record["article_id"])  # the uuid logical type reads back as a UUID object
            yield "hash", record["content_hash"]


def _first(candidates: list[Article]) -> Article:
    # The earliest published copy wins (the likely original); ties break on feed and item, so runs agree.
    return min(
        candidates, key=lambda a: (a.published_at or 2**62, a.fetched_at, a.feed_id, a.item_key or "", a.url or "")
    )


def _keys_of(article: Article) -> list[tuple[tuple[str, str], None]]:
    """The ``(kind, key)`` pairs under which an article can already have been written."""
    return [(("id", article.article_id), None), (("hash", article.content_hash), None)]


class _KeepFirstFn(beam.DoFn):  # type: ignore[misc]
    """Per key: nothing if the key was already written, else the first new element; the rest are duplicates."""

    def __init__(self, choose: Callable[[list[Any]], Any] = _first) -> None:
        self.choose = choose

    def process(self, keyed: tuple[str, dict[str, Iterable[Any]]]) -> Iterable[Any]:
        _, groups = keyed
        new = list(groups["new"])
        if not new:
            return
        keep = None if any(True for _ in groups["old"]) else self.choose(new)
        for element in new:
            if element is keep:
                yield element
            else:
                accounting.count(element.feed_id, "duplicate")
                yield TaggedOutput(DUPLICATE, element)


class ReadWrittenKeys(beam.PTransform):  # type: ignore[misc]
    """Keys of the records already written under ``pattern``, as ``(kind, key)`` pairs from ``read_keys(path)``.

    Files of this job itself, and with a horizon files older than it, are left out. With ``wanted`` (a side input
    of ``((kind, key), None)`` pairs) only those keys are kept, as each file is read: the keys of a large output
    then never pile up anywhere.
    """

    def __init__(
        self,
        pattern: str | None,
        read_keys: Callable[[str], Iterator[tuple[str, str]]],
        file_tag: str | None,
        horizon: float | None,
        wanted: beam.pvalue.AsSideInput | None = None,
    ) -> None:
        super().__init__()
        self.pattern, self.read_keys, self.file_tag, self.horizon = pattern, read_keys, file_tag, horizon
        self.wanted = wanted

    def expand(self, begin: beam.pvalue.PBegin) -> beam.PCollection:
        own = f"part-{self.file_tag}-" if self.file_tag else None
        since = time.time() - self.horizon if self.horizon else None
        paths = (
            begin
            | "FilesPattern" >> beam.Create([self.pattern] if self.pattern else [])
            | "ListFiles"
            >> beam.FlatMap(lambda pattern: [p for p in storage.match(pattern, since) if not own or own not in p])
            | "SpreadFiles" >> beam.Reshuffle()
        )
        if self.wanted is None:
            return paths | "ReadKeys" >> beam.FlatMap(self.read_keys)
        return paths | "ReadKeys" >> beam.FlatMap(_wanted_keys, self.read_keys, self.wanted)


def _wanted_keys(
    path: str, read_keys: Callable[[str], Iterator[tuple[str, str]]], wanted: Mapping[tuple[str, str], None]
) -> Iterator[tuple[str, str]]:
    for kind_key in read_keys(path):
        if kind_key in wanted:
            yield kind_key


class DropDuplicates(beam.PTransform):  # type: ignore[misc]
    """``Article`` → unique ``Article`` (``articles``) and the dropped copies (``duplicates``).

    Args:
        output: The output folder whose already-written articles count as seen; ``None`` checks the run only.
        horizon: Only files written in the last ``horizon`` seconds count (bounded work for long-lived streams);
            ``None`` counts everything ever written.
        file_tag: The tag in the names of the files this job writes (its run id, plus its batch number when a run
            is split into batches). Files this job wrote itself (a retried attempt) do not count as seen: the
            retry rewrites them under the same names instead.
    """

    def __init__(self, output: str | None, file_tag: str | None = None, horizon: float | None = None) -> None:
        super().__init__()
        self.output = output
        self.file_tag = file_tag
        self.horizon = horizon

    def expand(self, articles: beam.PCollection) -> dict[str, beam.PCollection]:
        pattern = articles_pattern(self.output) if self.output else None
        # Only written keys that this job's articles also carry are kept (the new keys are the small side), so a
        # job's memory does not grow with the size of the output.
        new_keys = beam.pvalue.AsDict(articles | "NewKeys" >> beam.FlatMap(_keys_of))
        written = articles.pipeline | "WrittenKeys" >> ReadWrittenKeys(
            pattern, read_written_keys, self.file_tag, self.horizon, wanted=new_keys
        )
        written_ids = written | "WrittenIds" >> beam.FlatMap(lambda kv: [(kv[1], None)] if kv[0] == "id" else [])
        written_hashes = written | "WrittenHashes" >> beam.FlatMap(
            lambda kv: [(kv[1], None)] if kv[0] == "hash" else []
        )

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


def read_dead_letter_ids(path: str) -> Iterator[tuple[str, str]]:
    """Yield ``("id", dead_letter_id)`` for each record of a written dead-letter file."""
    with FileSystems.open(path) as fh:
        for record in fastavro.reader(fh, reader_schema=_DEAD_LETTER_IDS):
            yield "id", str(record["dead_letter_id"])


class DropRepeatedFailures(beam.PTransform):  # type: ignore[misc]
    """Item failures already dead-lettered (same feed, stage, reason and payload) become duplicates.

    A broken item that stays in a feed is seen again at every poll; it is dead-lettered once and counted as a
    duplicate afterwards. Feed-level failures (a feed down, refused, backed off) are events and always pass.
    """

    def __init__(self, output: str | None, file_tag: str | None = None, horizon: float | None = None) -> None:
        super().__init__()
        self.output, self.file_tag, self.horizon = output, file_tag, horizon

    def expand(self, failures: beam.PCollection) -> dict[str, beam.PCollection]:
        pattern = storage.join(self.output, "dead_letters", "dt=*", "*.avro") if self.output else None
        written = failures.pipeline | "WrittenDeadLetters" >> ReadWrittenKeys(
            pattern, read_dead_letter_ids, self.file_tag, self.horizon
        )
        item, feed = failures | "SplitByLevel" >> beam.Partition(lambda f, _: 0 if f.level == "item" else 1, 2)
        kept = (
            {
                "new": item | "KeyByFailure" >> beam.Map(lambda f: (f.key, f)),
                "old": written | "WrittenFailureIds" >> beam.Map(lambda kv: (kv[1], None)),
            }
            | "GroupByFailure" >> beam.CoGroupByKey()
            | "KeepFirstFailure"
            >> beam.ParDo(_KeepFirstFn(lambda new: min(new, key=lambda f: f.occurred_at))).with_outputs(
                DUPLICATE, main="unique"
            )
        )
        return {"failures": (kept.unique, feed) | "AllFailures" >> beam.Flatten(), "duplicates": kept[DUPLICATE]}
