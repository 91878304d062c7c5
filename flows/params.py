"""Typed parameters of Marsad's flows: paths and URIs, never data (Prefect caps parameters at 512 kB)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class IngestParams(BaseModel):
    """Parameters of the ``ingest`` flow."""

    model_config = ConfigDict(extra="forbid")

    feeds: str = Field(description="YAML feed list, or a folder of feed files")
    output: str = Field(description="Output folder or URI (gs://, s3://, hdfs:// with the Beam extra)")
    registry: str | None = Field(default=None, description="Model registry (default: $MARSAD_REGISTRY or ./var/registry)")
    model_version: str | None = Field(default=None, description="Model version (default: the champion)")
    runner: str = Field(default="inprocess", description="inprocess, multiprocess, dask, or any Beam runner name")
    beam_args: list[str] = Field(default_factory=list, description="Extra Beam pipeline options, passed through")
    allow_private_networks: bool = Field(default=False, description="Allow loopback/private feed addresses")
    shards: int = Field(default=1, ge=1, le=1024, description="Avro files per date partition")
