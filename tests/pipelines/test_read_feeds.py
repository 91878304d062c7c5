import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to

from pipelines.sources.feeds import FeedSpec
from pipelines.sources.http import FetchLimits
from pipelines.sources.state import read_state
from pipelines.transforms.read_feeds import FetchFeedFn, ReadFeeds
from tests.feedserver import Route, serve
from tests.fixtures import feeds
from tests.pipelines.beam_helpers import fields_equal, in_process_pipeline

LIMITS = FetchLimits(allow_private_networks=True, total_timeout=3, read_timeout=1, max_bytes=100_000)


def test_reads_http_and_local_feeds_and_dead_letters_failures(tmp_path):
    local = tmp_path / "local.xml"
    local.write_bytes(feeds.RSS_1256)
    with serve({"/ok": Route(body=feeds.RSS_UTF8.encode(), etag='"e1"'), "/big": Route(body=b"x" * 200_000)}) as s:
        specs = [
            FeedSpec(id="http", url=s.url("/ok"), outlet="H"),
            FeedSpec(id="local", url=str(local), outlet="L"),
            FeedSpec(id="gone", url=s.url("/gone"), outlet="G"),
            FeedSpec(id="big", url=s.url("/big"), outlet="B"),
            FeedSpec(id="nofile", url=str(tmp_path / "none.xml"), outlet="N"),
        ]
        with in_process_pipeline() as p:
            out = p | beam.Create(specs) | ReadFeeds(LIMITS, state_dir=str(tmp_path / "out"))
            assert_that(
                out["fetched"],
                fields_equal(
                    [("http", "ok", True), ("local", "ok", True)], lambda f: (f.feed.id, f.status, len(f.content) > 100)
                ),
                label="FetchedFeeds",
            )
            assert_that(
                out["failed"],
                fields_equal(
                    [
                        ("gone", "fetch", "http_404", "feed"),
                        ("big", "fetch", "too_large", "feed"),
                        ("nofile", "fetch", "not_found", "feed"),
                    ],
                    lambda f: (f.feed_id, f.stage, f.error_kind, f.level),
                ),
                label="FeedFailures",
            )
    state = read_state(str(tmp_path / "out"), "http")
    assert state.etag == '"e1"' and state.failures == 0
    assert read_state(str(tmp_path / "out"), "gone").failures == 1


def test_unchanged_feed_costs_one_304_and_emits_nothing(tmp_path):
    with serve({"/ok": Route(body=feeds.RSS_UTF8.encode(), etag='"e1"')}) as s:
        spec = FeedSpec(id="http", url=s.url("/ok"), outlet="H")
        for expected in ([("http",)], []):
            with in_process_pipeline() as p:
                out = p | beam.Create([spec]) | ReadFeeds(LIMITS, state_dir=str(tmp_path))
                assert_that(out["fetched"], fields_equal(expected, lambda f: (f.feed.id,)), label="Fetched")
                assert_that(out["failed"], equal_to([]), label="NoFailures")
        assert s.hits("/ok") == 2
        assert s.requests[-1][1].get("If-None-Match") == '"e1"'


def test_repeatedly_failing_feed_is_backed_off(tmp_path):
    with serve({}) as s:
        spec = FeedSpec(id="down", url=s.url("/down"), outlet="D")
        fn = FetchFeedFn(LIMITS, str(tmp_path))
        fn.setup()
        first = list(fn.process(spec))
        second = list(fn.process(spec))
        fn.teardown()
        assert first[0].value.error_kind == "http_404"
        assert second[0].value.error_kind == "backed_off"
        assert s.hits("/down") == 1  # the second run did not touch the server
    assert read_state(str(tmp_path), "down").backoff_until > 0


def test_http_client_is_created_once_per_instance(monkeypatch):
    import pipelines.transforms.read_feeds as module

    made = []
    real = module.make_client
    monkeypatch.setattr(module, "make_client", lambda limits: made.append(1) or real(limits))
    fn = FetchFeedFn(LIMITS, None)
    fn.setup()
    with serve({"/a": Route(body=feeds.RSS_UTF8.encode())}) as s:
        for _ in range(3):  # three bundles' worth of elements
            list(fn.process(FeedSpec(id="a", url=s.url("/a"), outlet="A")))
    fn.teardown()
    assert made == [1]


def test_feeds_are_fetched_concurrently_so_a_slow_feed_does_not_hold_up_the_rest(tmp_path):
    routes = {f"/f{i}": Route(body=feeds.RSS_UTF8.encode(), delay=0.5) for i in range(8)}
    routes["/stuck"] = Route(body=b"<rss/>", delay=5)
    with serve(routes) as s:
        specs = [FeedSpec(id=path.strip("/"), url=s.url(path), outlet="O") for path in routes]
        with in_process_pipeline() as p:
            out = p | beam.Create(specs) | ReadFeeds(LIMITS, state_dir=None)
            assert_that(
                out["fetched"], fields_equal([(f"f{i}",) for i in range(8)], lambda f: (f.feed.id,)), label="Fast"
            )
            assert_that(
                out["failed"], fields_equal([("stuck", "timeout")], lambda f: (f.feed_id, f.error_kind)), label="Stuck"
            )
        assert s.max_in_flight > 1
