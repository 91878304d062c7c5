"""The ``uncertain`` flow: export the least confident articles as a labeling file that ``retrain`` reads."""

from __future__ import annotations

import csv
import heapq
import json
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger

from flows.params import UncertainParams
from schemas.reader import read_articles

FIELDS = ("id", "title", "text", "label", "predicted", "confidence", "needs_review", "url", "feed_id", "published_at")


def labeling_row(record: dict[str, Any]) -> dict[str, Any]:
    """One row of the labeling file: ``label`` starts as the model's guess, for the analyst to correct."""
    text = "\n".join(t for t in (record["summary"], record.get("body")) if t)
    published = record.get("published_at")
    return {
        "id": record["article_id"],
        "title": record["title"],
        "text": text,
        "label": record["topic"],
        "predicted": record["topic"],
        "confidence": round(record["confidence"], 4),
        "needs_review": record["needs_review"],
        "url": record.get("url"),
        "feed_id": record["feed_id"],
        "published_at": published.isoformat() if published else None,
        "scores": {k: round(v, 4) for k, v in sorted(record["topic_scores"].items(), key=lambda kv: -kv[1])},
    }


def least_confident(params: UncertainParams) -> list[dict[str, Any]]:
    """The ``limit`` least confident articles in the date range (streamed; memory bounded by ``limit``)."""
    records = read_articles(params.output, since=params.since, until=params.until, kind=params.kind)
    if params.needs_review_only:
        records = (r for r in records if r["needs_review"])
    keyed = ((r["confidence"], r["article_id"], r) for r in records)
    return [r for _, _, r in heapq.nsmallest(params.limit, keyed, key=lambda t: (t[0], t[1]))]


def write_labeling_file(rows: list[dict[str, Any]], target: str) -> None:
    """Write rows as JSON Lines, or CSV (scores as JSON) when the target ends in ``.csv``."""
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=[*FIELDS, "scores"])
            writer.writeheader()
            for row in rows:
                writer.writerow({**row, "scores": json.dumps(row["scores"], ensure_ascii=False)})
        return
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


@flow(name="uncertain")
def uncertain(params: UncertainParams) -> dict[str, Any]:
    """Export the least confident articles of a date range for labeling; returns what was written."""
    rows = [labeling_row(r) for r in least_confident(params)]
    write_labeling_file(rows, params.target)
    get_run_logger().info(
        "wrote %d articles for labeling to %s (edit the label column, then `marsad retrain --corrections %s`)",
        len(rows),
        params.target,
        params.target,
    )
    return {
        "target": params.target,
        "articles": len(rows),
        "max_confidence": max((r["confidence"] for r in rows), default=None),
    }
