"""Read Marsad's Avro outputs lazily, with filters and partition pruning.

``read_articles`` yields one dict per article over any number of files and ``dt=`` partitions, reading every
schema version with the current reader schema (fields added later get their defaults). Partitions outside the
date range are never opened.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timezone
from typing import Any
from uuid import UUID

import fastavro
from apache_beam.io.filesystems import FileSystems

import schemas
from pipelines import storage


def _as_date(value: str | date | datetime | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _partition_of(path: str) -> date | None:
    for part in path.replace("\\", "/").split("/"):
        if part.startswith("dt="):
            try:
                return date.fromisoformat(part[3:])
            except ValueError:
                return None
    return None


def article_files(path: str, kind: str = "articles", since: Any = None, until: Any = None) -> list[str]:
    """Avro files of one kind under an output folder (or a single file), pruned to the date range."""
    if path.endswith(".avro"):
        return [path]
    start, end = _as_date(since), _as_date(until)
    files = []
    for candidate in storage.match(storage.join(path, kind, "dt=*", "*.avro")):
        name = candidate.replace("\\", "/").rsplit("/", 1)[-1]
        if name.startswith((".", "_")):
            continue
        day = _partition_of(candidate)
        if day is not None and ((start and day < start) or (end and day > end)):
            continue
        files.append(candidate)
    return files


def iter_records(files: Iterable[str], record_type: str = schemas.ARTICLE) -> Iterator[dict[str, Any]]:
    """Every record of the given files, read with the current schema of ``record_type``."""
    reader_schema = schemas.parsed_schema(record_type)
    for path in files:
        with FileSystems.open(path) as fh:
            for record in fastavro.reader(fh, reader_schema=reader_schema):
                # uuid logical types come back as UUID objects; plain strings are what every consumer wants.
                for key, value in record.items():
                    if isinstance(value, UUID):
                        record[key] = str(value)
                yield record


def read_articles(
    path: str,
    topics: Iterable[str] | None = None,
    since: str | date | datetime | None = None,
    until: str | date | datetime | None = None,
    countries: Iterable[str] | None = None,
    min_confidence: float | None = None,
    kind: str = "articles",
) -> Iterator[dict[str, Any]]:
    """Yield articles written by Marsad, lazily.

    Args:
        path: An output folder (holding ``articles/dt=…/``), or one ``.avro`` file.
        topics: Keep articles whose primary topic is one of these.
        since: Keep articles whose partition date (published date, else fetched date) is on or after this day.
        until: ... on or before this day.
        countries: Keep articles naming at least one of these ISO 3166-1 alpha-3 codes.
        min_confidence: Keep articles whose confidence is at least this.
        kind: The folder of articles under ``path`` (``articles``, or a reclassified ``articles_v<model>``).

    Yields:
        One dict per article, in the current ``marsad.Article`` schema.
    """
    wanted_topics = set(topics) if topics else None
    wanted_countries = set(countries) if countries else None
    start, end = _as_date(since), _as_date(until)
    for record in iter_records(article_files(path, kind, start, end)):
        if wanted_topics is not None and record["topic"] not in wanted_topics:
            continue
        if wanted_countries is not None and not wanted_countries.intersection(record["countries"]):
            continue
        if min_confidence is not None and record["confidence"] < min_confidence:
            continue
        if start or end:
            stamp = record["published_at"] or record["fetched_at"]
            day = stamp.astimezone(timezone.utc).date()
            if (start and day < start) or (end and day > end):
                continue
        yield record


def read_dead_letters(path: str, since: Any = None, until: Any = None) -> Iterator[dict[str, Any]]:
    """Yield the dead letters written under an output folder."""
    yield from iter_records(article_files(path, "dead_letters", since, until), schemas.DEAD_LETTER)


def to_dataframe(path: str, **filters: Any) -> Any:
    """The articles of :func:`read_articles` (same filters) as a pandas DataFrame with proper dtypes.

    Timestamps are timezone-aware UTC, ``topic`` is a categorical over every taxonomy topic (so empty topics
    still appear in group-bys), ``feed_id`` and ``language`` are categoricals, list and map fields stay Python
    objects.
    """
    import pandas as pd

    from models.taxonomy import load_taxonomy

    frame = pd.DataFrame.from_records(
        list(read_articles(path, **filters)), columns=schemas.field_names(schemas.ARTICLE)
    )
    for column in ("published_at", "fetched_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame["topic"] = pd.Categorical(frame["topic"], categories=list(load_taxonomy().ids))
    for column in ("feed_id", "language", "outlet"):
        frame[column] = frame[column].astype("category")
    frame["confidence"] = frame["confidence"].astype("float64")
    frame["needs_review"] = frame["needs_review"].astype("bool")
    frame["taxonomy_version"] = frame["taxonomy_version"].astype("int32")
    return frame
