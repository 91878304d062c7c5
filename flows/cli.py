"""The ``marsad`` command line."""

from __future__ import annotations

import json
import logging
import os
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.table import Table

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "apache_beam")

app = typer.Typer(
    help="Marsad: Arabic diplomatic news from feeds to classified Avro records.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)

_NOISE = (
    "apitools not found",
    "Resource module is not available",
    "requested in with_outputs() but not declared",
    "Discarding unparseable args",
)


class _DropNoise(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(n in message for n in _NOISE)


for _handler_owner in (logging.getLogger(),):
    _handler_owner.addFilter(_DropNoise())
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
for _h in logging.getLogger().handlers:
    _h.addFilter(_DropNoise())

RegistryOpt = Annotated[
    Optional[str],
    typer.Option("--registry", help="Model registry (default: $MARSAD_REGISTRY, else ./var/registry)"),
]
ModelOpt = Annotated[Optional[str], typer.Option("--model", help="Model version (default: the champion)")]


def fail(message: str, code: int = 2) -> None:
    """Print a one-line error and exit."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def require_folder(path: str) -> None:
    """Exit with a clear error when a local output folder (or file) does not exist."""
    if "://" not in path and not Path(path).exists():
        fail(f"{path} does not exist")


def print_summary(summary: dict[str, Any]) -> None:
    """Print a run summary: a table per feed, totals, articles per topic."""
    table = Table(title=f"Run {summary['run_id']} (model {summary['model_version']})")
    for col in ("feed", "status", "seen", "written", "duplicates", "skipped", "dead letters"):
        table.add_column(col, justify="left" if col in ("feed", "status") else "right", no_wrap=True)
    for f in summary["feeds"]:
        table.add_row(
            f["feed_id"], f["status"], *(str(f[k]) for k in ("seen", "written", "duplicate", "skipped", "dead_letter"))
        )
    t = summary["totals"]
    table.add_row(
        "TOTAL", "", *(str(t[k]) for k in ("seen", "written", "duplicate", "skipped", "dead_letter")), style="bold"
    )
    console.print(table)
    if summary["topics"]:
        topics = Table(title="Articles per topic")
        topics.add_column("topic")
        topics.add_column("articles", justify="right")
        for topic, n in summary["topics"].items():
            topics.add_row(topic, str(n))
        console.print(topics)
    ok = "[green]holds[/]" if summary["conservation_ok"] else "[red]DOES NOT HOLD[/]"
    console.print(
        f"conservation seen = written + duplicates + skipped + dead letters: {ok}; "
        f"feed failures: {t['feed_failed']}, not modified: {t['not_modified']}; "
        f"summary: {summary['output']}/runs/{summary['run_id']}.json"
    )


def check_dask_options(runner: str, dask_address: str | None) -> None:
    """Exit with a one-line error when ``--dask-address`` comes without ``--runner dask`` or nothing answers there."""
    if not dask_address:
        return
    if runner.lower() != "dask":
        fail("--dask-address needs --runner dask")
    from pipelines.options import RunnerUnavailableError, check_dask_scheduler

    try:
        check_dask_scheduler(dask_address)
    except RunnerUnavailableError as exc:
        fail(str(exc))


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def ingest(
    ctx: typer.Context,
    feeds: Annotated[str, typer.Option(help="YAML feed list, or a folder of feed files")],
    output: Annotated[str, typer.Option(help="Output folder or URI (gs://, s3:// with the Beam extra)")],
    registry: RegistryOpt = None,
    model: ModelOpt = None,
    runner: Annotated[str, typer.Option(help="inprocess, multiprocess, dask, or any Beam runner name")] = "inprocess",
    dask_address: Annotated[
        Optional[str], typer.Option(help="Dask scheduler HOST:PORT for --runner dask (default: a local cluster)")
    ] = None,
    allow_private_networks: Annotated[
        bool, typer.Option("--allow-private-networks", help="Allow feeds on loopback/private/link-local addresses")
    ] = False,
    shards: Annotated[int, typer.Option(help="Avro files per date partition")] = 1,
    feeds_per_batch: Annotated[int, typer.Option(help="Feeds per Beam job (bounds memory; 0 = all in one job)")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run summary as JSON")] = False,
) -> None:
    """Run the ingest flow once: feeds → classified Avro articles (extra Beam options after --)."""
    from flows.ingest import OutputNotWritableError, preflight
    from flows.ingest import ingest as ingest_flow
    from flows.params import IngestParams
    from models.registry import ModelNotFoundError, ModelRejectedError
    from pipelines.options import RunnerUnavailableError
    from pipelines.sources.feeds import FeedListError

    check_dask_options(runner, dask_address)
    params = IngestParams(
        feeds=feeds,
        output=output,
        registry=registry,
        model_version=model,
        runner=runner,
        dask_address=dask_address,
        beam_args=list(ctx.args),
        allow_private_networks=allow_private_networks,
        shards=shards,
        feeds_per_batch=feeds_per_batch,
    )
    try:
        preflight(params)  # fail fast, before the orchestration engine starts
        summary = ingest_flow(params)
    except (
        FeedListError,
        ModelNotFoundError,
        ModelRejectedError,
        OutputNotWritableError,
        RunnerUnavailableError,
    ) as exc:
        fail(str(exc))
    if as_json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print_summary(summary)


@app.command()
def read(
    path: Annotated[str, typer.Argument(help="Output folder of a run (or one .avro file)")],
    topic: Annotated[Optional[list[str]], typer.Option(help="Only these topics (repeatable)")] = None,
    since: Annotated[Optional[str], typer.Option(help="From this date (YYYY-MM-DD)")] = None,
    until: Annotated[Optional[str], typer.Option(help="Up to this date (YYYY-MM-DD)")] = None,
    country: Annotated[Optional[list[str]], typer.Option(help="Only articles naming these ISO3 codes")] = None,
    min_confidence: Annotated[Optional[float], typer.Option(help="Only articles at least this confident")] = None,
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv")] = "jsonl",
    dead_letters: Annotated[bool, typer.Option("--dead-letters", help="Print dead letters instead")] = False,
    kind: Annotated[str, typer.Option(help="articles, or a reclassified version articles_v<model>")] = "articles",
    out: Annotated[
        Optional[str], typer.Option("--out", help="Write to this file instead of stdout (parquet needs it)")
    ] = None,
) -> None:
    """Print the articles (or dead letters) an output folder holds: jsonl, csv, parquet or a table."""
    from models.taxonomy import load_taxonomy
    from schemas.reader import read_articles, read_dead_letters

    require_folder(path)
    if fmt not in ("jsonl", "csv", "parquet", "table"):
        fail(f"--format must be jsonl, csv, parquet or table, not {fmt!r}")
    if fmt == "parquet" and not out:
        fail("--format parquet needs --out FILE.parquet")
    for t in topic or []:
        if t not in load_taxonomy().ids:
            fail(f"unknown topic {t!r}; topics: {', '.join(load_taxonomy().ids)}")
    filters: dict[str, Any] = dict(
        topics=topic, since=since, until=until, countries=country, min_confidence=min_confidence, kind=kind
    )
    try:
        if fmt == "parquet":
            from schemas.reader import to_dataframe

            frame = to_dataframe(path, **filters)
            frame.to_parquet(out, index=False)
            err.print(f"wrote {len(frame)} articles to {out}")
            return
        records = read_dead_letters(path, since, until) if dead_letters else read_articles(path, **filters)
        if fmt == "table":
            print_table(records)
            return
        with open(out, "w", encoding="utf-8", newline="") if out else nullcontext(sys.stdout) as stream:
            write_records(records, fmt, stream)
    except ValueError as exc:
        fail(str(exc))


def print_table(records: Any, limit: int = 500) -> None:
    """A readable table of the main fields (at most ``limit`` rows)."""
    table = Table(show_lines=False)
    for col in ("published", "feed", "topic", "conf.", "countries", "title"):
        table.add_column(col, overflow="fold")
    shown = 0
    for r in records:
        if shown == limit:
            break
        when = r.get("published_at") or r.get("fetched_at") or r.get("occurred_at")
        table.add_row(
            when.strftime("%Y-%m-%d %H:%M") if when else "",
            r.get("feed_id") or "",
            r.get("topic") or r.get("error_kind", ""),
            f"{r['confidence']:.2f}" if "confidence" in r else "",
            " ".join(r.get("countries", [])),
            (r.get("title") or r.get("message") or "")[:120],
        )
        shown += 1
    console.print(table)


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def write_records(records: Any, fmt: str, stream: Any) -> None:
    """Write records as JSON lines or CSV (lists joined with ';', maps as JSON)."""
    import csv

    writer = None
    for record in records:
        row = {k: _plain(v) for k, v in record.items()}
        if fmt == "jsonl":
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
            continue
        if writer is None:
            writer = csv.DictWriter(stream, fieldnames=list(row))
            writer.writeheader()
        writer.writerow(
            {
                k: ";".join(v)
                if isinstance(v, list)
                else json.dumps(v, ensure_ascii=False)
                if isinstance(v, dict)
                else v
                for k, v in row.items()
            }
        )


@app.command()
def train(
    data: Annotated[Optional[list[Path]], typer.Option("--data", help="Extra labeled JSONL/CSV (repeatable)")] = None,
    registry: RegistryOpt = None,
    promote: Annotated[bool, typer.Option(help="Make the new model the champion")] = True,
    if_missing: Annotated[
        bool, typer.Option("--if-missing", help="Do nothing when the registry has a champion")
    ] = False,
) -> None:
    """Train on the bundled corpus (plus --data files), evaluate on the test split, register the model."""
    from models.corpus import LabeledDataError, load_corpus, load_heldout
    from models.registry import Registry
    from models.train import train_and_register

    reg = Registry(registry)
    if if_missing and reg.champion():
        console.print(f"registry {reg.root} already has champion {reg.champion()}; not training")
        return
    try:
        items = load_corpus(data or [])
    except LabeledDataError as exc:
        fail(str(exc))
    console.print(f"training on {len(items)} labeled items ...")
    result = train_and_register(
        items, reg, heldout=load_heldout(), data_sources=[str(p) for p in data or []], promote=promote
    )
    test = result.metrics["test"]
    console.print(
        f"model {result.version} registered in {reg.root}{' as champion' if promote else ''}: "
        f"test macro-F1 {test['macro_f1']:.3f}, diplomatic-vs-other F1 {test['diplomatic_f1']:.3f}, "
        f"accuracy {test['accuracy']:.3f} ({test['n']} items); trained in {result.seconds:.1f} s"
    )
    if "heldout" in result.metrics:
        held = result.metrics["heldout"]
        console.print(
            f"held-out feed-like set: macro-F1 {held['macro_f1']:.3f}, "
            f"diplomatic-vs-other F1 {held['diplomatic_f1']:.3f}, "
            f"accuracy {held['accuracy']:.3f} ({held['n']} items)"
        )
    console.print(f"model card: {reg.path(result.version, 'model_card.md')}")


@app.command()
def evaluate(
    data: Annotated[Path, typer.Option("--data", help="Labeled JSONL or CSV file")],
    registry: RegistryOpt = None,
    model: ModelOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print metrics as JSON")] = False,
) -> None:
    """Evaluate a model (default: the champion) on a labeled file."""
    from models.corpus import LabeledDataError, read_labeled
    from models.evaluate import evaluate as run_evaluation
    from models.evaluate import format_confusion, format_report
    from models.registry import ModelNotFoundError, ModelRejectedError, Registry

    try:
        items = list(read_labeled(data))
        loaded = Registry(registry).load(model)
    except (LabeledDataError, ModelNotFoundError, ModelRejectedError) as exc:
        fail(str(exc))
    if not items:
        fail(f"{data} holds no labeled items")
    metrics = run_evaluation(loaded.pipeline, items, loaded.topics)
    metrics["model_version"] = loaded.version
    if as_json:
        print(json.dumps(metrics, ensure_ascii=False, indent=2))
        return
    console.print(f"model {loaded.version} on {data}")
    console.print(format_report(metrics), highlight=False)
    console.print("\nconfusion matrix (rows gold, columns predicted):", highlight=False)
    console.print(format_confusion(metrics), highlight=False)


@app.command()
def classify(
    input_path: Annotated[Path, typer.Option("--input", help="JSONL with id, title, text per line ('-' for stdin)")],
    output_path: Annotated[Path, typer.Option("--output", help="JSONL to write ('-' for stdout)")],
    registry: RegistryOpt = None,
    model: ModelOpt = None,
    batch_size: Annotated[int, typer.Option(help="Articles per model call")] = 256,
) -> None:
    """Classify articles from a JSONL file; exit code 1 when some lines could not be read."""
    from models.classify_file import classify_lines
    from models.registry import ModelNotFoundError, ModelRejectedError, Registry

    try:
        loaded = Registry(registry).load(model)
    except (ModelNotFoundError, ModelRejectedError) as exc:
        fail(str(exc))
    source = sys.stdin if str(input_path) == "-" else None
    try:
        fin = source or open(input_path, encoding="utf-8", errors="replace")
    except OSError as exc:
        fail(f"cannot read {input_path}: {exc.strerror}")
    try:
        fout = sys.stdout if str(output_path) == "-" else open(output_path, "w", encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {output_path}: {exc.strerror}")
    with fin, fout:
        written, bad = classify_lines(
            fin, fout, loaded, batch_size=batch_size, report=lambda m: err.print(m, highlight=False)
        )
    err.print(
        f"classified {written} articles with model {loaded.version}; {bad} unreadable lines skipped", highlight=False
    )
    if bad:
        raise typer.Exit(1)


@app.command()
def retrain(
    data: Annotated[Optional[list[str]], typer.Option("--data", help="Extra labeled JSONL/CSV (repeatable)")] = None,
    corrections: Annotated[
        Optional[str], typer.Option(help="Corrections file: id → label (e.g. from `marsad uncertain`)")
    ] = None,
    articles: Annotated[Optional[str], typer.Option(help="Output folder to look up corrected article ids")] = None,
    heldout: Annotated[Optional[list[str]], typer.Option("--heldout", help="Extra held-out labeled files")] = None,
    registry: RegistryOpt = None,
    macro_tolerance: Annotated[float, typer.Option(help="Allowed macro-F1 drop vs the champion")] = 0.005,
    topic_tolerance: Annotated[float, typer.Option(help="Allowed per-topic F1 drop vs the champion")] = 0.05,
) -> None:
    """Run the retrain flow once: train a candidate, promote it only if it passes the gate."""
    from flows.params import RetrainParams
    from flows.retrain import retrain as retrain_flow
    from models.corpus import LabeledDataError

    params = RetrainParams(
        registry=registry,
        data=data or [],
        corrections=corrections,
        articles=articles,
        heldout=heldout or [],
        macro_tolerance=macro_tolerance,
        topic_tolerance=topic_tolerance,
    )
    try:
        result = retrain_flow(params)
    except (LabeledDataError, FileNotFoundError) as exc:
        fail(str(exc))
    verdict = "[green]promoted to champion[/]" if result["promoted"] else "[yellow]rejected[/] (kept, not champion)"
    console.print(f"candidate {result['candidate']} {verdict}; champion now {result['champion_after']}")
    for reason in result["reasons"]:
        console.print(f"  - {reason}", highlight=False)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def reclassify(
    ctx: typer.Context,
    output: Annotated[str, typer.Argument(help="Output folder whose articles are re-scored")],
    registry: RegistryOpt = None,
    model: ModelOpt = None,
    since: Annotated[Optional[str], typer.Option(help="First partition date (YYYY-MM-DD)")] = None,
    until: Annotated[Optional[str], typer.Option(help="Last partition date (YYYY-MM-DD)")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an earlier articles_v<model> folder")] = False,
    runner: Annotated[str, typer.Option(help="inprocess, multiprocess, dask, or any Beam runner name")] = "inprocess",
    dask_address: Annotated[
        Optional[str], typer.Option(help="Dask scheduler HOST:PORT for --runner dask (default: a local cluster)")
    ] = None,
) -> None:
    """Run the reclassify flow once: write OUTPUT/articles_v<model>/ with every article re-scored."""
    from flows.params import ReclassifyParams
    from flows.reclassify import TargetExistsError
    from flows.reclassify import reclassify as reclassify_flow
    from models.registry import ModelNotFoundError, ModelRejectedError

    require_folder(output)
    check_dask_options(runner, dask_address)
    params = ReclassifyParams(
        output=output,
        registry=registry,
        model_version=model,
        since=since,
        until=until,
        overwrite=overwrite,
        runner=runner,
        dask_address=dask_address,
        beam_args=list(ctx.args),
    )
    try:
        result = reclassify_flow(params)
    except (TargetExistsError, ModelNotFoundError, ModelRejectedError) as exc:
        fail(str(exc))
    t = result["totals"]
    console.print(
        f"re-scored {t['written']} of {t['seen']} articles ({t['dead_letter']} dead letters) "
        f"from {result['files']} files "
        f"with model {result['model_version']} into {result['target']}"
    )


@app.command()
def uncertain(
    output: Annotated[str, typer.Argument(help="Output folder of ingest runs")],
    target: Annotated[str, typer.Option("--out", help="Labeling file to write (.jsonl or .csv)")],
    limit: Annotated[int, typer.Option(help="How many articles")] = 200,
    since: Annotated[Optional[str], typer.Option(help="From this date (YYYY-MM-DD)")] = None,
    until: Annotated[Optional[str], typer.Option(help="Up to this date (YYYY-MM-DD)")] = None,
    needs_review_only: Annotated[bool, typer.Option("--needs-review-only", help="Only needs_review articles")] = False,
) -> None:
    """Export the least confident articles as a labeling file for `marsad retrain --corrections`."""
    from flows.params import UncertainParams
    from flows.uncertain import uncertain as uncertain_flow

    require_folder(output)
    result = uncertain_flow(
        UncertainParams(
            output=output, target=target, limit=limit, since=since, until=until, needs_review_only=needs_review_only
        )
    )
    console.print(
        f"wrote {result['articles']} articles to {result['target']}: correct the label column, then run "
        f"`marsad retrain --corrections {result['target']}`"
    )


@app.command()
def serve(
    config: Annotated[
        Optional[Path], typer.Option(help="YAML with feeds, output, registry, ingest_cron, retrain_cron ...")
    ] = None,
    feeds: Annotated[Optional[str], typer.Option(help="Feed list for the scheduled ingest")] = None,
    output: Annotated[Optional[str], typer.Option(help="Output folder of the scheduled ingest")] = None,
    registry: RegistryOpt = None,
    ingest_cron: Annotated[Optional[str], typer.Option(help="Cron for ingest (default every 15 minutes)")] = None,
    retrain_cron: Annotated[Optional[str], typer.Option(help="Cron for retrain (default weekly, Monday 03:00)")] = None,
    allow_private_networks: Annotated[bool, typer.Option("--allow-private-networks")] = False,
) -> None:
    """Serve the ingest, retrain and reclassify deployments with their schedules (until interrupted)."""
    from pydantic import ValidationError

    from flows.serve import ServeConfig, load_config
    from flows.serve import serve as serve_deployments

    values: dict[str, Any] = load_config(config).model_dump() if config else {}
    for key, value in (
        ("feeds", feeds),
        ("output", output),
        ("registry", registry),
        ("ingest_cron", ingest_cron),
        ("retrain_cron", retrain_cron),
    ):
        if value is not None:
            values[key] = value
    if allow_private_networks:
        values["allow_private_networks"] = True
    try:
        settings = ServeConfig.model_validate(values)
    except ValidationError as exc:
        fail(
            "serve needs --feeds and --output (or a --config file): "
            + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        )
    if not os.environ.get("PREFECT_API_URL"):
        err.print(
            "note: no PREFECT_API_URL is set, so deployments are served on Prefect's ephemeral API: they can be run "
            "on demand (`prefect deployment run ingest/marsad-ingest`) but schedules only fire with a real server: "
            "`prefect server start`, then `export PREFECT_API_URL=http://127.0.0.1:4200/api`.",
            highlight=False,
        )
    serve_deployments(settings)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def stream(
    ctx: typer.Context,
    feeds: Annotated[str, typer.Option(help="YAML feed list, or a folder of feed files")],
    output: Annotated[str, typer.Option(help="Output folder or URI")],
    registry: RegistryOpt = None,
    poll_interval: Annotated[
        float, typer.Option(help="Seconds between polls of a feed (per-feed poll_interval wins)")
    ] = 60,
    window: Annotated[float, typer.Option(help="Seconds per output window (one set of files per window)")] = 60,
    duration: Annotated[
        Optional[float], typer.Option(help="Stop after this many seconds (default: run until Ctrl-C)")
    ] = None,
    inbox: Annotated[
        Optional[str], typer.Option(help="Folder watched for feed files or JSONL dropped in by others")
    ] = None,
    dedupe_horizon: Annotated[float, typer.Option(help="Seconds an article id is remembered for de-duplication")] = 7
    * 86400,
    allow_private_networks: Annotated[
        bool, typer.Option("--allow-private-networks", help="Allow feeds on loopback/private/link-local addresses")
    ] = False,
    runner: Annotated[
        str, typer.Option(help="inprocess, or multiprocess: worker processes kept for the whole stream")
    ] = "inprocess",
) -> None:
    """Poll the feeds continuously and write each window's new articles (Ctrl-C finishes the window, then stops)."""
    import threading

    from flows.ingest import OutputNotWritableError, check_output_writable
    from models.registry import ModelNotFoundError, ModelRejectedError, Registry
    from pipelines.options import runner_argv
    from pipelines.sources.feeds import FeedListError, load_feed_list
    from pipelines.stream import StreamSettings, run_stream, stop_on_signals

    logging.getLogger("marsad.stream").setLevel(logging.INFO)
    if runner.lower() not in {"inprocess", "multiprocess"}:
        fail(f"marsad stream runs on --runner inprocess or multiprocess, not {runner}")
    try:
        feed_list = load_feed_list(feeds)
        reg = Registry(registry)
        reg.load(reg.resolve(None))
        check_output_writable(output)
    except (FeedListError, ModelNotFoundError, ModelRejectedError, OutputNotWritableError) as exc:
        fail(str(exc))
    settings = StreamSettings(
        feeds=feed_list,
        output=output,
        registry=reg.root,
        poll_interval=poll_interval,
        window=window,
        duration=duration,
        inbox=inbox,
        dedupe_horizon=dedupe_horizon,
        allow_private_networks=allow_private_networks or feed_list.allow_private_networks,
        beam_args=[*runner_argv(runner, None, list(ctx.args)), *ctx.args],
    )
    stop = threading.Event()
    stop_on_signals(stop)
    result = run_stream(settings, stop=stop)
    t = result["totals"]
    console.print(
        f"stream {result['run_id']}: {len(result['windows'])} windows, seen {t['seen']}, written {t['written']}, "
        f"duplicates {t['duplicate']}, skipped {t['skipped']}, dead letters {t['dead_letter']}; "
        f"conservation {'holds' if result['conservation_ok'] else 'DOES NOT HOLD'}"
    )


@app.command()
def report(
    output: Annotated[str, typer.Argument(help="Output folder of ingest runs")],
    target: Annotated[str, typer.Option("--out", help="HTML file to write")] = "report.html",
    since: Annotated[Optional[str], typer.Option(help="From this date (YYYY-MM-DD)")] = None,
    until: Annotated[Optional[str], typer.Option(help="Up to this date (YYYY-MM-DD)")] = None,
    kind: Annotated[str, typer.Option(help="articles, or a reclassified version articles_v<model>")] = "articles",
) -> None:
    """Write a self-contained HTML report: topics per day, country pairs, organizations, confidence, feeds."""
    from flows.report import write_report

    require_folder(output)
    data = write_report(output, target, since=since, until=until, kind=kind)
    console.print(f"wrote {target}: {data.articles} articles, {len(data.feeds)} feeds, {data.runs} runs")


@app.command()
def models(registry: RegistryOpt = None) -> None:
    """List the models in the registry with their test metrics."""
    from models.registry import Registry

    reg = Registry(registry)
    champion = reg.champion()
    table = Table(title=f"Models in {reg.root}")
    for col in ("version", "champion", "macro-F1", "diplomatic F1", "created"):
        table.add_column(col, no_wrap=True)
    for version in reg.versions():
        meta = reg.metadata(version)
        test = meta.get("metrics", {}).get("test", {})
        table.add_row(
            version,
            "★" if version == champion else "",
            f"{test.get('macro_f1', 0):.3f}",
            f"{test.get('diplomatic_f1', 0):.3f}",
            meta.get("created_at", ""),
        )
    console.print(table)


def main() -> None:
    """Entry point of the ``marsad`` console script."""
    app()


if __name__ == "__main__":
    main()
