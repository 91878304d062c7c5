"""Hostile input and faults: fuzzed parsing, private addresses, full disks, and a job killed mid-run."""

import errno
import os
import signal
import subprocess
import sys
import time

import apache_beam as beam
import fastavro
import pytest
from apache_beam.testing.util import assert_that
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.sources.feed_parser import FeedRejected, parse_document
from pipelines.sources.feeds import FeedSpec, load_feed_list
from pipelines.sources.http import FetchLimits
from pipelines.transforms.read_feeds import ReadFeeds
from tests.feedserver import Route, serve
from tests.fixtures import feeds
from tests.pipelines.beam_helpers import fields_equal, in_process_pipeline, scored_as_other

ITEM = st.fixed_dictionaries(
    {"title": st.text(max_size=200), "description": st.text(max_size=500), "link": st.text(max_size=80)}
)


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_parser_never_crashes_on_arbitrary_bytes(data):
    try:
        entries, _ = parse_document(data)
    except FeedRejected as exc:
        assert exc.kind in {"unsafe_xml", "not_a_feed", "malformed_xml"}
        return
    for entry in entries:
        (entry.title + entry.summary).encode("utf-8")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ITEM, max_size=5), st.sampled_from(["utf-8", "windows-1256", "iso-8859-6"]))
def test_parser_reads_generated_feeds_in_any_encoding(items, encoding):
    body = "".join(
        f"<item><title>{_xml_escape(i['title'])}</title><description>{_xml_escape(i['description'])}</description>"
        f"<link>{_xml_escape(i['link'])}</link></item>"
        for i in items
    )
    document = f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>{body}</channel></rss>'
    try:
        raw = document.encode(encoding, errors="replace")
        entries, _ = parse_document(raw)
    except FeedRejected:
        return
    assert len(entries) <= len(items)
    for entry in entries:
        (entry.title + entry.summary).encode("utf-8")
        assert "\x00" not in entry.title


def test_loopback_feeds_are_refused_unless_allowed(tmp_path):
    with serve({"/f": Route(body=feeds.RSS_UTF8.encode())}) as s:
        spec = FeedSpec(id="local-net", url=s.url("/f"), outlet="L")
        with in_process_pipeline() as p:
            out = p | beam.Create([spec]) | ReadFeeds(FetchLimits(total_timeout=3), state_dir=None)
            assert_that(
                out["failed"],
                fields_equal([("local-net", "private_address")], lambda f: (f.feed_id, f.error_kind)),
                label="Refused",
            )
            assert_that(out["fetched"], fields_equal([], lambda f: f), label="NothingFetched")
        assert s.hits("/f") == 0


def test_feed_list_can_allow_private_networks(tmp_path):
    path = tmp_path / "feeds.yaml"
    path.write_text("allow_private_networks: true\nfeeds:\n  - {id: a, url: 'http://127.0.0.1:1/f', outlet: A}\n")
    assert load_feed_list(path).allow_private_networks


def test_full_disk_fails_clearly_and_leaves_no_file(tmp_path, monkeypatch):
    from pipelines.transforms import write_avro
    from pipelines.transforms.normalize import normalize_article
    from tests.pipelines.test_normalize import article

    real_create = write_avro.FileSystems.create

    class FullDisk:
        def __init__(self, handle):
            self.handle, self.written = handle, 0

        def write(self, data):
            self.written += len(data)
            if self.written > 2000:
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.handle.write(data)

        def __getattr__(self, name):
            return getattr(self.handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

    monkeypatch.setattr(write_avro.FileSystems, "create", lambda path, *a, **k: FullDisk(real_create(path, *a, **k)))
    items = [
        scored_as_other(normalize_article(article(f"خبر {i} " * 30, "نص " * 200, url=f"https://x/{i}")))
        for i in range(20)
    ]
    fn = write_avro.WriteAvroFileFn(str(tmp_path), "articles", "marsad.Article", "run")
    rows = [write_avro.article_row(i, "run", 1) for i in items]
    with pytest.raises(OSError, match="No space left"):
        list(fn.process((("2026-01-01", "m", 0), rows)))
    assert list(tmp_path.rglob("*")) == [tmp_path / "articles", tmp_path / "articles" / "dt=2026-01-01"]


@pytest.mark.slow
def test_a_job_killed_mid_run_leaves_no_partial_file_and_the_next_run_writes_each_article_once(
    trained_registry, tmp_path
):
    from bench.synthetic import write_benchmark_set
    from pipelines import ingest
    from schemas.reader import article_files, read_articles

    feeds_yaml = write_benchmark_set(tmp_path / "feeds", 3000, 10)
    output = tmp_path / "out"
    argv = [f"--feeds={feeds_yaml}", f"--output={output}", f"--registry={trained_registry.root}", "--shards=16"]
    code = "import sys; from pipelines import ingest; ingest.run(sys.argv[1:])"
    proc = subprocess.Popen([sys.executable, "-c", code, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if list((output / "articles").rglob("*.avro")) if (output / "articles").exists() else []:
            break
        time.sleep(0.05)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    # Whatever was visible when the job died is complete: every visible file reads to its end.
    for path in article_files(str(output)):
        with open(path, "rb") as fh:
            assert sum(1 for _ in fastavro.reader(fh)) > 0
    ingest.run([*argv, "--shards=2"])
    ids = [r["article_id"] for r in read_articles(str(output))]
    assert len(ids) == len(set(ids)) == 3000
