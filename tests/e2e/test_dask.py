"""Marsad on a real Dask cluster (two worker processes on loopback) through Beam's Dask runner, fixed for Marsad.

The cluster's outputs must equal the in-process run's, record for record, with the same accounting.
"""

import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from tests.fixtures.runners import check_ingest_matches_in_process, check_runner_semantics

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    yield cluster
    cluster.close()


def test_runner_keeps_outputs_apart_keeps_finish_bundle_output_reads_side_inputs_and_reports_metrics(
    dask_cluster, tmp_path
):
    options = PipelineOptions(
        ["--runner=pipelines.dask_runner.MarsadDaskRunner", f"--dask_client_address={dask_cluster.scheduler_address}"]
    )
    check_runner_semantics(options, tmp_path / "processed.txt")


def test_ingest_on_dask_equals_the_in_process_run(
    prefect_harness, trained_registry, sample_feed_list, dask_cluster, tmp_path
):
    check_ingest_matches_in_process(
        sample_feed_list, trained_registry.root, tmp_path, runner="dask", dask_address=dask_cluster.scheduler_address
    )
