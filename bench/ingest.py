"""Ingest throughput and peak memory: plain-Python ceiling vs the Beam job on one and two workers.

Each measurement runs in its own process (so peak memory is that run's alone, workers included) on a benchmark
feed set generated from the corpus (see ``bench/synthetic.py``). The ceiling and the one-worker run are pinned to
one core with ``taskset`` when it is available.

Usage: python -m bench.ingest [--sizes 10000 100000] [--feeds 20] [--registry DIR] [--json PATH] [--dask]
                              [--beam-processes] [--warm-up] [--only TEXT]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.synthetic import write_benchmark_set

BEAM_SNIPPET = """
import json, shutil, sys, time
from dataclasses import replace
from pipelines import ingest
from pipelines.sources.feeds import load_feed_list
argv = [a for a in sys.argv[1:] if a != "--warm-up"]
feeds = load_feed_list([a for a in argv if a.startswith("--feeds=")][0].split("=", 1)[1])
if "--warm-up" in sys.argv:  # one untimed job on one feed first, to another output: the process is already warm
    output = [a for a in argv if a.startswith("--output=")][0].split("=", 1)[1]
    ingest.run([*argv, f"--output={output}-warm-up"], feeds=replace(feeds, feeds=feeds.feeds[:1]))
    shutil.rmtree(output + "-warm-up")
started = time.perf_counter()
values = ingest.run_in_batches(argv, feeds, feeds_per_batch=20)  # as `marsad ingest` does by default
written = sum(v for k, v in values.items() if k.endswith("/written"))
print(json.dumps({"articles": written, "seconds": round(time.perf_counter() - started, 1)}))
"""


def _measure(cmd: list[str], pin: bool) -> dict[str, float]:
    if pin and shutil.which("taskset"):
        cmd = ["taskset", "-c", "0", *cmd]
    timed = ["/usr/bin/time", "-f", "MAXRSS_KB=%M"] if Path("/usr/bin/time").exists() else []
    started = time.perf_counter()
    proc = subprocess.run([*timed, *cmd], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    result = json.loads([line for line in proc.stdout.splitlines() if line.startswith("{")][-1])
    peak = [line for line in proc.stderr.splitlines() if line.startswith("MAXRSS_KB=")]
    result["peak_rss_mb"] = round(int(peak[-1].split("=")[1]) / 1024, 1) if peak else None
    result["wall_seconds"] = round(wall, 1)
    result["articles_per_s"] = round(result["articles"] / result["seconds"], 1)
    return result


def bench_size(
    size: int,
    feeds: int,
    registry: str,
    work: Path,
    dask: bool = False,
    beam_processes: bool = False,
    warm_up: bool = False,
    only: str | None = None,
) -> list[dict[str, object]]:
    feeds = max(feeds, size // 500)  # about 1 MB per feed file, well under the per-fetch byte limit
    data = work / f"feeds-{size}"
    if not (data / "feeds.yaml").exists():
        write_benchmark_set(data, size, feeds)
    rows = []

    def beam_cmd(out: str) -> list[str]:
        return [
            sys.executable,
            "-c",
            BEAM_SNIPPET,
            f"--feeds={data / 'feeds.yaml'}",
            f"--output={work / out}",
            f"--registry={registry}",
        ]

    runs = {
        "ceiling (plain loop, 1 core)": (
            [sys.executable, "-m", "bench.ceiling", str(data), str(work / "out-ceiling"), "--registry", registry],
            True,
        ),
        "marsad ingest, in-process (1 core)": (beam_cmd("out-1"), True),
        "marsad ingest, 2 warm worker processes (--runner multiprocess)": (
            [
                *beam_cmd("out-2"),
                "--shards=2",
                "--runner=pipelines.worker_pool.WarmPoolRunner",
                "--direct_num_workers=2",
            ],
            False,
        ),
    }
    if warm_up:
        runs["marsad ingest, 2 warm worker processes already running (as in marsad stream)"] = (
            [
                *beam_cmd("out-2"),
                "--shards=2",
                "--runner=pipelines.worker_pool.WarmPoolRunner",
                "--direct_num_workers=2",
                "--warm-up",
            ],
            False,
        )
    if beam_processes:
        runs["marsad ingest, Beam's own 2 worker processes, new for each job"] = (
            [*beam_cmd("out-2"), "--shards=2", "--direct_running_mode=multi_processing", "--direct_num_workers=2"],
            False,
        )
    if dask:
        runs["marsad ingest, Dask LocalCluster, 2 worker processes"] = (
            [
                sys.executable,
                "-m",
                "bench.dask_run",
                f"--feeds={data / 'feeds.yaml'}",
                f"--output={work / 'out-dask'}",
                f"--registry={registry}",
                "--shards=2",
            ],
            False,
        )
    for name, (cmd, pin) in runs.items():
        if only and only not in name:
            continue
        for out in ("out-ceiling", "out-1", "out-2", "out-dask"):
            shutil.rmtree(work / out, ignore_errors=True)
        row = {"size": size, "run": name, **_measure(cmd, pin)}
        if row["articles"] != size:
            raise SystemExit(f"{name}: wrote {row['articles']} of {size} articles; see the run's dead letters")
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--registry", default=os.environ.get("MARSAD_REGISTRY", "var/registry"))
    parser.add_argument("--work", default="var/bench")
    parser.add_argument("--json", help="also write all rows here")
    parser.add_argument("--dask", action="store_true", help="also run on a two-worker Dask LocalCluster")
    parser.add_argument(
        "--beam-processes",
        action="store_true",
        help="also run on Beam's own two worker processes (--direct_running_mode=multi_processing, new per job)",
    )
    parser.add_argument(
        "--warm-up",
        action="store_true",
        help="also time the worker pool in a process that already ran a job (as marsad stream is from its second window)",
    )
    parser.add_argument("--only", help="run only the rows whose name contains this text")
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    rows = [
        row
        for size in args.sizes
        for row in bench_size(
            size, args.feeds, args.registry, work, args.dask, args.beam_processes, args.warm_up, args.only
        )
    ]
    print("\n| items | run | articles/s | seconds | peak RSS MB |\n|---:|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['size']} | {r['run']} | {r['articles_per_s']} | {r['seconds']} | {r['peak_rss_mb']} |")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
