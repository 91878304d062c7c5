import apache_beam as beam
from apache_beam.testing.util import assert_that

from pipelines.records import FetchedFeed
from pipelines.sources.feeds import FeedSpec
from pipelines.transforms.parse_entries import ParseEntries
from tests.fixtures import feeds
from tests.pipelines.beam_helpers import fields_equal, in_process_pipeline

FEED = FeedSpec(id="f", url="https://feeds.example/rss", outlet="O", country="SAU")


def fetched(content: bytes, feed_id: str = "f") -> FetchedFeed:
    spec = FeedSpec(id=feed_id, url=FEED.url, outlet="O", country="SAU")
    return FetchedFeed(
        feed=spec, url=spec.url, status="ok", content=content, content_type="", fetched_at=1_700_000_000_000
    )


def test_entries_become_articles_and_bad_documents_dead_letters():
    inputs = [
        fetched(feeds.RSS_UTF8.encode(), "good"),
        fetched(feeds.BILLION_LAUGHS, "lol"),
        fetched(feeds.HTML_PAGE, "html"),
        fetched(feeds.EMPTY_FEED, "empty"),
        fetched(feeds.NO_LINK_NO_TITLE, "holes"),
    ]
    with in_process_pipeline() as p:
        out = p | beam.Create(inputs) | ParseEntries()
        assert_that(
            out["articles"],
            fields_equal(
                [
                    (
                        "good",
                        "وزير الخارجية السعودي يستقبل نظيره الكويتي في الرياض",
                        "https://news.example/politics/101",
                        "SAU",
                    ),
                    ("good", "الهلال يتغلب على النصر بثلاثية في ديربي الرياض", "https://news.example/sport/102", "SAU"),
                    ("holes", "وصل رئيس الوزراء العراقي إلى طهران في زيارة رسمية تستمر يومين", None, "SAU"),
                    ("holes", "بلا رابط: الكويت تستضيف اجتماعا خليجيا", None, "SAU"),
                ],
                lambda a: (a.feed_id, a.title, a.canonical_url, a.feed_country),
            ),
            label="Articles",
        )
        assert_that(
            out["failed"],
            fields_equal(
                [
                    ("lol", "parse", "unsafe_xml", "feed"),
                    ("html", "parse", "not_a_feed", "feed"),
                    ("holes", "parse", "empty_item", "item"),
                ],
                lambda f: (f.feed_id, f.stage, f.error_kind, f.level),
            ),
            label="Failures",
        )


def test_clean_feed_has_no_dead_letters():
    with in_process_pipeline() as p:
        out = p | beam.Create([fetched(feeds.ATOM.encode())]) | ParseEntries()
        assert_that(out["failed"], fields_equal([], lambda f: f), label="NoFailures")
        assert_that(out["articles"], fields_equal([("urn:a1",)], lambda a: (a.item_key,)), label="OneArticle")
