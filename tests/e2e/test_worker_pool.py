"""``--runner multiprocess``: Beam's FnApiRunner on a pool of warm worker processes that outlives each job.

The pool's processes must do the jobs' work, be reused job after job, stop when the runner's process dies, and a
job whose worker dies must fail rather than wait forever. Outputs equal the in-process run's, record for record.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from pipelines.options import runner_argv
from pipelines.worker_pool import shared_pool
from tests.fixtures.runners import Record, check_ingest_matches_in_process, check_runner_semantics

pytestmark = pytest.mark.e2e

TWO_WORKERS = ["--runner=pipelines.worker_pool.WarmPoolRunner", "--direct_num_workers=2"]
ROOT = Path(__file__).parents[2]


class LogPid(Record):
    """Appends the id of the process that handles each element to a file."""

    def line(self, element):
        return os.getpid()


def exit_on_seven(number):
    if number == 7:
        os._exit(3)  # a worker process dying mid-job: killed, out of memory, crashed
    return number


def run_within(seconds, pipeline):
    """Run ``pipeline`` in a thread; the test fails, instead of hanging, if it has not finished in time."""
    outcome = {}

    def target():
        try:
            pipeline.run().wait_until_finish()
            outcome["done"] = True
        except Exception as exc:  # noqa: BLE001
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"the job neither finished nor failed within {seconds} s"
    return outcome


def pids_of_a_job(log):
    pipeline = beam.Pipeline(options=PipelineOptions(TWO_WORKERS))
    _ = pipeline | beam.Create(range(200)) | beam.Reshuffle() | beam.ParDo(LogPid(log))
    assert run_within(120, pipeline) == {"done": True}
    pids = {int(line) for line in log.read_text().split()}
    log.unlink()
    return pids


def running(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in {"Z", "X"}


def test_multiprocess_alias_names_the_pool_runner_with_two_workers():
    assert runner_argv("multiprocess", None, []) == [
        "--runner=pipelines.worker_pool.WarmPoolRunner",
        "--direct_num_workers=2",
    ]
    assert runner_argv("multiprocess", None, ["--direct_num_workers=4"]) == [
        "--runner=pipelines.worker_pool.WarmPoolRunner"
    ]


def test_runner_keeps_outputs_apart_keeps_finish_bundle_output_reads_side_inputs_and_reports_metrics(tmp_path):
    check_runner_semantics(PipelineOptions(TWO_WORKERS), tmp_path / "processed.txt")


def test_jobs_run_in_both_pool_processes_and_the_next_job_reuses_them(tmp_path):
    first = pids_of_a_job(tmp_path / "pids.txt")
    second = pids_of_a_job(tmp_path / "pids.txt")
    pool = {proc.pid for proc in shared_pool(2).processes}
    assert first == second == pool
    assert os.getpid() not in pool


def test_the_pool_listens_only_on_unix_sockets_in_a_private_directory():
    pool = shared_pool(2)
    assert pool.address.startswith("unix:")
    folder = Path(pool.address.removeprefix("unix:")).parent
    assert folder.stat().st_mode & 0o777 == 0o700
    assert sorted(p.name for p in folder.iterdir()) == ["pool", "worker-0", "worker-1"]


def test_a_job_whose_worker_dies_fails_and_the_next_job_gets_a_new_pool(tmp_path):
    before = {proc.pid for proc in shared_pool(2).processes}
    pipeline = beam.Pipeline(options=PipelineOptions(TWO_WORKERS))
    _ = pipeline | beam.Create(range(50)) | beam.Reshuffle() | beam.Map(exit_on_seven)
    outcome = run_within(120, pipeline)
    assert "stopped in the middle of a job" in str(outcome.get("error"))
    after = pids_of_a_job(tmp_path / "pids.txt")
    assert after and not after & before


def test_a_job_whose_worker_dies_fails_on_beams_own_worker_processes_too():
    own = ["--runner=FnApiRunner", "--direct_running_mode=multi_processing", "--direct_num_workers=2"]
    pipeline = beam.Pipeline(options=PipelineOptions(own))
    _ = pipeline | beam.Create(range(50)) | beam.Reshuffle() | beam.Map(exit_on_seven)
    outcome = run_within(120, pipeline)
    assert "stopped in the middle of a job" in str(outcome.get("error"))


RUNNER_SCRIPT = """
import sys, time
import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from pipelines.worker_pool import shared_pool

pool = shared_pool(2)
print(pool.address, *[p.pid for p in pool.processes], flush=True)
if sys.argv[1] == "idle":
    time.sleep(600)


def slow(n, log=sys.argv[2]):
    open(log, "a").write(f"{n}\\n")
    time.sleep(600)


pipeline = beam.Pipeline(options=PipelineOptions(["--runner=pipelines.worker_pool.WarmPoolRunner", "--direct_num_workers=2"]))
_ = pipeline | beam.Create(range(4)) | beam.Reshuffle() | beam.Map(slow)
pipeline.run().wait_until_finish()
"""


@pytest.mark.parametrize("when", ["idle", "mid-job"])
def test_pool_processes_stop_when_the_runners_process_is_killed(tmp_path, when):
    log = tmp_path / "started.txt"
    runner = subprocess.Popen(
        [sys.executable, "-c", RUNNER_SCRIPT, when, str(log)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    address, *pids = runner.stdout.readline().split()
    workers = [int(pid) for pid in pids]
    assert len(workers) == 2 and all(running(pid) for pid in workers)
    if when == "mid-job":
        deadline = time.monotonic() + 60
        while not (log.exists() and log.read_text()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert log.read_text(), "the job never reached the workers"
    os.kill(runner.pid, signal.SIGKILL)
    runner.wait()
    deadline = time.monotonic() + 20
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(running(pid) for pid in workers)
    assert not Path(address.removeprefix("unix:")).parent.exists()  # the workers removed the sockets' directory


def test_ingest_on_the_pool_equals_the_in_process_run(prefect_harness, trained_registry, sample_feed_list, tmp_path):
    check_ingest_matches_in_process(sample_feed_list, trained_registry.root, tmp_path, runner="multiprocess")
