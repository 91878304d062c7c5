"""Benchmark inputs generated on the fly from the project's own corpus (never committed).

Items are drawn from the corpus with fresh ids and links, their sentences shuffled, so a run of N items holds N
distinct articles. They are written as RSS 2.0 feed files (plus a ``feeds.yaml``) and as JSON Lines.

Usage: python -m bench.synthetic --items 10000 --feeds 20 --out var/bench/10k
"""

from __future__ import annotations

import argparse
import json
import random
import re
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from models.corpus import load_corpus

_SENTENCE = re.compile(r"(?<=[.!؟?])\s+")


def synthetic_items(n: int, seed: int = 7) -> list[dict[str, str]]:
    """``n`` distinct articles derived from the corpus (fresh ids, shuffled sentences, spread-out dates)."""
    rng = random.Random(seed)
    corpus = load_corpus()
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    items = []
    for i in range(n):
        base = corpus[rng.randrange(len(corpus))]
        sentences = _SENTENCE.split(base.text)
        rng.shuffle(sentences)
        items.append(
            {
                "id": f"bench-{i:07d}",
                "title": base.title,
                "text": " ".join(sentences) + f" ({i})",
                "label": base.label,
                "link": f"https://bench.example/{i // 1000}/{i}",
                "published": format_datetime(start + timedelta(minutes=7 * i)),
            }
        )
    return items


def rss_document(items: list[dict[str, str]], title: str) -> str:
    """An RSS 2.0 document holding ``items``."""
    parts = ['<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>', f"<title>{escape(title)}</title>"]
    for it in items:
        parts.append(
            f"<item><title>{escape(it['title'])}</title><link>{escape(it['link'])}</link>"
            f"<guid>{it['id']}</guid><description>{escape(it['text'])}</description>"
            f"<pubDate>{it['published']}</pubDate></item>"
        )
    parts.append("</channel></rss>\n")
    return "".join(parts)


def write_rss(path: Path, items: list[dict[str, str]], title: str) -> None:
    """Write an RSS 2.0 file holding ``items``."""
    path.write_text(rss_document(items, title), encoding="utf-8")


def write_benchmark_set(out: Path, n: int, feeds: int) -> Path:
    """Write ``feeds`` RSS files holding ``n`` items in all, a ``feeds.yaml`` and ``items.jsonl``; returns the YAML."""
    out.mkdir(parents=True, exist_ok=True)
    items = synthetic_items(n)
    lines = ["feeds:"]
    per = (n + feeds - 1) // feeds
    for k in range(feeds):
        chunk = items[k * per : (k + 1) * per]
        if not chunk:
            continue
        write_rss(out / f"feed-{k:03d}.xml", chunk, f"Bench feed {k}")
        lines += [f"  - id: feed-{k:03d}", f"    url: feed-{k:03d}.xml", f"    outlet: Bench outlet {k}"]
    (out / "feeds.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open(out / "items.jsonl", "w", encoding="utf-8") as fh:
        for it in items:
            fh.write(json.dumps(it, ensure_ascii=False) + "\n")
    return out / "feeds.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--out", default="var/bench/feeds")
    args = parser.parse_args()
    print(write_benchmark_set(Path(args.out), args.items, args.feeds))


if __name__ == "__main__":
    main()
