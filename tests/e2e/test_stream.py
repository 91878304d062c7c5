"""Streaming: items published over time on a loopback server appear exactly once, within the latency bound."""

import shutil
import threading
import time

import pytest

from models.corpus import load_corpus
from models.registry import Registry
from models.train import train_and_register
from pipelines.sources.feeds import FeedList, FeedSpec
from pipelines.stream import StreamSettings, run_stream
from schemas.reader import read_articles, read_dead_letters
from tests.feedserver import Route, serve

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
POLL, WINDOW = 2.0, 2.0

HEADLINES = [
    ("وزير الخارجية المصري يستقبل نظيره الأردني في القاهرة", "بحث الوزيران العلاقات الثنائية"),
    ("هدنة جديدة في السودان بوساطة سعودية", "أعلن الوسطاء وقفا لإطلاق النار لمدة أسبوع"),
    ("ارتفاع أسعار النفط في الأسواق العالمية", "صعدت العقود الآجلة لخام برنت"),
    ("قافلة مساعدات تصل إلى النازحين في دارفور", "وزع برنامج الأغذية العالمي سلالا غذائية"),
    ("الجزائر تستدعي سفيرها لدى باريس للتشاور", "احتجاجا على تصريحات رسمية فرنسية"),
    ("المنتخب يفوز في تصفيات كأس العالم", "فاز المنتخب الوطني بهدفين دون رد"),
]


def rss(items):
    body = "".join(
        f"<item><title>{t}</title><link>https://s.example/{key}</link><guid>{key}</guid>"
        f"<description>{d}</description><pubDate>Sun, 29 Nov 2026 06:00:00 GMT</pubDate></item>"
        if t
        else f"<item><link>https://s.example/{key}</link></item>"
        for key, t, d in items
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>s</title>{body}</channel></rss>'.encode()


class Tail(threading.Thread):
    """Watch the output like a downstream reader: note when each article first becomes readable."""

    def __init__(self, output):
        super().__init__(daemon=True)
        self.output, self.first_seen, self.stop = output, {}, threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                for record in read_articles(str(self.output)):
                    self.first_seen.setdefault(record["url"], time.time())
            except FileNotFoundError:
                pass
            time.sleep(0.2)


def settings(server, output, registry, duration):
    feeds = FeedList(
        feeds=(FeedSpec(id="a", url=server.url("/a"), outlet="A"), FeedSpec(id="b", url=server.url("/b"), outlet="B"))
    )
    return StreamSettings(
        feeds=feeds,
        output=str(output),
        registry=registry.root,
        poll_interval=POLL,
        window=WINDOW,
        duration=duration,
        allow_private_networks=True,
    )


def test_stream_writes_each_item_once_within_the_latency_bound(trained_registry, tmp_path):
    output = tmp_path / "out"
    published: dict[str, float] = {}
    a_items, b_items = [], []
    with serve({"/a": Route(body=rss([]), etag='"a0"'), "/b": Route(body=rss([]))}) as server:

        def publish(feed, items, key, title, text, route_path):
            items.append((key, title, text))
            server.routes[route_path] = Route(body=rss(items), etag=f'"{route_path}{len(items)}"')
            if title:
                published[f"https://s.example/{key}"] = time.time()

        def publisher():
            publish("a", a_items, "a1", *HEADLINES[0], "/a")
            time.sleep(3)
            publish("a", a_items, "a2", *HEADLINES[1], "/a")
            publish("a", a_items, "broken", "", "", "/a")  # an item with neither title nor text
            server.routes["/b"] = Route(status=503)  # feed b goes down ...
            time.sleep(4)
            publish("a", a_items, "a3", *HEADLINES[2], "/a")
            time.sleep(2)
            b_items.append(("a1", *HEADLINES[0]))  # ... comes back, repeating a story feed a already had
            publish("b", b_items, "b1", *HEADLINES[3], "/b")
            time.sleep(3)
            publish("a", a_items, "a4", *HEADLINES[4], "/a")

        tail = Tail(output)
        tail.start()
        writer = threading.Thread(target=publisher, daemon=True)
        writer.start()
        result = run_stream(settings(server, output, trained_registry, duration=24))
        writer.join()
        time.sleep(0.5)
        tail.stop.set()

    urls = [r["url"] for r in read_articles(str(output))]
    assert sorted(urls) == sorted(published) and len(urls) == len(set(urls))  # each item exactly once
    assert [d["error_kind"] for d in read_dead_letters(str(output)) if d["feed_id"] == "a"] == ["empty_item"] * 1
    assert result["conservation_ok"]
    bound = POLL + WINDOW + 10
    for url, when in published.items():
        assert tail.first_seen[url] - when <= bound, (url, tail.first_seen[url] - when)
    assert any(w["fetch_to_readable_max_s"] is not None for w in result["windows"])


def test_restart_on_the_same_output_writes_no_duplicates(trained_registry, tmp_path):
    output = tmp_path / "out"
    items = [(f"r{i}", *HEADLINES[i]) for i in range(3)]
    with serve({"/a": Route(body=rss(items)), "/b": Route(body=rss(items[:1]))}) as server:
        first = run_stream(settings(server, output, trained_registry, duration=1))
        second = run_stream(settings(server, output, trained_registry, duration=1))
    assert first["totals"]["written"] == 3
    assert second["totals"]["written"] == 0 and second["totals"]["duplicate"] == 4
    assert len(list(read_articles(str(output)))) == 3


def test_stream_on_the_worker_pool_keeps_the_same_worker_processes_for_every_window(trained_registry, tmp_path):
    from dataclasses import replace

    from pipelines.worker_pool import shared_pool

    output = tmp_path / "out"
    items = [(f"p{i}", *HEADLINES[i]) for i in range(4)]
    pool = [proc.pid for proc in shared_pool(2).processes]
    with serve({"/a": Route(body=rss(items[:2])), "/b": Route(body=rss(items[2:]))}) as server:
        pooled = replace(
            settings(server, output, trained_registry, duration=5),
            beam_args=["--runner=pipelines.worker_pool.WarmPoolRunner", "--direct_num_workers=2"],
        )
        result = run_stream(pooled)
    assert len(result["windows"]) >= 2
    assert result["totals"]["written"] == 4 and result["conservation_ok"]
    assert sorted(r["url"] for r in read_articles(str(output))) == [f"https://s.example/p{i}" for i in range(4)]
    assert [proc.pid for proc in shared_pool(2).processes] == pool


def test_a_promoted_model_is_used_from_the_next_window_without_restart(trained_registry, tmp_path):
    registry = Registry(str(tmp_path / "registry"))
    shutil.copytree(trained_registry.root, registry.root)
    old = registry.champion()
    newer = train_and_register([it for n, it in enumerate(load_corpus()) if n % 3], registry).version
    output = tmp_path / "out"
    items = []
    with serve({"/a": Route(body=rss([])), "/b": Route(body=rss([]))}) as server:

        def on_window(report):
            if report.index == 1:
                registry.set_champion(newer)  # what `marsad retrain` does when it promotes
            key = f"m{report.index}"
            items.append((key, *HEADLINES[report.index % len(HEADLINES)]))
            server.routes["/a"] = Route(body=rss(items))

        run_stream(
            StreamSettings(
                feeds=FeedList(feeds=(FeedSpec(id="a", url=server.url("/a"), outlet="A"),)),
                output=str(output),
                registry=registry.root,
                poll_interval=POLL,
                window=WINDOW,
                duration=9,
                allow_private_networks=True,
            ),
            on_window=on_window,
        )
    versions = {r["url"].rsplit("/", 1)[-1]: r["model_version"] for r in read_articles(str(output))}
    assert versions["m0"] == old
    assert all(v == newer for k, v in versions.items() if int(k[1:]) >= 2) and len(versions) >= 3


def test_files_dropped_into_the_inbox_are_ingested_once(trained_registry, tmp_path):
    import json

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    output = tmp_path / "out"
    rows = [
        {"id": f"j{i}", "title": t, "text": d, "url": f"https://inbox.example/{i}", "published": "2026-11-29T06:00:00Z"}
        for i, (t, d) in enumerate(HEADLINES[:3])
    ]

    def drop(report):
        if report.index == 0:
            (inbox / "batch.jsonl").write_text(
                "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{oops\n", encoding="utf-8"
            )
            (inbox / "wire.xml").write_bytes(rss([("w1", *HEADLINES[4])]))

    with serve({"/a": Route(body=rss([])), "/b": Route(body=rss([]))}) as server:
        base = settings(server, output, trained_registry, duration=7)
        result = run_stream(StreamSettings(**{**base.__dict__, "inbox": str(inbox)}), on_window=drop)
    urls = sorted(r["url"] for r in read_articles(str(output)))
    assert urls == sorted([r["url"] for r in rows] + ["https://s.example/w1"])
    assert [d["error_kind"] for d in read_dead_letters(str(output))] == ["empty_item"]  # the line that is not JSON
    assert sum(w["inbox_files"] for w in result["windows"]) == 2
