"""Deployments of Marsad's flows with their schedules, served by one long-running process.

``marsad serve`` (or ``python -m flows.serve``) starts them; point ``PREFECT_API_URL`` at a ``prefect server start``
to see them in the UI, or run without it for Prefect's ephemeral local API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import EntrypointType
from pydantic import BaseModel, ConfigDict, Field

from flows.ingest import ingest
from flows.params import IngestParams, ReclassifyParams, RetrainParams
from flows.reclassify import reclassify
from flows.retrain import retrain
from flows.stream import StreamParams, stream


class ServeConfig(BaseModel):
    """What ``marsad serve`` schedules (flags or a YAML config file with the same keys)."""

    model_config = ConfigDict(extra="forbid")

    feeds: str = Field(description="Feed list for the scheduled ingest")
    output: str = Field(description="Output folder of the scheduled ingest")
    registry: str | None = Field(default=None, description="Model registry")
    ingest_cron: str = Field(default="*/15 * * * *", description="Cron of the ingest deployment (default every 15 min)")
    retrain_cron: str = Field(default="0 3 * * 1", description="Cron of the retrain deployment (default Monday 03:00)")
    runner: str = Field(default="inprocess", description="Beam runner for ingest")
    allow_private_networks: bool = False
    retrain_data: list[str] = Field(default_factory=list, description="Extra labeled files for retraining")
    corrections: str | None = Field(default=None, description="Corrections file used by the weekly retrain")
    timezone: str = Field(default="UTC", description="Time zone of the cron schedules")


def load_config(path: str | Path) -> ServeConfig:
    """A serve config from YAML."""
    return ServeConfig.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {})


def deployments(config: ServeConfig) -> list[Any]:
    """The deployments to serve: scheduled ingest and retrain, on-demand stream and reclassify."""
    from prefect.schedules import Cron

    one_at_a_time = ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)
    ingest_params = IngestParams(
        feeds=config.feeds,
        output=config.output,
        registry=config.registry,
        runner=config.runner,
        allow_private_networks=config.allow_private_networks,
    )
    retrain_params = RetrainParams(
        registry=config.registry, data=config.retrain_data, corrections=config.corrections, articles=config.output
    )
    return [
        ingest.to_deployment(
            name="marsad-ingest",
            schedule=Cron(config.ingest_cron, timezone=config.timezone),
            parameters={"params": ingest_params.model_dump()},
            concurrency_limit=one_at_a_time,
            tags=["marsad", "ingest"],
            entrypoint_type=EntrypointType.MODULE_PATH,
            description="Fetch the feeds, classify and write new articles (one run at a time).",
        ),
        retrain.to_deployment(
            name="marsad-retrain",
            schedule=Cron(config.retrain_cron, timezone=config.timezone),
            parameters={"params": retrain_params.model_dump()},
            concurrency_limit=one_at_a_time,
            tags=["marsad", "retrain"],
            entrypoint_type=EntrypointType.MODULE_PATH,
            description="Train a candidate and promote it only when the gate allows.",
        ),
        stream.to_deployment(
            name="marsad-stream",
            parameters={
                "params": StreamParams(
                    feeds=config.feeds,
                    output=config.output,
                    registry=config.registry,
                    allow_private_networks=config.allow_private_networks,
                ).model_dump()
            },
            concurrency_limit=one_at_a_time,
            tags=["marsad", "stream"],
            entrypoint_type=EntrypointType.MODULE_PATH,
            description="Continuous polling; the flow restarts the stream if it dies (run on demand).",
        ),
        reclassify.to_deployment(
            name="marsad-reclassify",
            parameters={"params": ReclassifyParams(output=config.output, registry=config.registry).model_dump()},
            concurrency_limit=one_at_a_time,
            tags=["marsad", "reclassify"],
            entrypoint_type=EntrypointType.MODULE_PATH,
            description="Re-score history with the champion into articles_v<model>/ (run on demand).",
        ),
    ]


def serve(config: ServeConfig) -> None:
    """Serve the deployments until interrupted."""
    from prefect import serve as prefect_serve

    prefect_serve(*deployments(config), pause_on_shutdown=False)


if __name__ == "__main__":
    import sys

    serve(load_config(sys.argv[1]))
