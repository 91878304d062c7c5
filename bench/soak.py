"""A bounded soak test: 200 feeds on a loopback server (some broken, slow or hostile), several ingest rounds.

Every round runs the real ``ingest`` flow. Between rounds some feeds publish new items (new ETag) while the rest stay
unchanged (304). Afterwards the conservation equation is checked for every round and feed, every article written
is checked to be unique, and the totals and peak memory are printed.

Usage: python -m bench.soak [--rounds 4] [--feeds 200] [--registry DIR] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from bench.synthetic import rss_document, synthetic_items  # noqa: E402
from tests.feedserver import Route, serve  # noqa: E402

BILLION_LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><rss version="2.0"><channel><item><title>&c;</title></item></channel></rss>"""
XXE = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel>
<item><title>&x;</title></item></channel></rss>"""


def build_routes(n_feeds: int, items_per_feed: int = 8) -> tuple[dict[str, Route], dict[str, list[dict[str, str]]]]:
    """Routes of the soak server and, for the healthy feeds, their current items."""
    kinds = (
        ["good"] * int(n_feeds * 0.75)
        + ["malformed"] * 10
        + ["html"] * 8
        + ["laughs"] * 5
        + ["xxe"] * 5
        + ["bomb"] * 4
        + ["slow"] * 4
        + ["missing"] * 4
        + ["loop"] * 4
        + ["empty"] * 4
    )
    kinds = (kinds + ["good"] * n_feeds)[:n_feeds]
    pool = synthetic_items(len(kinds) * items_per_feed + 2000, seed=11)
    routes: dict[str, Route] = {}
    healthy: dict[str, list[dict[str, str]]] = {}
    for k, kind in enumerate(kinds):
        path = f"/feed/{k:03d}"
        if kind == "good":
            items = pool[k * items_per_feed : (k + 1) * items_per_feed]
            if k % 10 == 0 and k:  # every tenth feed repeats an item of the previous feed: cross-feed duplicates
                items = [*items[:-1], healthy[f"/feed/{k - 1:03d}"][0]]
            if k % 25 == 1:  # and some feeds carry an item with neither title nor text: a dead letter
                items = [
                    *items,
                    {
                        "id": f"broken-{k}",
                        "title": "",
                        "text": "",
                        "link": f"https://soak.example/broken/{k}",
                        "published": items[0]["published"],
                    },
                ]
            healthy[path] = items
            routes[path] = Route(body=rss_document(items, f"soak {k}").encode(), etag=f'"v0-{k}"')
        elif kind == "malformed":
            routes[path] = Route(
                body=rss_document(pool[k * items_per_feed : k * items_per_feed + 3], "x").encode()[:-300]
            )
        elif kind == "html":
            routes[path] = Route(
                body=b"<!doctype html><html><body><p>maintenance</p></body></html>", content_type="text/html"
            )
        elif kind == "laughs":
            routes[path] = Route(body=BILLION_LAUGHS)
        elif kind == "xxe":
            routes[path] = Route(body=XXE)
        elif kind == "bomb":
            routes[path] = Route(body=b"\0" * 30_000_000, gzip=True)
        elif kind == "slow":
            routes[path] = Route(body=rss_document(pool[:2], "slow").encode(), trickle=0.02)
        elif kind == "loop":
            routes[path] = Route(status=302, location=path)
        elif kind == "empty":
            routes[path] = Route(body=b'<rss version="2.0"><channel><title>empty</title></channel></rss>')
        # "missing": no route, the server answers 404
    return routes, healthy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--registry", default=os.environ.get("MARSAD_REGISTRY", "var/registry"))
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()

    from prefect.testing.utilities import prefect_test_harness

    from flows.ingest import ingest
    from flows.params import IngestParams
    from schemas.reader import read_articles

    work = Path(tempfile.mkdtemp(prefix="marsad-soak-"))
    routes, healthy = build_routes(args.feeds)
    fresh = iter(synthetic_items(5000, seed=99)[2000:])
    rounds = []
    with serve(routes) as server, prefect_test_harness(server_startup_timeout=120):
        feed_list = work / "feeds.yaml"
        lines = ["feeds:"] + [
            f"  - {{id: f{k:03d}, url: '{server.url(f'/feed/{k:03d}')}', outlet: 'Soak {k}'}}"
            for k in range(args.feeds)
        ]
        feed_list.write_text("\n".join(lines) + "\n", encoding="utf-8")
        params = IngestParams(
            feeds=str(feed_list),
            output=str(work / "out"),
            registry=args.registry,
            allow_private_networks=True,
            feeds_per_batch=50,
            beam_args=["--fetch_timeout=4"],
        )
        for number in range(args.rounds):
            if number:  # a fifth of the healthy feeds publish two new items
                for path in list(healthy)[number % 5 :: 5]:
                    healthy[path] = [next(fresh), next(fresh), *healthy[path]][:10]
                    route = routes[path]
                    route.body = rss_document(healthy[path], path).encode()
                    route.etag = f'"v{number}-{path}"'
            started = time.perf_counter()
            summary = ingest(params)
            rounds.append(
                {
                    "round": number + 1,
                    "seconds": round(time.perf_counter() - started, 1),
                    "conservation_ok": summary["conservation_ok"],
                    **summary["totals"],
                }
            )
            print(json.dumps(rounds[-1]), flush=True)
    ids = [r["article_id"] for r in read_articles(str(work / "out"))]
    totals = Counter()
    for r in rounds:
        totals.update({k: v for k, v in r.items() if isinstance(v, int) and k != "round"})
    result = {
        "feeds": args.feeds,
        "rounds": rounds,
        "totals": dict(totals),
        "articles_in_output": len(ids),
        "unique_articles": len(set(ids)),
        "all_rounds_conserved": all(r["conservation_ok"] for r in rounds),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps({k: v for k, v in result.items() if k != "rounds"}, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2), encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)
    if not result["all_rounds_conserved"] or len(ids) != len(set(ids)):
        raise SystemExit("soak FAILED: conservation or uniqueness broken")


if __name__ == "__main__":
    main()
