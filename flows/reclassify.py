"""The ``reclassify`` flow: re-score history with a chosen model into ``articles_v<model>/`` (never in place)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from apache_beam.io.filesystems import FileSystems
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact

from flows.ingest import check_output_writable, run_id_for_flow
from flows.params import ReclassifyParams
from models.registry import Registry, check_compatible
from pipelines import reclassify as reclassify_job
from pipelines import storage
from pipelines.options import runner_argv
from pipelines.summary import counters, save_summary, summarize
from schemas.reader import article_files


class TargetExistsError(FileExistsError):
    """The versioned output folder already holds files."""


@task(name="run-beam-reclassify", retries=1, retry_delay_seconds=30)
def run_beam_reclassify(params: ReclassifyParams, files: list[str], model_version: str, run_id: str) -> dict[str, int]:
    """Run the Beam reclassification job and return its counters."""
    argv = [
        f"--output={params.output}",
        f"--registry={params.registry or Registry().root}",
        f"--model_version={model_version}",
        f"--run_id={run_id}",
        *runner_argv(params.runner, params.dask_address, params.beam_args),
        *params.beam_args,
    ]
    get_run_logger().info("re-scoring %d files: %s", len(files), " ".join(argv))
    return counters(reclassify_job.run(argv, files))


@flow(name="reclassify")
def reclassify(params: ReclassifyParams) -> dict[str, Any]:
    """Re-score every article of ``params.output`` (within the date range) with a chosen model version."""
    logger = get_run_logger()
    registry = Registry(params.registry)
    model_version = registry.resolve(params.model_version)
    check_compatible(registry.metadata(model_version))
    check_output_writable(params.output)
    kind = reclassify_job.versioned_kind(model_version)
    target = storage.join(params.output, kind)
    existing = storage.match(storage.join(target, "dt=*", "*.avro"))
    if existing and not params.overwrite:
        raise TargetExistsError(
            f"{target} already holds {len(existing)} files; pass --overwrite to replace that version"
        )
    if existing:
        FileSystems.delete([target])
    files = article_files(params.output, "articles", params.since, params.until)
    run_id = run_id_for_flow()
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    values = run_beam_reclassify(params, files, model_version, run_id)
    summary = summarize(
        values,
        feed_ids=[],
        run_id=run_id,
        output=params.output,
        model_version=model_version,
        started_at=started,
        finished_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        kind="reclassify",
    )
    save_summary(summary)
    totals = summary.totals
    create_table_artifact(
        key="reclassify-run-summary",
        table=[
            {
                "files": len(files),
                "read": totals["seen"],
                "written": totals["written"],
                "dead letters": totals["dead_letter"],
                "target": target,
            }
        ],
    )
    logger.info(
        "re-scored %d articles from %d files into %s (%d dead letters)",
        totals["written"],
        len(files),
        target,
        totals["dead_letter"],
    )
    result = summary.to_dict()
    result.update({"target": target, "files": len(files), "kind": kind})
    return result
