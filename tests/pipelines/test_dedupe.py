from dataclasses import replace

import apache_beam as beam
from apache_beam.testing.util import assert_that

from pipelines.transforms.dedupe import DropDuplicates
from pipelines.transforms.normalize import normalize_article
from tests.pipelines.beam_helpers import fields_equal, in_process_pipeline, scored_as_other
from tests.pipelines.test_normalize import article


def items():
    original = normalize_article(
        article("قمة خليجية في الرياض", "انطلقت القمة اليوم", url="https://a.example/1", feed="a")
    )
    same_url = normalize_article(
        article("قمة خليجية بالرياض", "انطلقت القمة", url="https://www.a.example/1?utm_source=x", feed="b")
    )
    same_url = replace(
        same_url, canonical_url=original.canonical_url, article_id=original.article_id, published_at=2_000_000_000_000
    )
    same_text = normalize_article(
        article("قمة خليجية في الرياض", "انطلقت القمة اليوم", url="https://c.example/9", feed="c")
    )
    other = normalize_article(article("مباراة ودية", "فاز المنتخب", url="https://a.example/2", feed="a"))
    return [
        replace(original, published_at=1_000_000_000_000),
        same_url,
        replace(same_text, published_at=1_500_000_000_000),
        other,
    ]


def test_duplicates_by_url_and_content_are_dropped_and_kept_first():
    with in_process_pipeline() as p:
        out = p | beam.Create(items()) | DropDuplicates(None)
        assert_that(
            out["articles"],
            fields_equal([("a", "https://a.example/1"), ("a", "https://a.example/2")], lambda a: (a.feed_id, a.url)),
            label="Unique",
        )
        assert_that(out["duplicates"], fields_equal([("b",), ("c",)], lambda a: (a.feed_id,)), label="Duplicates")


def write_as_run1(article, folder):
    """Write one article to ``folder`` as run ``run1`` would have."""
    from pipelines.transforms.write_avro import WriteArticles

    written = scored_as_other(replace(article, language="ar"), model_version="m1")
    with in_process_pipeline() as p:
        _ = p | beam.Create([written]) | WriteArticles(str(folder), "run1")


def test_articles_already_in_the_output_are_duplicates(tmp_path):
    # Written under the first item's id but with other content: only the id can match.
    first = replace(items()[0], content_hash="0" * 64)
    write_as_run1(first, tmp_path)
    with in_process_pipeline() as p:
        out = p | beam.Create(items()) | DropDuplicates(str(tmp_path), "run2")
        # Both copies with the written id are dropped; the same text under another link is not in the output yet.
        assert_that(
            out["articles"],
            fields_equal([("https://a.example/2",), ("https://c.example/9",)], lambda a: (a.url,)),
            label="OnlyNew",
        )
    # A retry of the run that wrote the file does not count its own file as seen.
    with in_process_pipeline() as p:
        out = p | beam.Create(items()[:1]) | DropDuplicates(str(tmp_path), "run1")
        assert_that(
            out["articles"], fields_equal([("https://a.example/1",)], lambda a: (a.url,)), label="OwnFileIgnored"
        )


def test_written_keys_come_from_the_sidecar_or_the_file_itself(tmp_path):
    import os

    from pipelines.transforms.dedupe import read_written_keys
    from pipelines.transforms.write_avro import key_index_path

    first = items()[0]
    write_as_run1(first, tmp_path)
    (path,) = [str(f) for f in tmp_path.rglob("*.avro")]
    expected = [("id", first.article_id), ("hash", first.content_hash)]
    assert os.path.exists(key_index_path(path)) and list(read_written_keys(path)) == expected
    os.remove(key_index_path(path))  # as after a crash between the file and its sidecar
    assert list(read_written_keys(path)) == expected
