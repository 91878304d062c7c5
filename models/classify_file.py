"""Classify articles given as JSON lines (``id``, ``title``, ``text``), as ``marsad classify`` does."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import IO, Any

from models.actors import load_gazetteer
from models.classifier import document, predict
from models.registry import LoadedModel


def classify_records(records: list[dict[str, Any]], model: LoadedModel) -> list[dict[str, Any]]:
    """Classify and tag a batch of ``{id, title, text}`` records; returns one output record each."""
    gazetteer = load_gazetteer()
    predictions = predict(model.pipeline, [document(r.get("title"), r.get("text")) for r in records], model.topics)
    out = []
    for record, p in zip(records, predictions):
        actors = gazetteer.tag(record.get("text") or "", title=record.get("title") or "")
        out.append(
            {
                "id": record["id"],
                "topic": p.topic,
                "topics": [p.topic, *p.secondary],
                "scores": p.scores,
                "confidence": p.confidence,
                "needs_review": p.needs_review,
                "countries": list(actors.countries),
                "organizations": list(actors.organizations),
                "model_version": model.version,
            }
        )
    return out


def classify_lines(
    lines: Iterable[str],
    out: IO[str],
    model: LoadedModel,
    *,
    batch_size: int = 256,
    report: Callable[[str], None] = print,
) -> tuple[int, int]:
    """Classify JSON lines in batches, writing one JSON line per readable input.

    Returns:
        The number of articles written and of unreadable lines (each reported with its line number).
    """
    batch: list[dict[str, Any]] = []
    written = bad = 0

    def flush() -> None:
        nonlocal written
        for record in classify_records(batch, model):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        written += len(batch)
        batch.clear()

    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("not a JSON object")
            if record.get("id") in (None, ""):
                raise ValueError("missing id")
            if not isinstance(record.get("title", ""), str) or not isinstance(record.get("text", ""), str):
                raise ValueError("title and text must be strings")
            if not (record.get("title") or record.get("text")):
                raise ValueError("neither title nor text")
        except ValueError as exc:
            bad += 1
            report(f"line {n}: skipped: {exc}")
            continue
        batch.append(record)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    return written, bad
