"""FetchFullText: for feeds with ``full_text: true``, fetch each article page and extract its main text.

Extraction uses trafilatura, under the same time and size limits as feed fetching. A failure keeps the article
with its summary, adds the ``full_text_failed`` flag and counts it for the feed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import apache_beam as beam

from models.classifier import document
from models.text import normalize_text
from pipelines import accounting
from pipelines.records import Article
from pipelines.sources.feed_parser import MAX_BODY_CHARS
from pipelines.sources.http import FetchError, FetchLimits, fetch, make_client


def extract_main_text(html: bytes, url: str) -> str | None:
    """The main text of an article page, or ``None`` when nothing article-like is found."""
    import trafilatura

    text = trafilatura.extract(
        html.decode("utf-8", errors="replace"),
        url=url,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
    )
    return text.strip() if text and text.strip() else None


class FetchFullTextFn(beam.DoFn):  # type: ignore[misc]
    """Fill ``body`` from the article page for feeds that ask for it; HTTP client made once in ``setup()``."""

    def __init__(self, limits: FetchLimits, feed_ids: frozenset[str]) -> None:
        self.limits = limits
        self.feed_ids = feed_ids
        self._client: Any = None

    def setup(self) -> None:
        self._client = make_client(self.limits)

    def teardown(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def process(self, article: Article) -> Iterable[Article]:
        if article.feed_id not in self.feed_ids or not article.url:
            yield article
            return
        try:
            response = fetch(self._client, article.url, self.limits)
            body = extract_main_text(response.content, response.url)
        except FetchError:
            body = None
        except Exception:  # noqa: BLE001 (an extractor crash must not lose the article: keep its summary)
            body = None
        if not body:
            accounting.count(article.feed_id, "full_text_failed")
            yield replace(article, flags=(*article.flags, "full_text_failed"))
            return
        body = body[:MAX_BODY_CHARS]
        text = f"{article.summary}\n{body}"
        yield replace(article, body=body, normalized=normalize_text(document(article.title, text)))


class FetchFullText(beam.PTransform):  # type: ignore[misc]
    """``Article`` → ``Article`` with ``body`` for full-text feeds (others pass through untouched)."""

    def __init__(self, limits: FetchLimits, feed_ids: frozenset[str]) -> None:
        super().__init__()
        self.limits = limits
        self.feed_ids = feed_ids

    def expand(self, articles: beam.PCollection) -> beam.PCollection:
        return articles | "FetchPage" >> beam.ParDo(FetchFullTextFn(self.limits, self.feed_ids))
