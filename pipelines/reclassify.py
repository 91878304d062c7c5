"""The reclassification job: re-score articles already written with another model, into a new output version.

Reads ``<output>/articles/dt=…/*.avro`` (any schema version), classifies and tags every article again, and writes
``<output>/articles_v<model>/dt=…/``. Source files are never modified. Every article read is written or
dead-lettered (``<output>/dead_letters/…`` with stage ``classify`` or ``tag``), and the counts say so.
"""

from __future__ import annotations

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.runner import PipelineResult

from models.registry import default_registry
from pipelines.options import MarsadOptions, run_job
from pipelines.transforms.classify import ClassifyTopic, TopicModelHandler
from pipelines.transforms.read_written import ReadWrittenArticles
from pipelines.transforms.tag_actors import TagActors
from pipelines.transforms.write_avro import WriteArticles, WriteDeadLetters


def versioned_kind(model_version: str) -> str:
    """The folder name of a reclassified output version."""
    return f"articles_v{model_version}"


def build(p: beam.Pipeline, options: MarsadOptions, files: list[str]) -> dict[str, beam.PCollection]:
    """Compose the reclassification job over the given article files."""
    handler = TopicModelHandler(
        options.registry or default_registry(), options.model_version, max_batch_size=options.batch_size
    )
    articles = p | "ListFiles" >> beam.Create(files) | "ReadWrittenArticles" >> ReadWrittenArticles()
    classified = articles | "ClassifyTopic" >> ClassifyTopic(handler)
    tagged = classified["classified"] | "TagActors" >> TagActors()
    kind = versioned_kind(options.model_version)
    written = tagged["tagged"] | "WriteArticles" >> WriteArticles(options.output, options.run_id, options.shards, kind)
    failures = (classified["failed"], tagged["failed"]) | "CollectFailures" >> beam.Flatten()
    dead = failures | "WriteDeadLetters" >> WriteDeadLetters(options.output, options.run_id)
    return {"articles": tagged["tagged"], "article_files": written, "dead_letter_files": dead}


def run(argv: list[str], files: list[str]) -> PipelineResult:
    """Run the reclassification job (``--output``, ``--model_version``, ``--run_id`` required) over ``files``."""
    options = PipelineOptions(argv)
    marsad = options.view_as(MarsadOptions)
    if not (marsad.output and marsad.model_version and marsad.run_id):
        raise ValueError("--output, --model_version and --run_id are required")
    return run_job(options, lambda pipeline: build(pipeline, marsad, files))
