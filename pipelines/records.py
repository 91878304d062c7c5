"""Element types that flow between Marsad's transforms, and their one conversion each to an Avro record."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from pipelines.sources.feeds import FeedSpec

ARTICLE_NAMESPACE = uuid.UUID("6f1d7c1e-5a3b-4c7e-9b1a-3e2f4d5c6b7a")


def now_ms() -> int:
    """Current UTC time in epoch milliseconds."""
    return int(datetime.now(timezone.utc).timestamp() * 1000)


def to_datetime(ms: int | None) -> datetime | None:
    """Epoch milliseconds to an aware UTC datetime (``None`` stays ``None``)."""
    return None if ms is None else datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


def article_id_for(canonical_url: str | None, content_hash: str) -> str:
    """The stable article id: UUID v5 of the canonical URL, else of the content hash."""
    return str(uuid.uuid5(ARTICLE_NAMESPACE, canonical_url or f"content:{content_hash}"))


@dataclass(frozen=True)
class FetchedFeed:
    """A feed document fetched in one run (``status`` is ``ok`` or ``not_modified``)."""

    feed: FeedSpec
    url: str
    status: str
    content: bytes
    content_type: str
    fetched_at: int


@dataclass(frozen=True)
class Article:
    """An article parsed from a feed entry, before classification."""

    article_id: str
    feed_id: str
    outlet: str
    feed_country: str | None
    url: str | None
    canonical_url: str | None
    title: str
    summary: str
    published_at: int | None
    fetched_at: int
    content_hash: str = ""
    body: str | None = None
    language: str = ""
    normalized: str = ""
    flags: tuple[str, ...] = ()
    item_key: str | None = None


@dataclass(frozen=True)
class ClassifiedArticle:
    """An article with its topic, scores and actors."""

    article: Article
    topic: str
    topic_scores: dict[str, float]
    secondary_topics: tuple[str, ...]
    confidence: float
    needs_review: bool
    model_version: str
    countries: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    dateline: str | None = None

    @classmethod
    def scored(cls, article: Article, prediction: Any, model_version: str, **actors: Any) -> ClassifiedArticle:
        """``article`` with a model's ``TopicPrediction`` (topic, scores, secondary, confidence, needs_review)."""
        return cls(
            article=article,
            topic=prediction.topic,
            topic_scores=prediction.scores,
            secondary_topics=prediction.secondary,
            confidence=prediction.confidence,
            needs_review=prediction.needs_review,
            model_version=model_version,
            **actors,
        )


@dataclass(frozen=True)
class Failure:
    """An input that could not become an article (a dead letter).

    ``level`` is ``feed`` when a whole feed document failed (fetch or parse) and ``item`` when one entry did;
    only item-level failures count in the per-item conservation equation.
    """

    stage: str
    error_kind: str
    message: str
    feed_id: str | None
    source_url: str | None
    payload: bytes
    level: str = "item"
    item_key: str | None = None
    occurred_at: int = field(default_factory=now_ms)

    @property
    def key(self) -> str:
        """Stable id of an item failure (same feed, stage, reason and input → same id); random for feed failures."""
        if self.level != "item":
            return str(uuid.uuid4())
        digest = hashlib.sha256(self.payload).hexdigest()
        return str(uuid.uuid5(ARTICLE_NAMESPACE, f"failure:{self.feed_id}|{self.stage}|{self.error_kind}|{digest}"))


def payload_of(value: Any, limit: int = 64 * 1024) -> bytes:
    """Serialise a failed input for a dead letter (JSON for records, raw for bytes), capped at ``limit`` bytes."""
    if isinstance(value, bytes):
        data = value
    elif isinstance(value, str):
        data = value.encode("utf-8", "replace")
    else:
        try:
            data = json.dumps(_jsonable(value), ensure_ascii=False, default=str).encode("utf-8")
        except (TypeError, ValueError):
            data = repr(value).encode("utf-8", "replace")
    return data[:limit]


def _jsonable(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {k: _jsonable(getattr(value, k)) for k in value.__dataclass_fields__}
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def article_record(item: ClassifiedArticle, run_id: str, taxonomy_version: int) -> dict[str, Any]:
    """The Avro record (schema ``marsad.Article``) of a classified article."""
    a = item.article
    return {
        "article_id": a.article_id,
        "url": a.url,
        "canonical_url": a.canonical_url,
        "feed_id": a.feed_id,
        "outlet": a.outlet,
        "feed_country": a.feed_country,
        "title": a.title,
        "summary": a.summary,
        "body": a.body,
        "language": a.language,
        "published_at": to_datetime(a.published_at),
        "fetched_at": to_datetime(a.fetched_at),
        "run_id": run_id,
        "content_hash": a.content_hash,
        "topic": item.topic,
        "topic_scores": dict(item.topic_scores),
        "secondary_topics": list(item.secondary_topics),
        "confidence": float(item.confidence),
        "needs_review": bool(item.needs_review),
        "countries": list(item.countries),
        "organizations": list(item.organizations),
        "model_version": item.model_version,
        "taxonomy_version": taxonomy_version,
        "flags": list(a.flags),
        "dateline": item.dateline,
    }


def dead_letter_record(failure: Failure, run_id: str) -> dict[str, Any]:
    """The Avro record (schema ``marsad.DeadLetter``) of a failure."""
    return {
        "dead_letter_id": failure.key,
        "run_id": run_id,
        "stage": failure.stage,
        "error_kind": failure.error_kind,
        "message": failure.message[:2000],
        "feed_id": failure.feed_id,
        "source_url": failure.source_url,
        "item_key": failure.item_key,
        "payload": failure.payload,
        "occurred_at": to_datetime(failure.occurred_at),
    }
