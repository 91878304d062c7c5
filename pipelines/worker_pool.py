"""Warm worker processes that outlive one Beam job: the runner behind ``--runner multiprocess``.

Beam's in-process runner asked for N worker processes (``--direct_running_mode=multi_processing``) starts N new
Python processes for every job, and each imports Beam, scikit-learn and the model's trusted types and loads the
model again (about 3 s of CPU per process). ``marsad ingest`` runs one job per batch of feeds and ``marsad stream``
one per window, so that start-up was paid again and again.

``WarmPoolRunner`` is the same runner (``FnApiRunner``) with Beam's *external* worker environment: each job asks a
worker pool, over Beam's ``BeamFnExternalWorkerPool`` gRPC service, to start its N SDK harnesses. The pool is N
long-lived processes (``pipelines.pool_worker``), started once per Python process, each serving that service with
harnesses as threads; a small front in the runner's process hands each request to the next process in turn.
Bundles, the data plane, state and metrics are all Beam's own, and worker logs reach the runner's log as with
Beam's own worker processes. The processes stop when the runner's process exits or dies.

Two fixes to Beam's side come with it: a job whose worker process dies fails with an error instead of waiting
forever, and workers on loopback call the runner back on loopback.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from concurrent import futures
from typing import Any

from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions
from apache_beam.portability import common_urns
from apache_beam.portability.api import beam_fn_api_pb2, beam_fn_api_pb2_grpc, beam_runner_api_pb2
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.runners.portability.fn_api_runner.worker_handlers import (
    ControlConnection,
    ExternalWorkerHandler,
    WorkerHandler,
)

_PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class WorkerPool:
    """``workers`` warm worker processes behind one gRPC address (Beam's external worker pool service)."""

    def __init__(self, workers: int) -> None:
        import grpc

        if workers < 1:
            raise ValueError("a worker pool needs at least one worker")
        self.workers = workers
        # Whoever can reach a worker can have it run code, so the pool listens on Unix sockets in a directory only
        # this user can enter (mkdtemp creates it with mode 0700), never on a network port.
        self._sockets = tempfile.mkdtemp(prefix="marsad-pool-")
        self.processes = [_spawn_worker(f"unix:{self._sockets}/worker-{n}") for n in range(workers)]
        self._channels: list[Any] = []
        self._server: Any = None
        try:
            self._channels = [grpc.insecure_channel(_address_of(proc)) for proc in self.processes]
        except RuntimeError:
            self.close()
            raise
        stubs = [beam_fn_api_pb2_grpc.BeamFnExternalWorkerPoolStub(channel) for channel in self._channels]
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        beam_fn_api_pb2_grpc.add_BeamFnExternalWorkerPoolServicer_to_server(_TakeTurns(stubs), self._server)
        self.address = f"unix:{self._sockets}/pool"
        self._server.add_insecure_port(self.address)
        self._server.start()

    def alive(self) -> bool:
        """Whether every worker process is still running."""
        return all(proc.poll() is None for proc in self.processes)

    def close(self) -> None:
        """Stop the front and the worker processes (each stops at the end of its input pipe)."""
        if self._server is not None:
            self._server.stop(grace=None)
        for channel in self._channels:
            channel.close()
        for proc in self.processes:
            if proc.stdin and not proc.stdin.closed:
                proc.stdin.close()
        for proc in self.processes:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(self._sockets, ignore_errors=True)


def _spawn_worker(address: str) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PROJECT_ROOT, env.get("PYTHONPATH")) if p)
    env.setdefault("GRPC_VERBOSITY", "ERROR")  # not gRPC's notes about connections the runner closed
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.pool_worker", address],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


def _address_of(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("listening "):
        proc.kill()
        raise RuntimeError(f"a Marsad worker process failed to start (exit code {proc.wait()}); its error is above")
    return line.split(" ", 1)[1]


class _TakeTurns(beam_fn_api_pb2_grpc.BeamFnExternalWorkerPoolServicer):  # type: ignore[misc]
    """The pool's front: hands each StartWorker request to the next worker process in turn."""

    def __init__(self, stubs: list[Any]) -> None:
        self._stubs = stubs
        self._turn = itertools.count()
        self._lock = threading.Lock()

    def StartWorker(self, request: Any, context: Any) -> Any:  # noqa: N802  (gRPC's method name)
        with self._lock:
            stub = self._stubs[next(self._turn) % len(self._stubs)]
        return stub.StartWorker(request)

    def StopWorker(self, request: Any, context: Any) -> Any:  # noqa: N802
        return beam_fn_api_pb2.StopWorkerResponse()  # a harness ends by itself when its job's control stream closes


_POOLS: dict[int, WorkerPool] = {}
_POOLS_LOCK = threading.Lock()


def shared_pool(workers: int) -> WorkerPool:
    """This process's pool of ``workers`` worker processes: started on first use, restarted if one died."""
    with _POOLS_LOCK:
        pool = _POOLS.get(workers)
        if pool is not None and not pool.alive():
            logging.getLogger(__name__).warning("a worker process of the pool had stopped; starting a new pool")
            pool.close()
            pool = None
        if pool is None:
            pool = _POOLS[workers] = WorkerPool(workers)
            atexit.register(pool.close)
        return pool


def _read_or_abort(connection: ControlConnection) -> None:
    """Beam's read loop of a worker's control stream, failing the job's open requests when the stream breaks.

    Beam 2.77 lets the loop die with the stream (a worker process killed, out of memory, or crashed), and the job
    then waits forever for answers that cannot come; this affects Beam's own worker processes as well.
    """
    try:
        _BEAM_READ(connection)
        failure: Exception = RuntimeError("a Marsad worker stopped in the middle of a job")
    except Exception as exc:  # noqa: BLE001  (any stream error ends the worker's part of the job)
        failure = RuntimeError(f"a Marsad worker process stopped in the middle of a job ({type(exc).__name__})")
    if connection._futures_by_id:
        connection.abort(failure)


_BEAM_READ = ControlConnection._read
ControlConnection._read = _read_or_abort


@WorkerHandler.register_environment(common_urns.environments.EXTERNAL.urn, beam_runner_api_pb2.ExternalPayload)
class _ExternalWorkerHandler(ExternalWorkerHandler):  # type: ignore[misc]
    """Beam's handler of external workers, except that workers of a loopback pool reach the runner on loopback.

    Beam tells external workers to call back at this machine's fully qualified name, which needs a DNS lookup
    and may not resolve at all on a laptop or in a container. (The runner's own services are Beam's, on TCP.)
    """

    def __init__(self, external_payload: Any, *args: Any) -> None:
        self._external_payload = external_payload  # Beam's constructor asks host_from_worker before setting it
        super().__init__(external_payload, *args)

    def host_from_worker(self) -> str:
        if self._external_payload.endpoint.url.startswith(("unix:", "localhost:")):
            return "localhost"
        return str(super().host_from_worker())


class WarmPoolRunner(FnApiRunner):  # type: ignore[misc]
    """Beam's ``FnApiRunner`` on ``--direct_num_workers`` warm worker processes (0: one per core) kept across jobs."""

    def run_pipeline(self, pipeline: Any, options: PipelineOptions) -> Any:
        from apache_beam.transforms.environments import ExternalEnvironment, python_sdk_capabilities

        direct = options.view_as(DirectOptions)
        direct.direct_num_workers = direct.direct_num_workers or os.cpu_count() or 1
        # The runner's choice of environment is left alone only in this mode; the environment says where workers are.
        direct.direct_running_mode = "in_memory"
        pool = shared_pool(direct.direct_num_workers)
        self._default_environment = ExternalEnvironment(pool.address, capabilities=python_sdk_capabilities())
        runner_log = logging.getLogger("apache_beam.runners.portability.fn_api_runner.fn_runner")
        runner_log.addFilter(_not_in_memory_note)
        return super().run_pipeline(pipeline, options)


def _not_in_memory_note(record: logging.LogRecord) -> bool:
    """Drops the runner's advice to use another running mode with several workers: the pool provides them."""
    return "direct_running_mode should be" not in record.getMessage()
