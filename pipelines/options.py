"""Every Marsad pipeline flag, in one typed ``PipelineOptions`` subclass, plus runner name aliases."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.runners.runner import PipelineResult

from pipelines import worker_pool  # noqa: F401  (its fix to Beam's runner: a job whose worker dies fails, not hangs)
from pipelines.memory import limit_malloc_arenas, release_memory
from pipelines.sources.http import FetchLimits

RUNNER_ALIASES = {
    # In-process: Beam's portable FnApiRunner, chosen explicitly (DirectRunner would first try to download Prism).
    "inprocess": "FnApiRunner",
    "direct": "FnApiRunner",
    # The same runner with N warm worker processes kept across jobs (set --direct_num_workers, default 2).
    "multiprocess": "pipelines.worker_pool.WarmPoolRunner",
    "dask": "pipelines.dask_runner.MarsadDaskRunner",
}


class MarsadOptions(PipelineOptions):  # type: ignore[misc]
    """Options shared by Marsad's ingest, stream and reclassify jobs."""

    @classmethod
    def _add_argparse_args(cls, parser):  # type: ignore[no-untyped-def]  # noqa: ANN001, ANN206
        parser.add_argument("--feeds", help="YAML feed list, or a folder of feed files")
        parser.add_argument("--output", help="Output folder or URI (local path, gs://, s3://, hdfs://)")
        parser.add_argument("--registry", help="Model registry root (default: $MARSAD_REGISTRY or ./var/registry)")
        parser.add_argument("--model_version", default=None, help="Model version to use (default: the champion)")
        parser.add_argument("--run_id", default=None, help="Id of this run (default: a new one)")
        parser.add_argument(
            "--allow_private_networks",
            action="store_true",
            default=False,
            help="Allow fetching from loopback, private and link-local addresses (refused by default)",
        )
        parser.add_argument("--max_feed_bytes", type=int, default=FetchLimits.max_bytes, help="Byte limit per fetch")
        parser.add_argument(
            "--fetch_timeout", type=float, default=FetchLimits.total_timeout, help="Seconds allowed for one fetch"
        )
        parser.add_argument(
            "--backoff_base",
            type=float,
            default=FetchLimits.backoff_base,
            help="Seconds a failing feed is skipped after its first failure (doubling per further failure)",
        )
        parser.add_argument(
            "--dedupe_horizon",
            type=float,
            default=None,
            help="Only articles written in the last N seconds count as seen (default: everything ever written)",
        )
        parser.add_argument("--shards", type=int, default=1, help="Avro files per date partition")
        parser.add_argument(
            "--batch", type=int, default=None, help="Number of this job within a run split into batches (file names)"
        )
        parser.add_argument("--batch_size", type=int, default=256, help="Largest batch handed to the classifier")


def fetch_limits(options: MarsadOptions) -> FetchLimits:
    """The fetch limits the options ask for."""
    return FetchLimits(
        total_timeout=options.fetch_timeout,
        read_timeout=min(FetchLimits.read_timeout, options.fetch_timeout),
        max_bytes=options.max_feed_bytes,
        allow_private_networks=options.allow_private_networks,
        backoff_base=options.backoff_base,
    )


def file_tag(options: MarsadOptions) -> str:
    """The tag in the names of the files a job writes: the run id, plus the batch number in a batched run."""
    return options.run_id if options.batch is None else f"{options.run_id}-b{options.batch:03d}"


def runner_argv(runner: str, dask_address: str | None, beam_args: list[str]) -> list[str]:
    """Beam options for a runner alias: the runner itself, plus what the alias implies (workers, scheduler)."""
    argv = [f"--runner={resolve_runner(runner)}"]
    alias = runner.lower()
    if alias == "multiprocess":
        if not any(a.startswith("--direct_num_workers") for a in beam_args):
            argv.append("--direct_num_workers=2")
    if dask_address:
        if alias != "dask":
            raise ValueError("--dask-address needs --runner dask")
        argv.append(f"--dask_client_address={dask_address}")
    return argv


class RunnerUnavailableError(OSError):
    """The cluster a run was asked to use cannot be reached."""


def check_dask_scheduler(address: str, timeout: float = 5.0) -> None:
    """Fail fast, with a one-line message, when no Dask scheduler answers at ``address`` (``[tcp://]HOST:PORT``)."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or not port:
        raise RunnerUnavailableError(f"Dask scheduler address {address!r} is not HOST:PORT")
    try:
        socket.create_connection((parts.hostname, port), timeout=timeout).close()
    except OSError as exc:
        raise RunnerUnavailableError(f"no Dask scheduler answers at {address}: {exc}") from exc


def resolve_runner(name: str | None) -> str:
    """A runner alias (``inprocess``, ``multiprocess``, ``dask``) → Beam's runner name; others pass through."""
    if not name:
        return RUNNER_ALIASES["inprocess"]
    return RUNNER_ALIASES.get(name.lower(), name)


class _BeamNoise(logging.Filter):
    """Drops two harmless Beam warnings that otherwise repeat for every job.

    They are: tagged outputs declared without type hints, and the in-process runner's note that it cannot read
    memory usage on this platform.
    """

    NOISE = ("requested in with_outputs() but not declared", "Resource module is not available")

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(n in record.getMessage() for n in self.NOISE)


_NOISE_FILTER = _BeamNoise()


def run_job(options: PipelineOptions, compose: Callable[[beam.Pipeline], Any]) -> PipelineResult:
    """Compose a job on a new pipeline, run it (in-process unless a runner is named) and wait for it to finish.

    Afterwards the job's freed memory goes back to the system, so a process running many jobs stays flat.
    """
    limit_malloc_arenas()
    root = logging.getLogger()
    if _NOISE_FILTER not in root.filters:
        root.addFilter(_NOISE_FILTER)
    standard = options.view_as(StandardOptions)
    if not standard.runner:
        standard.runner = RUNNER_ALIASES["inprocess"]
    pipeline = beam.Pipeline(options=options)
    compose(pipeline)
    result = pipeline.run()
    result.wait_until_finish()
    release_memory()
    return result
