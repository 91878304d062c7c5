"""The ``stream`` flow: start ``marsad stream`` and keep it running, restarting it if it dies."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

from prefect import flow, get_run_logger
from pydantic import BaseModel, ConfigDict, Field


class StreamParams(BaseModel):
    """Parameters of the ``stream`` flow."""

    model_config = ConfigDict(extra="forbid")

    feeds: str
    output: str
    registry: str | None = None
    poll_interval: float = Field(default=60, gt=0)
    window: float = Field(default=60, gt=0)
    duration: float | None = Field(default=None, gt=0, description="Stop after this many seconds (tests)")
    inbox: str | None = None
    allow_private_networks: bool = False
    max_restarts: int = Field(default=10, ge=0, description="Give up after this many crashes in a row")
    restart_delay: float = Field(default=5, ge=0, description="Seconds before the first restart (doubles each time)")


def command(params: StreamParams) -> list[str]:
    """The ``marsad stream`` command line for these parameters."""
    cmd = [
        sys.executable,
        "-m",
        "flows.cli",
        "stream",
        "--feeds",
        params.feeds,
        "--output",
        params.output,
        "--poll-interval",
        str(params.poll_interval),
        "--window",
        str(params.window),
    ]
    for flag, value in (("--registry", params.registry), ("--duration", params.duration), ("--inbox", params.inbox)):
        if value is not None:
            cmd += [flag, str(value)]
    if params.allow_private_networks:
        cmd.append("--allow-private-networks")
    return cmd


@flow(name="stream")
def stream(params: StreamParams) -> dict[str, Any]:
    """Supervise the streaming job: restart it with backoff when it exits with an error; return when it ends."""
    logger = get_run_logger()
    crashes = restarts = 0
    delay = params.restart_delay
    while True:
        logger.info("starting stream: %s", " ".join(command(params)))
        began = time.monotonic()
        code = subprocess.run(command(params), check=False).returncode
        if time.monotonic() - began > 600:  # it ran well for a while: this is a new streak of trouble
            crashes, delay = 0, params.restart_delay
        if code == 0:
            logger.info("stream finished after %d restarts", restarts)
            return {"exit_code": 0, "restarts": restarts}
        crashes += 1
        if crashes > params.max_restarts:
            logger.error("stream failed %d times in a row; giving up", crashes)
            return {"exit_code": code, "restarts": restarts}
        logger.warning("stream exited with code %d; restarting in %.0f s", code, delay)
        time.sleep(delay)
        delay = min(delay * 2, 300)
        restarts += 1
