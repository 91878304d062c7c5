"""Reports people can look at: a self-contained HTML page over an output folder, and its markdown summary.

Everything is computed in one streaming pass over the articles (counters and a bounded heap), so a report over
millions of records needs little memory. Charts are drawn with matplotlib and embedded as PNG data URIs; every
piece of text that comes from an article is HTML-escaped.
"""

from __future__ import annotations

import base64
import heapq
import io
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html import escape
from itertools import combinations
from typing import Any

from models.taxonomy import load_taxonomy
from pipelines import storage
from schemas.reader import read_articles


@dataclass
class ReportData:
    """What a report shows."""

    output: str
    articles: int = 0
    per_day_topic: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    topics: Counter[str] = field(default_factory=Counter)
    pairs: dict[str, Counter[tuple[str, str]]] = field(default_factory=lambda: defaultdict(Counter))
    countries: Counter[str] = field(default_factory=Counter)
    organizations: Counter[str] = field(default_factory=Counter)
    confidences: list[float] = field(default_factory=list)
    lowest: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)
    feeds: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    runs: int = 0


def collect(
    output: str, *, since: str | None = None, until: str | None = None, lowest: int = 20, kind: str = "articles"
) -> ReportData:
    """Gather the report's numbers from an output folder (articles and run summaries)."""
    data = ReportData(output=output)
    bins = [0] * 20
    for record in read_articles(output, since=since, until=until, kind=kind):
        data.articles += 1
        day = (record["published_at"] or record["fetched_at"]).strftime("%Y-%m-%d")
        topic = record["topic"]
        data.per_day_topic[day][topic] += 1
        data.topics[topic] += 1
        countries = sorted(set(record["countries"]))
        data.countries.update(countries)
        data.organizations.update(record["organizations"])
        for pair in combinations(countries, 2):
            data.pairs[topic][pair] += 1
        bins[min(int(record["confidence"] * 20), 19)] += 1
        entry = (
            -record["confidence"],
            record["article_id"],
            {
                "title": record["title"],
                "feed_id": record["feed_id"],
                "topic": topic,
                "confidence": record["confidence"],
                "scores": sorted(record["topic_scores"].items(), key=lambda kv: -kv[1])[:3],
                "url": record.get("url"),
            },
        )
        if len(data.lowest) < lowest:
            heapq.heappush(data.lowest, entry)
        elif entry > data.lowest[0]:
            heapq.heapreplace(data.lowest, entry)
    data.confidences = [float(b) for b in bins]
    for path in storage.match(storage.join(output, "runs", "*.json")):
        summary = json.loads(storage.read_bytes(path))
        if summary.get("kind", "ingest") not in ("ingest", "stream"):
            continue
        data.runs += 1
        for f in summary.get("feeds", []):
            for key in ("seen", "written", "duplicate", "skipped", "dead_letter", "feed_failed"):
                data.feeds[f["feed_id"]][key] += f.get(key, 0)
    return data


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def charts(data: ReportData) -> dict[str, str]:
    """The report's charts as PNG data URIs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    topics = list(load_taxonomy().ids)
    days = sorted(data.per_day_topic)
    out = {}
    fig, ax = plt.subplots(figsize=(10, 4.5))
    bottom = [0] * len(days)
    colors = plt.get_cmap("tab10")
    for k, topic in enumerate(topics):
        values = [data.per_day_topic[d][topic] for d in days]
        ax.bar(range(len(days)), values, bottom=bottom, label=topic, color=colors(k % 10))
        bottom = [b + v for b, v in zip(bottom, values)]
    step = max(1, len(days) // 15)
    ax.set_xticks(range(0, len(days), step), days[::step], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("articles")
    ax.set_title("Articles per topic per day")
    ax.legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    out["per_day"] = _png(fig)

    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.bar([i / 20 + 0.025 for i in range(20)], data.confidences, width=0.045, color="#3b6ea5")
    ax.set_xlabel("confidence of the primary topic")
    ax.set_ylabel("articles")
    ax.set_title("Confidence histogram")
    out["confidence"] = _png(fig)

    top_orgs = data.organizations.most_common(15)
    fig, ax = plt.subplots(figsize=(6, max(2.0, 0.3 * len(top_orgs) + 1)))
    ax.barh([o for o, _ in reversed(top_orgs)], [n for _, n in reversed(top_orgs)], color="#6a994e")
    ax.set_xlabel("articles naming it")
    ax.set_title("Organizations")
    out["organizations"] = _png(fig)
    return out


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _rate(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def feed_rows(data: ReportData) -> list[list[Any]]:
    """Per-feed totals with dead-letter and duplicate rates."""
    rows = []
    for feed_id, c in sorted(data.feeds.items()):
        seen = c["seen"] or 0
        rows.append(
            [
                feed_id,
                seen,
                c["written"],
                c["duplicate"],
                _rate(c["duplicate"], seen),
                c["dead_letter"],
                _rate(c["dead_letter"], seen),
                c["feed_failed"],
            ]
        )
    return rows


def render_html(data: ReportData, images: dict[str, str]) -> str:
    """The self-contained HTML page."""
    pair_rows = [
        [topic, f"{a} – {b}", n]
        for topic in load_taxonomy().ids
        for (a, b), n in data.pairs.get(topic, Counter()).most_common(5)
    ]
    lowest = sorted(data.lowest, reverse=True)
    low_rows = [
        [
            f"{e['confidence']:.3f}",
            e["topic"],
            e["feed_id"],
            e["title"],
            ", ".join(f"{t} {p:.2f}" for t, p in e["scores"]),
        ]
        for _, _, e in lowest
    ]
    topic_rows = [[t, load_taxonomy()[t].en, load_taxonomy()[t].ar, data.topics.get(t, 0)] for t in load_taxonomy().ids]
    feed_table = _table(
        ["feed", "seen", "written", "duplicates", "dup. rate", "dead letters", "dead-letter rate", "feed failures"],
        feed_rows(data),
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Marsad report</title>
<style>
body{{font-family:system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}}
table{{border-collapse:collapse;margin:0.5em 0 1.5em}}
td,th{{border:1px solid #ccc;padding:4px 8px;font-size:13px;text-align:start}}
th{{background:#f3f3f3}}img{{max-width:100%}}td:nth-child(4){{unicode-bidi:plaintext}}
</style></head>
<body>
<h1>Marsad report</h1>
<p>{data.articles} articles in <code>{escape(data.output)}</code>; {data.runs} runs.</p>
<h2>Articles per topic per day</h2><img class="chart" alt="articles per topic per day" src="{images["per_day"]}">
{_table(["topic", "English", "Arabic", "articles"], topic_rows)}
<h2>Top country pairs per topic</h2>{_table(["topic", "pair", "articles"], pair_rows)}
<h2>Organizations</h2><img class="chart" alt="organizations" src="{images["organizations"]}">
<h2>Confidence</h2><img class="chart" alt="confidence histogram" src="{images["confidence"]}">
<h2>Feeds: duplicates and dead letters</h2>{feed_table}
<h2>Lowest-confidence articles</h2>{_table(["confidence", "topic", "feed", "title", "top scores"], low_rows)}
<script>
window.addEventListener("load", function () {{
  var charts = document.querySelectorAll("img.chart");
  var ok = Array.prototype.filter.call(charts, function (i) {{ return i.naturalWidth > 0; }});
  document.body.setAttribute("data-charts-loaded", String(ok.length));
}});
</script>
</body></html>
"""


def render_markdown(data: ReportData) -> str:
    """A short markdown summary of the same numbers (for Prefect artifacts)."""
    lines = [f"# Marsad: {data.articles} articles in {data.output}", "", "| topic | articles |", "|---|---:|"]
    lines += [f"| {t} | {data.topics.get(t, 0)} |" for t in load_taxonomy().ids]
    lines += [
        "",
        "Top countries: " + ", ".join(f"{c} ({n})" for c, n in data.countries.most_common(10)),
        "",
        "Top organizations: " + ", ".join(f"{o} ({n})" for o, n in data.organizations.most_common(10)),
        "",
        "| feed | seen | written | duplicates | dead letters |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {fid} | {c['seen']} | {c['written']} | {c['duplicate']} | {c['dead_letter']} |"
        for fid, c in sorted(data.feeds.items())
    ]
    return "\n".join(lines) + "\n"


def write_report(output: str, target: str, **options: Any) -> ReportData:
    """Collect, draw and write the HTML report; returns the data shown."""
    data = collect(output, **options)
    html = render_html(data, charts(data))
    with open(target, "w", encoding="utf-8") as fh:
        fh.write(html)
    return data
