import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that

from pipelines.records import Article
from pipelines.transforms.normalize import DetectLanguage, NormalizeText, detect_language, normalize_article
from tests.pipelines.beam_helpers import fields_equal, in_process_pipeline


def article(title: str, summary: str, url: str | None = "https://n.example/1", feed: str = "f") -> Article:
    return Article(
        article_id="",
        feed_id=feed,
        outlet="O",
        feed_country=None,
        url=url,
        canonical_url=url,
        title=title,
        summary=summary,
        published_at=None,
        fetched_at=1_700_000_000_000,
    )


def test_normalize_sets_text_hash_and_stable_id():
    a = normalize_article(article("وَزِيرُ الخارجيـــة", "يستقبل السفير"))
    b = normalize_article(article("وزير الخارجية", "يستقبل السفير"))
    assert a.normalized.startswith("وزير الخارجيه")
    assert a.content_hash == b.content_hash  # diacritics and tatweel do not change the content
    assert a.article_id == b.article_id  # same URL → same id
    assert normalize_article(article("x", "y", url=None)).article_id != a.article_id


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("وزير الخارجية يستقبل نظيره", "ar"),
        ("UN Security Council meets on Sudan", "und"),
        ("وزیر امور خارجه ایران گفت که این کشور", "fa"),
        ("پاکستان کے وزیر خارجہ نے کہا ہے", "ur"),
        ("وزير الخارجية CNN reported", "ar"),
        ("12345 !!!", "und"),
        ("😀😀", "und"),
    ],
)
def test_detect_language(text, language):
    assert detect_language(text) == language


def test_non_arabic_articles_are_skipped_not_lost():
    items = [article("وزير الخارجية يستقبل نظيره", "بحث الجانبان العلاقات"), article("Markets rally", "Stocks rose")]
    with in_process_pipeline() as p:
        normalized = p | beam.Create(items) | NormalizeText()
        gated = normalized["articles"] | DetectLanguage()
        assert_that(normalized["failed"], fields_equal([], lambda f: f), label="NoFailures")
        assert_that(
            gated["articles"],
            fields_equal([("ar", "وزير الخارجية يستقبل نظيره")], lambda a: (a.language, a.title)),
            label="Arabic",
        )
        assert_that(
            gated["skipped"], fields_equal([("und", "Markets rally")], lambda a: (a.language, a.title)), label="Skipped"
        )
