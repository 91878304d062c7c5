"""ParseEntries: a fetched feed document → one ``Article`` per entry, plus dead letters for what cannot be read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import apache_beam as beam
from apache_beam.pvalue import TaggedOutput

from pipelines import accounting
from pipelines.records import Article, Failure, FetchedFeed, payload_of
from pipelines.sources.feed_parser import FeedRejected, ParsedEntry, canonical_url, parse_document
from pipelines.transforms.failures import ToFailures

FAILED = "failed"


class ParseFeedFn(beam.DoFn):  # type: ignore[misc]
    """Parse one ``FetchedFeed``; every entry found counts as ``seen`` for its feed."""

    def process(self, fetched: FetchedFeed) -> Iterable[Any]:
        feed = fetched.feed
        try:
            entries, recovered = parse_document(fetched.content, fetched.content_type)
        except FeedRejected as exc:
            yield TaggedOutput(
                FAILED,
                Failure(
                    stage="parse",
                    error_kind=exc.kind,
                    message=str(exc),
                    feed_id=feed.id,
                    source_url=fetched.url,
                    payload=payload_of(fetched.content),
                    level="feed",
                ),
            )
            return
        if not entries:
            accounting.count(feed.id, "empty")
            return
        # Build every output first and count afterwards, so a crash half-way cannot leave counts unbalanced.
        # (Dead letters are counted where they are written, in WriteDeadLetters.)
        outputs: list[Any] = [self._article(fetched, entry, recovered) for entry in entries]
        accounting.count(feed.id, "seen", len(entries))
        yield from outputs

    @staticmethod
    def _article(fetched: FetchedFeed, entry: ParsedEntry, recovered: bool) -> Any:
        feed = fetched.feed
        if not (entry.title or entry.summary or entry.body):
            return TaggedOutput(
                FAILED,
                Failure(
                    stage="parse",
                    error_kind="empty_item",
                    message="entry has neither title nor text",
                    feed_id=feed.id,
                    source_url=entry.url or fetched.url,
                    item_key=entry.item_key,
                    payload=payload_of(entry.raw),
                ),
            )
        flags = entry.flags + (("recovered_xml",) if recovered else ())
        title = entry.title or (entry.summary or entry.body or "").split("\n", 1)[0][:200]
        return Article(
            article_id="",
            feed_id=feed.id,
            outlet=feed.outlet,
            feed_country=feed.country,
            url=entry.url,
            canonical_url=canonical_url(entry.url),
            title=title,
            summary=entry.summary,
            body=entry.body,
            published_at=entry.published_at,
            fetched_at=fetched.fetched_at,
            flags=flags,
            item_key=entry.item_key,
        )


class ParseEntries(beam.PTransform):  # type: ignore[misc]
    """``FetchedFeed`` → ``Article`` (``articles``) and ``Failure`` (``failed``: unreadable feeds and items).

    Article ids and content hashes are set by ``NormalizeText``, once the text is normalized.
    """

    def expand(self, fetched: beam.PCollection) -> dict[str, beam.PCollection]:
        parsed = (
            fetched
            | "ParseFeed" >> beam.ParDo(ParseFeedFn()).with_outputs(FAILED, main="articles").with_exception_handling()
        )
        crashed = parsed.bad | "UnexpectedParseErrors" >> ToFailures("parse")
        failed = (parsed[FAILED], crashed) | "AllParseFailures" >> beam.Flatten()
        return {"articles": parsed.articles, "failed": failed}
