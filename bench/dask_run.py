"""One ``marsad ingest`` run on a two-worker Dask ``LocalCluster`` (loopback), timed; used by ``bench.ingest --dask``.

Usage: python -m bench.dask_run --feeds=FEEDS.yaml --output=DIR --registry=DIR [--workers 2]
"""

from __future__ import annotations

import json
import sys
import time


def main(argv: list[str]) -> None:
    from dask.distributed import LocalCluster

    from pipelines import ingest
    from pipelines.sources.feeds import load_feed_list

    workers = 2
    if "--workers" in argv:
        at = argv.index("--workers")
        workers = int(argv[at + 1])
        argv = argv[:at] + argv[at + 2 :]
    with LocalCluster(n_workers=workers, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as cluster:
        started = time.perf_counter()
        beam_argv = [
            *argv,
            "--runner=pipelines.dask_runner.MarsadDaskRunner",
            f"--dask_client_address={cluster.scheduler_address}",
        ]
        feeds = load_feed_list([a for a in argv if a.startswith("--feeds=")][0].split("=", 1)[1])
        values = ingest.run_in_batches(beam_argv, feeds, feeds_per_batch=20)
        written = sum(v for k, v in values.items() if k.endswith("/written"))
        print(json.dumps({"articles": written, "seconds": round(time.perf_counter() - started, 1)}))


if __name__ == "__main__":
    main(sys.argv[1:])
