"""Marsad on a real Dask cluster (two worker processes on loopback) through Beam's Dask runner, fixed for Marsad.

The cluster's outputs must equal the in-process run's, record for record, with the same accounting.
"""

from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.metrics import Metrics
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import GlobalWindows

from flows.ingest import ingest
from flows.params import IngestParams
from schemas.reader import read_articles, read_dead_letters
from tests.feedserver import Route, serve
from tests.fixtures import feeds

pytestmark = pytest.mark.e2e

EXAMPLES = Path(__file__).parents[2] / "examples" / "feeds"
RUN_SPECIFIC = {"run_id", "fetched_at"}


@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    yield cluster
    cluster.close()


class SplitAndHold(beam.DoFn):
    """Multiples of three go to a tagged output; the rest are held and emitted in ``finish_bundle``."""

    def start_bundle(self):
        self.held = []

    def process(self, number):
        Metrics.counter("test", "seen").inc()
        if number % 3 == 0:
            yield beam.pvalue.TaggedOutput("threes", number)
        else:
            self.held.append(number)

    def finish_bundle(self):
        for number in self.held:
            yield GlobalWindows.windowed_value(number)


class Record(beam.DoFn):
    """Appends each element to a log file: a side effect that must happen once per element."""

    def __init__(self, log):
        self.log = str(log)

    def process(self, number):
        with open(self.log, "a") as fh:
            fh.write(f"{number}\n")
        yield number


def test_runner_keeps_outputs_apart_keeps_finish_bundle_output_reads_side_inputs_and_reports_metrics(
    dask_cluster, tmp_path
):
    options = PipelineOptions(
        ["--runner=pipelines.dask_runner.MarsadDaskRunner", f"--dask_client_address={dask_cluster.scheduler_address}"]
    )
    pipeline = beam.Pipeline(options=options)
    log = tmp_path / "processed.txt"
    numbers = (
        pipeline
        | beam.Create(range(300))
        | "Record" >> beam.ParDo(Record(log))
        | beam.ParDo(SplitAndHold()).with_outputs("threes", main="rest")
    )
    assert_that(numbers.threes, equal_to([n for n in range(300) if n % 3 == 0]), label="Threes")
    assert_that(numbers.rest, equal_to([n for n in range(300) if n % 3]), label="Rest")
    grouped = (
        numbers.rest
        | beam.Map(lambda n: (n % 7, n))
        | beam.GroupByKey()
        | beam.MapTuple(lambda k, v: (k, sum(1 for _ in v)))
    )
    assert_that(grouped, equal_to([(k, len([n for n in range(300) if n % 3 and n % 7 == k])) for k in range(7)]))
    threes = beam.pvalue.AsDict(numbers.threes | "KeyThrees" >> beam.Map(lambda n: (n, None)))
    multiples = numbers.rest | "TimesThree" >> beam.Map(lambda n, known: (n * 3) in known, known=threes)
    assert_that(multiples, equal_to([n * 3 < 300 for n in range(300) if n % 3]), label="SideInput")
    result = pipeline.run()
    result.wait_until_finish()  # a failed assert_that on a worker fails the run here
    seen = result.metrics().query(MetricsFilter().with_namespace("test"))["counters"]
    assert [c.committed for c in seen] == [300]
    # Every step ran once per element, however many consumers (outputs, side input, grouping) it feeds.
    assert sorted(int(line) for line in log.read_text().split()) == list(range(300))


@pytest.fixture()
def sample_feed_list(tmp_path):
    """The bundled sample feeds served over loopback HTTP, plus three feeds that fail whole."""
    routes = {
        f"/{path.name}": Route(body=path.read_bytes())
        for path in EXAMPLES.iterdir()
        if path.suffix in {".xml", ".atom"}
    }
    routes["/lol"] = Route(body=feeds.BILLION_LAUGHS)
    routes["/html"] = Route(body=feeds.HTML_PAGE, content_type="text/html")
    with serve(routes) as server:
        lines = ["feeds:"]
        for route in [*sorted(routes), "/missing"]:
            name = route.strip("/").replace(".", "-")
            lines += [f"  - id: {name}", f"    url: {server.url(route)}", f"    outlet: Outlet {name}"]
        path = tmp_path / "feeds.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        yield path


def comparable(output):
    articles = sorted(
        ({k: v for k, v in a.items() if k not in RUN_SPECIFIC} for a in read_articles(str(output))),
        key=lambda a: a["article_id"],
    )
    dead = sorted(
        (d["stage"], d["error_kind"], d["feed_id"] or "", d["item_key"] or "") for d in read_dead_letters(str(output))
    )
    return articles, dead


def test_ingest_on_dask_equals_the_in_process_run(
    prefect_harness, trained_registry, sample_feed_list, dask_cluster, tmp_path
):
    common = dict(feeds=str(sample_feed_list), registry=trained_registry.root, allow_private_networks=True)
    local = ingest(IngestParams(output=str(tmp_path / "local"), **common))
    on_dask = ingest(
        IngestParams(
            output=str(tmp_path / "dask"), runner="dask", dask_address=dask_cluster.scheduler_address, **common
        )
    )
    local_articles, local_dead = comparable(tmp_path / "local")
    dask_articles, dask_dead = comparable(tmp_path / "dask")
    assert len(local_articles) == 70 and local_dead  # the samples' 70 articles, broken item and failed feeds
    assert dask_articles == local_articles
    assert dask_dead == local_dead
    assert on_dask["totals"] == local["totals"]
    assert on_dask["feeds"] == local["feeds"]
    assert on_dask["topics"] == local["topics"] and on_dask["conservation_ok"]
