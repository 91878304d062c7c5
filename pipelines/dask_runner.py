"""Beam's Dask runner, with the fixes Marsad's jobs need.

Beam 2.77 ships an experimental ``DaskRunner`` that turns a pipeline into Dask bags. Run as shipped, it cannot
run Marsad's jobs correctly:

- the outputs of a multi-output ``ParDo`` all land in one bag (bags are keyed by producing transform, and the
  output tags are dropped), so dead letters and articles get mixed;
- elements a ``DoFn`` emits in ``finish_bundle`` are lost (results are collected before ``finish_bundle``), which
  drops the last batch of ``BatchElements`` and so of ``RunInference``;
- only the last transform's bag is computed, so branches that do not lead to it (dead letters, feed state) never
  run;
- its ``GroupByKey`` strips the windows from the grouped values, and the ``GroupAlsoByWindow`` step after it fails;
- side inputs are read by computing the side bag inside a worker's task (its whole upstream again);
- ``metrics()`` raises ``NotImplementedError``.

``MarsadDaskRunner`` keeps Beam's translation of ``Create`` and ``Flatten`` and its Dask client options
(``--dask_client_address`` ...), and replaces the rest: bags are keyed by ``PCollection`` and split by output tag;
outputs are collected after ``finish_bundle``; every leaf of the graph is computed; grouping keeps windows; side
inputs are computed once and handed to each bundle as a Dask dependency; and each bundle runs inside a Beam
metrics container whose updates travel back with the results and are merged on the client, so
``result.metrics()`` works as on the other runners. Dask still schedules and runs all the work; this module only
fixes the translation. Every step runs once per element (a test checks it), which matters because Marsad's steps
write files.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import uuid
from typing import Any

import apache_beam as beam
from apache_beam import DoFn, TaggedOutput, pvalue
from apache_beam.metrics.execution import MetricsContainer, MetricUpdates
from apache_beam.pipeline import AppliedPTransform, PipelineVisitor
from apache_beam.runners.common import DoFnContext, DoFnInvoker, DoFnSignature, Receiver, _OutputHandler
from apache_beam.runners.dask.dask_runner import DaskOptions, DaskRunner, DaskRunnerResult
from apache_beam.runners.dask.overrides import _GroupByKeyOnly, dask_overrides
from apache_beam.runners.dask.transform_evaluator import (
    TRANSLATIONS,
    Flatten,
    NoOp,
    get_windowed_value,
)
from apache_beam.runners.direct.direct_metrics import DirectMetrics
from apache_beam.runners.worker import statesampler
from apache_beam.transforms.sideinputs import SideInputMap
from apache_beam.utils import counters

from pipelines.memory import limit_malloc_arenas, release_memory


@dataclasses.dataclass(frozen=True)
class _BundleMetrics:
    """The metric updates of one bundle of one step, travelling with the bundle's outputs."""

    updates: MetricUpdates


class _ListReceiver(Receiver):
    """Appends what a ``DoFn`` emits on one output to the bundle's result list (tagged unless main)."""

    def __init__(self, tag: str | None, receivers: _Receivers):
        self.tag = tag
        self.receivers = receivers

    def receive(self, windowed_value):
        value = windowed_value.value
        self.receivers.out.append(value if self.tag is None else TaggedOutput(self.tag, value))


class _Receivers(dict):
    """Receivers by output tag, created on first use, all writing to the current bundle's ``out``."""

    def __init__(self):
        super().__init__()
        self.out: list[Any] = []

    def __missing__(self, tag):
        receiver = self[tag] = _ListReceiver(tag, self)
        return receiver


_WORKER_STATE = threading.local()
_CACHED_STEPS = 256  # set-up DoFns kept per worker thread (steps of recent runs)


def _invoker_for(op: _ParDoOp, side_values: tuple[list[Any], ...]) -> tuple[DoFnInvoker, _Receivers]:
    """The set-up ``DoFn`` invoker of a step for this worker thread (set up once, reused across bundles)."""
    cache = getattr(_WORKER_STATE, "invokers", None)
    if cache is None:
        cache = _WORKER_STATE.invokers = {}
    if op.token in cache:
        return cache[op.token]
    transform = op.transform
    args, kwargs = transform.raw_side_inputs
    receivers = _Receivers()
    handler = _OutputHandler(
        window_fn=op.window_fn,
        main_receivers=receivers[None],
        tagged_receivers=receivers,
        per_element_output_counter=None,
        output_batch_converter=None,
        process_yields_batches=False,
        process_batch_yields_elements=False,
    )
    side_inputs = [
        SideInputMap(view_type, view_options, [get_windowed_value(v, None) for v in values])
        for (view_type, view_options), values in zip(op.side_views, side_values)
    ]
    invoker = DoFnInvoker.create_invoker(
        DoFnSignature(transform.fn),
        handler,
        context=DoFnContext(op.label, state=None),
        side_inputs=side_inputs,
        input_args=list(args),
        input_kwargs=kwargs,
        user_state_context=None,
        bundle_finalizer_param=DoFn.BundleFinalizerParam(),
    )
    invoker.invoke_setup()
    while len(cache) >= _CACHED_STEPS:
        old_invoker, _ = cache.pop(next(iter(cache)))
        old_invoker.invoke_teardown()
    cache[op.token] = (invoker, receivers)
    return invoker, receivers


def _run_bundle(items, op: _ParDoOp, *side_values: list[Any]) -> list[Any]:
    """Run one Dask partition as one Beam bundle; outputs (``finish_bundle``'s too) and then its metrics."""
    invoker, receivers = _invoker_for(op, side_values)
    receivers.out = out = []
    container = MetricsContainer(op.label)
    previous = statesampler.get_current_tracker()
    sampler = statesampler.StateSampler(op.label, counters.CounterFactory())
    statesampler.set_current_tracker(sampler)
    try:
        with sampler.scoped_state(op.label, "process", metrics_container=container):
            invoker.invoke_start_bundle()
            for item in items:
                invoker.invoke_process(get_windowed_value(item, op.window_fn))
            invoker.invoke_finish_bundle()
    finally:
        statesampler.set_current_tracker(previous)
        receivers.out = []
    out.append(_BundleMetrics(container.get_cumulative()))
    return out


def _concat(partitions: list[list[Any]]) -> list[Any]:
    return [item for partition in partitions for item in partition]


@dataclasses.dataclass
class _ParDoOp:
    """A ``ParDo`` as a Dask ``map_partitions``; what a worker needs to run it, and nothing from the pipeline.

    Side inputs (global window only, as in Marsad's batch jobs) are computed once as whole lists and handed to
    every bundle as Dask dependencies, never recomputed inside a task.
    """

    transform: beam.ParDo
    label: str
    window_fn: Any
    token: str
    side_views: list[tuple[Any, Any]]

    @classmethod
    def of(cls, applied: AppliedPTransform) -> _ParDoOp:
        main_input = next(iter(applied.main_inputs.values()))
        window_fn = main_input.windowing.windowfn if hasattr(main_input, "windowing") else None
        views = [(type(si), si._view_options()) for si in applied.side_inputs]
        return cls(applied.transform, applied.full_label, window_fn, uuid.uuid4().hex, views)

    def apply(self, input_bag, side_bags):
        # As unoptimized ``Delayed`` values: handed over as ``Item``s, Dask would rebuild (and so recompute) the
        # side input's whole upstream graph under new keys for this step.
        side_items = [bag.reduction(list, _concat).to_delayed(optimize_graph=False) for bag in side_bags]
        return input_bag.map_partitions(_run_bundle, self, *side_items)


def _is_output(item, tag) -> bool:
    if isinstance(item, TaggedOutput):
        return item.tag == tag
    return tag is None and not isinstance(item, _BundleMetrics)


def _group_key(item):
    return item[0]


def _grouped(group):
    # Beam's own translation strips the windows here, which breaks the GroupAlsoByWindow step that follows.
    key, items = group
    return key, [value for _, value in items]


def _unwrap(item):
    return item.value if isinstance(item, TaggedOutput) else item


def _is_metrics(item) -> bool:
    return isinstance(item, _BundleMetrics)


class _BagVisitor(PipelineVisitor):
    """Translates each primitive transform into Dask bags, one bag per ``PCollection``."""

    def __init__(self, bag_kwargs: dict):
        self.bag_kwargs = bag_kwargs
        self.bags: dict[pvalue.PCollection, Any] = {}
        self.consumed: set[pvalue.PCollection] = set()
        self.metrics: list[Any] = []

    def _bag_of(self, value):
        if isinstance(value, pvalue.PBegin):
            return None
        self.consumed.add(value)
        return self.bags[value]

    def visit_transform(self, node: AppliedPTransform) -> None:
        transform = node.transform
        if isinstance(transform, beam.ParDo):
            main = self._bag_of(node.main_inputs[next(iter(node.main_inputs))])
            side_bags = [self._bag_of(si.pvalue) for si in node.side_inputs]
            result = _ParDoOp.of(node).apply(main, side_bags)
            self.metrics.append(result.filter(_is_metrics))
            for tag, pcoll in node.outputs.items():
                self.bags[pcoll] = result.filter(functools.partial(_is_output, tag=tag)).map(_unwrap)
            return
        if isinstance(transform, _GroupByKeyOnly):
            grouped = self._bag_of(node.inputs[0]).groupby(_group_key).map(_grouped)
            for pcoll in node.outputs.values():
                self.bags[pcoll] = grouped
            return
        op = TRANSLATIONS.get(transform.__class__, NoOp)(node, bag_kwargs=self.bag_kwargs)
        inputs = [self._bag_of(value) for value in node.inputs]
        if isinstance(op, Flatten):
            result = op.apply(input_bag=inputs)
        else:
            result = op.apply(input_bag=inputs[0] if inputs else None)
        for pcoll in node.outputs.values():
            self.bags[pcoll] = result

    def leaves(self) -> list[Any]:
        """Bags nobody consumes: computing these (and the metrics) runs the whole graph."""
        return [bag for pcoll, bag in self.bags.items() if pcoll not in self.consumed and bag is not None]


@dataclasses.dataclass
class MarsadDaskResult(DaskRunnerResult):
    """A Dask run's result whose ``metrics()`` are the Beam metrics the bundles reported."""

    _metrics: DirectMetrics = dataclasses.field(default_factory=DirectMetrics)

    def wait_until_finish(self, duration=None) -> str:
        try:
            state = super().wait_until_finish(duration)
            for bundle in self.futures[-1].result():
                self._metrics.commit_logical(None, bundle.updates)
                self._metrics.commit_physical(None, bundle.updates)
            self.client.run(release_memory)
        finally:
            self.client.close()
        return state

    def metrics(self) -> DirectMetrics:
        return self._metrics


class MarsadDaskRunner(DaskRunner):
    """Runs a Beam pipeline on a Dask cluster (``--dask_client_address``), with correct outputs and metrics."""

    def run_pipeline(self, pipeline, options):
        """Translate the pipeline into Dask bags and submit them; ``wait_until_finish`` waits for the cluster.

        Unless ``--dask_npartitions`` or ``--dask_partition_size`` say otherwise, a ``Create`` (for the ingest job:
        its feeds) is split into two partitions per worker thread, so the cluster spreads the feeds over its workers.
        """
        import dask.bag as db
        import dask.distributed as ddist

        dask_options = options.view_as(DaskOptions).get_all_options(drop_default=True, current_only=True)
        bag_kwargs = DaskOptions._extract_bag_kwargs(dask_options)
        client = ddist.Client(**dask_options)
        # Each job runs on the workers' threads; with glibc's default of a heap per thread, a worker's memory grew
        # job after job (see pipelines/memory.py). Cap the heaps on every worker, and free memory after each job.
        client.run(limit_malloc_arenas)
        if not bag_kwargs:
            bag_kwargs = {"npartitions": 2 * max(1, sum(client.nthreads().values()))}
        pipeline.replace_all(dask_overrides())
        visitor = _BagVisitor(bag_kwargs)
        pipeline.visit(visitor)
        # Only counts come back for the leaves; the bundles' metric updates come back whole.
        outputs = [leaf.count() for leaf in visitor.leaves()]
        metrics = db.concat(visitor.metrics) if visitor.metrics else db.from_sequence([], npartitions=1)
        # No graph optimization: Dask's fusion would copy a shared ParDo into each consumer's task and run its
        # side effects (written files) more than once.
        futures = client.compute([*outputs, metrics], optimize_graph=False)
        return MarsadDaskResult(client, futures)
