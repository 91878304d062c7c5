"""The batch ingest job: feeds → parsed, normalized, de-duplicated, classified, tagged articles in Avro.

This module only wires transforms together: ``build(p, options)`` composes them and ``run(argv)`` is the entry
point (Beam's ``run(argv=None)`` shape), so a Prefect task and a test can both call it.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timezone

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.runner import PipelineResult

from models.registry import default_registry
from pipelines.options import MarsadOptions, fetch_limits, file_tag, run_job
from pipelines.sources.feeds import FeedList, load_feed_list
from pipelines.transforms.classify import ClassifyTopic, TopicModelHandler
from pipelines.transforms.dedupe import DropDuplicates, DropRepeatedFailures
from pipelines.transforms.full_text import FetchFullText
from pipelines.transforms.normalize import DetectLanguage, NormalizeText
from pipelines.transforms.parse_entries import ParseEntries
from pipelines.transforms.read_feeds import ReadFeeds
from pipelines.transforms.tag_actors import TagActors
from pipelines.transforms.write_avro import WriteArticles, WriteDeadLetters


def new_run_id() -> str:
    """A new, sortable run id."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def build(p: beam.Pipeline, options: MarsadOptions, feeds: FeedList) -> dict[str, beam.PCollection]:
    """Compose the ingest job on pipeline ``p``; returns the named PCollections of interest (for tests)."""
    output, run_id, tag = options.output, options.run_id, file_tag(options)
    limits = fetch_limits(options)
    handler = TopicModelHandler(
        options.registry or default_registry(), options.model_version, max_batch_size=options.batch_size
    )

    feed_specs = p | "ListFeeds" >> beam.Create(list(feeds.enabled))
    fetched = feed_specs | "ReadFeeds" >> ReadFeeds(limits, state_dir=output)
    parsed = fetched["fetched"] | "ParseEntries" >> ParseEntries()
    normalized = parsed["articles"] | "NormalizeText" >> NormalizeText()
    arabic = normalized["articles"] | "DetectLanguage" >> DetectLanguage()
    unique = arabic["articles"] | "DropDuplicates" >> DropDuplicates(output, tag, options.dedupe_horizon)
    full_text_feeds = frozenset(f.id for f in feeds.enabled if f.full_text)
    enriched = unique["articles"] | "FetchFullText" >> FetchFullText(limits, full_text_feeds)
    classified = enriched | "ClassifyTopic" >> ClassifyTopic(handler)
    tagged = classified["classified"] | "TagActors" >> TagActors()

    written = tagged["tagged"] | "WriteArticles" >> WriteArticles(output, run_id, shards=options.shards, file_tag=tag)
    failures = (
        fetched["failed"],
        parsed["failed"],
        normalized["failed"],
        classified["failed"],
        tagged["failed"],
    ) | "CollectFailures" >> beam.Flatten()
    new_failures = failures | "DropRepeatedFailures" >> DropRepeatedFailures(output, tag, options.dedupe_horizon)
    dead_letter_files = new_failures["failures"] | "WriteDeadLetters" >> WriteDeadLetters(output, run_id, file_tag=tag)
    return {
        "articles": tagged["tagged"],
        "failures": new_failures["failures"],
        "duplicates": unique["duplicates"],
        "skipped": arabic["skipped"],
        "article_files": written,
        "dead_letter_files": dead_letter_files,
    }


def run(argv: list[str] | None = None, feeds: FeedList | None = None) -> PipelineResult:
    """Run the ingest job with command-line style arguments; waits for it to finish.

    Args:
        argv: Marsad options (``--feeds``, ``--output`` ...) and any Beam options (``--runner`` ...).
        feeds: An already loaded feed list (otherwise ``--feeds`` is read).

    Returns:
        The finished ``PipelineResult`` (metrics hold the run's accounting).
    """
    options = PipelineOptions(argv)
    marsad = options.view_as(MarsadOptions)
    if not marsad.output:
        raise ValueError("--output is required")
    if feeds is None:
        if not marsad.feeds:
            raise ValueError("--feeds is required")
        feeds = load_feed_list(marsad.feeds)
    if feeds.allow_private_networks:
        marsad.allow_private_networks = True
    if not marsad.run_id:
        marsad.run_id = new_run_id()
    feed_list = feeds
    return run_job(options, lambda pipeline: build(pipeline, marsad, feed_list))


def run_in_batches(argv: list[str], feeds: FeedList, feeds_per_batch: int = 20) -> dict[str, int]:
    """Run the ingest job once per batch of ``feeds_per_batch`` feeds (0: all feeds in one job), one after the other.

    Memory stays bounded however many feeds there are, and later batches see what earlier ones wrote, so
    duplicates across batches are still caught. Returns the summed accounting counters.
    """
    from dataclasses import replace

    from pipelines.summary import counters

    size = feeds_per_batch or len(feeds.enabled) or 1
    batches = [feeds.enabled[i : i + size] for i in range(0, len(feeds.enabled), size)]
    totals: Counter[str] = Counter()
    for number, batch in enumerate(batches):
        batch_argv = argv + ([f"--batch={number}"] if len(batches) > 1 else [])
        totals.update(counters(run(batch_argv, feeds=replace(feeds, feeds=tuple(batch)))))
    return dict(totals)
