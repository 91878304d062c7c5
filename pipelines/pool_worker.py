"""A warm worker process of ``pipelines.worker_pool``: runs SDK harnesses for the runner, job after job.

Started by the pool as ``python -m pipelines.pool_worker ADDRESS``. It imports what jobs need once, serves Beam's
external worker pool service at ADDRESS (a Unix socket; it prints the address once it listens), runs each requested
SDK harness in a thread, and stops at the end of its standard input: when the runner's process closes the pipe,
exits or dies.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import threading
from concurrent import futures
from typing import Any

# Warnings reach the runner's log during jobs (see _run_harness). This handler, installed before Beam is imported,
# keeps import-time warnings from installing a console handler that would print everything a second time.
logging.getLogger().addHandler(logging.NullHandler())

from apache_beam.portability.api import beam_fn_api_pb2, beam_fn_api_pb2_grpc  # noqa: E402

from pipelines.memory import limit_malloc_arenas, release_memory  # noqa: E402

# Imported by each worker process before it serves, so that no job pays for them.
WARM_MODULES = (
    "apache_beam.runners.worker.sdk_worker",
    "apache_beam.ml.inference.base",
    "sklearn.pipeline",
    "sklearn.svm",
    "sklearn.calibration",
    "sklearn.feature_extraction.text",
    "skops.io",
    "models.registry",
    "pipelines.transforms.classify",
    "pipelines.transforms.dedupe",
    "pipelines.transforms.normalize",
    "pipelines.transforms.parse_entries",
    "pipelines.transforms.read_feeds",
    "pipelines.transforms.tag_actors",
    "pipelines.transforms.write_avro",
)


class _HarnessThreads(beam_fn_api_pb2_grpc.BeamFnExternalWorkerPoolServicer):  # type: ignore[misc]
    """A worker process's side: each StartWorker runs one SDK harness in a thread of this process."""

    def StartWorker(self, request: Any, context: Any) -> Any:  # noqa: N802  (gRPC's method name)
        from apache_beam.runners.worker.log_handler import FnApiLogRecordHandler
        from apache_beam.runners.worker.sdk_worker import SdkHarness

        try:
            log_to_runner = FnApiLogRecordHandler(request.logging_endpoint)
            harness = SdkHarness(request.control_endpoint.url, worker_id=request.worker_id)
        except Exception as exc:  # noqa: BLE001  (the runner gets the reason)
            return beam_fn_api_pb2.StartWorkerResponse(error=f"{type(exc).__name__}: {exc}")
        # A daemon: when the runner's process is gone, this process exits even if a job's harness is stuck.
        threading.Thread(
            target=_run_harness, args=(harness, log_to_runner), name=request.worker_id, daemon=True
        ).start()
        return beam_fn_api_pb2.StartWorkerResponse()

    def StopWorker(self, request: Any, context: Any) -> Any:  # noqa: N802
        return beam_fn_api_pb2.StopWorkerResponse()


def _run_harness(harness: Any, log_to_runner: logging.Handler) -> None:
    """Run one job's harness, its logs going to the runner; afterwards hand its memory back to the system."""
    import gc

    root = logging.getLogger()
    root.addHandler(log_to_runner)
    try:
        harness.run()
    finally:
        root.removeHandler(log_to_runner)
        log_to_runner.close()
        del harness
        gc.collect()
        release_memory()


def serve() -> None:
    """A worker process: import what jobs need, serve the pool service, stop when the runner's pipe closes."""
    import importlib

    import grpc

    limit_malloc_arenas()
    for module in WARM_MODULES:
        importlib.import_module(module)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    beam_fn_api_pb2_grpc.add_BeamFnExternalWorkerPoolServicer_to_server(_HarnessThreads(), server)
    address = sys.argv[1]  # a Unix socket in the pool's private directory
    server.add_insecure_port(address)
    server.start()
    print(f"listening {address}", flush=True)
    os.dup2(2, 1)  # from here on, whatever a job prints goes to standard error, not into the handshake pipe
    sys.stdin.read()  # returns at end of file: the runner's process closed the pipe, exited or died
    server.stop(grace=None)
    # The runner removes the pool's socket directory when it closes the pool; if it was killed, nobody else will.
    shutil.rmtree(os.path.dirname(address.removeprefix("unix:")), ignore_errors=True)


if __name__ == "__main__":
    serve()
