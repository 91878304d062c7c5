import os

import apache_beam as beam
import fastavro
from apache_beam.testing.util import assert_that

import schemas
from pipelines.records import ClassifiedArticle, Failure
from pipelines.transforms.normalize import normalize_article
from pipelines.transforms.write_avro import WriteArticles, WriteDeadLetters, partition_date
from schemas.reader import read_articles, read_dead_letters
from tests.pipelines.beam_helpers import fields_equal, in_process_pipeline
from tests.pipelines.test_normalize import article


def classified(i: int, published: int | None) -> ClassifiedArticle:
    a = normalize_article(article(f"خبر رقم {i}", "نص الخبر", url=f"https://n.example/{i}"))
    from dataclasses import replace

    a = replace(a, published_at=published, language="ar", flags=("no_date",) if published is None else ())
    return ClassifiedArticle(
        article=a,
        topic="other",
        topic_scores={"other": 0.8, "bilateral_relations": 0.2},
        secondary_topics=("bilateral_relations",),
        confidence=0.8,
        needs_review=False,
        model_version="20260101T000000-abc123",
        countries=("SAU",),
        organizations=("GCC",),
    )


def test_partition_date_falls_back_to_fetch_time():
    assert partition_date(1_762_239_600_000, 0) == "2025-11-04"
    assert partition_date(None, 1_700_000_000_000) == "2023-11-14"


def test_articles_are_written_to_date_partitions_and_read_back(tmp_path):
    out = str(tmp_path)
    items = [classified(1, 1_762_239_600_000), classified(2, 1_762_239_600_000), classified(3, None)]
    with in_process_pipeline() as p:
        paths = p | beam.Create(items) | WriteArticles(out, "run-1")
        assert_that(
            paths, fields_equal([("dt=2023-11-14",), ("dt=2025-11-04",)], lambda path: (path.split(os.sep)[-2],))
        )
    files = sorted((tmp_path / "articles").rglob("*.avro"))
    assert [f.parent.name for f in files] == ["dt=2023-11-14", "dt=2025-11-04"]
    assert not [f for f in (tmp_path / "articles").rglob("*") if ".tmp-" in f.name]  # no temp files left
    assert len(list((tmp_path / "articles").rglob(".*.avro.keys"))) == 2  # one key sidecar per file
    with open(files[1], "rb") as fh:
        reader = fastavro.reader(fh)
        assert reader.metadata["avro.codec"] == "deflate"
        assert reader.metadata["schema.version"] == schemas.current_version()
        assert reader.metadata["model.version"] == "20260101T000000-abc123"
        assert reader.metadata["run.id"] == "run-1"
        records = list(reader)
    for record in records:
        assert fastavro.validate(record, schemas.parsed_schema(schemas.ARTICLE), raise_errors=True)
    back = sorted(read_articles(out), key=lambda r: r["title"])
    assert [r["title"] for r in back] == ["خبر رقم 1", "خبر رقم 2", "خبر رقم 3"]
    assert back[2]["published_at"] is None and back[2]["flags"] == ["no_date"]
    assert back[0]["countries"] == ["SAU"] and back[0]["organizations"] == ["GCC"]


def test_dead_letters_are_written(tmp_path):
    failure = Failure(
        stage="parse",
        error_kind="empty_item",
        message="entry has neither title nor text",
        feed_id="f",
        source_url="https://n.example/x",
        payload=b'{"link": "x"}',
        occurred_at=1_762_239_600_000,
    )
    with in_process_pipeline() as p:
        _ = p | beam.Create([failure]) | WriteDeadLetters(str(tmp_path), "run-1")
    (record,) = read_dead_letters(str(tmp_path))
    assert (record["stage"], record["error_kind"], record["feed_id"], record["payload"]) == (
        "parse",
        "empty_item",
        "f",
        b'{"link": "x"}',
    )


def test_unwritable_output_fails_without_partial_files(tmp_path):
    import pytest

    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "articles").write_text("a file where a folder should be")
    with pytest.raises(Exception):
        with in_process_pipeline() as p:
            _ = p | beam.Create([classified(1, None)]) | WriteArticles(str(locked), "run-1")
    assert not list(locked.rglob("*.avro"))
