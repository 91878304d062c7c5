"""The ``ingest`` flow: validate inputs, run the Beam ingest job in a task, publish the run summary."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.tasks import exponential_backoff

from flows.params import IngestParams
from models.registry import ModelNotFoundError, ModelRejectedError, Registry, check_compatible
from pipelines import ingest as ingest_job
from pipelines import storage
from pipelines.options import check_dask_scheduler, runner_argv
from pipelines.sources.feeds import FeedList, FeedListError, load_feed_list
from pipelines.summary import RunSummary, save_summary, summarize

# Errors a retry cannot fix: bad inputs, a missing or refused model.
DETERMINISTIC = (FeedListError, ModelNotFoundError, ModelRejectedError, ValueError, PermissionError)


class OutputNotWritableError(OSError):
    """The output folder cannot be written."""


def check_output_writable(output: str) -> None:
    """Fail fast, with a clear message, when the output cannot be written."""
    probe = storage.join(output, ".marsad-write-test")
    try:
        storage.write_atomic(probe, b"ok")
        from apache_beam.io.filesystems import FileSystems

        FileSystems.delete([probe])
    except Exception as exc:  # noqa: BLE001 (every filesystem raises its own kind)
        raise OutputNotWritableError(f"output {output} is not writable: {exc}") from exc


def preflight(params: IngestParams) -> tuple[FeedList, str]:
    """Check what a run needs before starting it: a valid feed list, a loadable model, a writable output.

    Returns:
        The feed list and the model version to use.

    Raises:
        FeedListError, ModelNotFoundError, ModelRejectedError, OutputNotWritableError, RunnerUnavailableError: with
        a one-line message.
    """
    feeds = load_feed_list(params.feeds)
    if not feeds.enabled:
        raise FeedListError(f"feed list {params.feeds} has no enabled feeds")
    registry = Registry(params.registry)
    model_version = registry.resolve(params.model_version)
    check_compatible(registry.metadata(model_version))
    check_output_writable(params.output)
    if params.dask_address:
        check_dask_scheduler(params.dask_address)
    return feeds, model_version


def _retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    try:
        state.result()
    except DETERMINISTIC:
        return False
    except Exception:  # noqa: BLE001 (anything else may be transient: storage, network)
        return True
    return False


def beam_argv(params: IngestParams, run_id: str, model_version: str) -> list[str]:
    """The Beam command line for an ingest run."""
    argv = [
        f"--feeds={params.feeds}",
        f"--output={params.output}",
        f"--registry={params.registry or Registry().root}",
        f"--model_version={model_version}",
        f"--run_id={run_id}",
        f"--shards={params.shards}",
        *runner_argv(params.runner, params.dask_address, params.beam_args),
    ]
    if params.allow_private_networks:
        argv.append("--allow_private_networks")
    return argv + list(params.beam_args)


@task(
    name="run-beam-ingest",
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=10),
    retry_jitter_factor=1,
    retry_condition_fn=_retry_transient,
    timeout_seconds=6 * 3600,
)
def run_beam_ingest(params: IngestParams, run_id: str, model_version: str) -> dict[str, int]:
    """Run the Beam job and return its accounting counters (a retry reuses the run id, so files are replaced).

    A feed list longer than ``feeds_per_batch`` is ingested by one Beam job per batch of feeds, one after the
    other, so memory stays bounded however many feeds there are; later batches see what earlier ones wrote, so
    duplicates across batches are still caught.
    """
    logger = get_run_logger()
    argv = beam_argv(params, run_id, model_version)
    logger.info("starting Beam ingest (%s feeds per job): %s", params.feeds_per_batch or "all", " ".join(argv))
    values = ingest_job.run_in_batches(argv, load_feed_list(params.feeds), params.feeds_per_batch)
    logger.info("Beam ingest finished")
    return values


def summary_table(summary: RunSummary) -> list[dict[str, Any]]:
    """Rows of the run-summary table (one per feed, then the total)."""
    rows = [
        {
            "feed": f.feed_id,
            "status": f.status,
            "seen": f.seen,
            "written": f.written,
            "duplicates": f.duplicate,
            "skipped": f.skipped,
            "dead letters": f.dead_letter,
        }
        for f in summary.feeds
    ]
    t = summary.totals
    rows.append(
        {
            "feed": "TOTAL",
            "status": "",
            "seen": t["seen"],
            "written": t["written"],
            "duplicates": t["duplicate"],
            "skipped": t["skipped"],
            "dead letters": t["dead_letter"],
        }
    )
    return rows


def run_id_for_flow() -> str:
    """A run id for this flow run: sortable time plus the start of Prefect's flow-run id when there is one."""
    from prefect.runtime import flow_run

    suffix = (flow_run.id or "")[:8] or ingest_job.new_run_id().rsplit("-", 1)[-1]
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + suffix


def publish_week_summary(output: str) -> None:
    """Publish the report's markdown summary of the last seven days as a keyed Prefect artifact."""
    from datetime import timedelta

    from flows.report import collect, render_markdown

    since = (datetime.now(timezone.utc) - timedelta(days=7)).strftime("%Y-%m-%d")
    create_markdown_artifact(
        key="ingest-week-summary",
        markdown=render_markdown(collect(output, since=since)),
        description="Articles of the last seven days",
    )


@flow(name="ingest", log_prints=False)
def ingest(params: IngestParams) -> dict[str, Any]:
    """Fetch the feeds, classify and write the articles, and publish the run summary.

    Returns:
        The run summary as a dict (also saved under ``<output>/runs/<run_id>.json``).
    """
    logger = get_run_logger()
    feeds, model_version = preflight(params)
    run_id = run_id_for_flow()
    logger.info("run %s: %d feeds → %s with model %s", run_id, len(feeds.enabled), params.output, model_version)
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    values = run_beam_ingest(params, run_id, model_version)
    summary = summarize(
        values,
        feed_ids=[f.id for f in feeds.enabled],
        run_id=run_id,
        output=params.output,
        model_version=model_version,
        started_at=started,
        finished_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    path = save_summary(summary)
    create_table_artifact(key="ingest-run-summary", table=summary_table(summary), description=f"Run {run_id}")
    publish_week_summary(params.output)
    totals = summary.totals
    logger.info(
        "run %s: seen %d, written %d, duplicates %d, skipped %d, dead letters %d, feed failures %d; summary %s",
        run_id,
        totals["seen"],
        totals["written"],
        totals["duplicate"],
        totals["skipped"],
        totals["dead_letter"],
        totals["feed_failed"],
        path,
    )
    if not summary.conservation_ok:
        logger.error("conservation check failed: %s", [f.feed_id for f in summary.feeds if not f.balanced])
    return summary.to_dict()
