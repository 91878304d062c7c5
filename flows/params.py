"""Typed parameters of Marsad's flows: paths and URIs, never data (Prefect caps parameters at 512 kB)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class IngestParams(BaseModel):
    """Parameters of the ``ingest`` flow."""

    model_config = ConfigDict(extra="forbid")

    feeds: str = Field(description="YAML feed list, or a folder of feed files")
    output: str = Field(description="Output folder or URI (gs://, s3://, hdfs:// with the Beam extra)")
    registry: str | None = Field(
        default=None, description="Model registry (default: $MARSAD_REGISTRY or ./var/registry)"
    )
    model_version: str | None = Field(default=None, description="Model version (default: the champion)")
    runner: str = Field(default="inprocess", description="inprocess, multiprocess, dask, or any Beam runner name")
    beam_args: list[str] = Field(default_factory=list, description="Extra Beam pipeline options, passed through")
    dask_address: str | None = Field(
        default=None, description="Dask scheduler (HOST:PORT) for --runner dask (default: a local Dask cluster)"
    )
    allow_private_networks: bool = Field(default=False, description="Allow loopback/private feed addresses")
    shards: int = Field(default=1, ge=1, le=1024, description="Avro files per date partition")
    feeds_per_batch: int = Field(
        default=20, ge=0, description="Feeds per Beam job; a run over more feeds runs several jobs (0: one job)"
    )


class RetrainParams(BaseModel):
    """Parameters of the ``retrain`` flow."""

    model_config = ConfigDict(extra="forbid")

    registry: str | None = Field(
        default=None, description="Model registry (default: $MARSAD_REGISTRY or ./var/registry)"
    )
    data: list[str] = Field(
        default_factory=list, description="Extra labeled files (JSONL or CSV: id, title, text, label)"
    )
    corrections: str | None = Field(default=None, description="Analyst corrections: id → label (JSONL or CSV)")
    articles: str | None = Field(default=None, description="Output folder where corrected article ids are looked up")
    heldout: list[str] = Field(default_factory=list, description="Extra held-out labeled files to evaluate on")
    use_bundled_heldout: bool = Field(default=True, description="Also evaluate on the bundled held-out set")
    macro_tolerance: float = Field(default=0.005, ge=0, le=1, description="Allowed macro-F1 drop vs the champion")
    topic_tolerance: float = Field(default=0.05, ge=0, le=1, description="Allowed per-topic F1 drop vs the champion")


class ReclassifyParams(BaseModel):
    """Parameters of the ``reclassify`` flow."""

    model_config = ConfigDict(extra="forbid")

    output: str = Field(description="Output folder holding articles/dt=…/ written by ingest")
    registry: str | None = Field(default=None, description="Model registry")
    model_version: str | None = Field(default=None, description="Model to re-score with (default: the champion)")
    since: str | None = Field(default=None, description="First partition date to re-score (YYYY-MM-DD)")
    until: str | None = Field(default=None, description="Last partition date to re-score (YYYY-MM-DD)")
    overwrite: bool = Field(default=False, description="Replace an earlier articles_v<model> folder")
    runner: str = Field(default="inprocess", description="inprocess, multiprocess, dask, or any Beam runner name")
    beam_args: list[str] = Field(default_factory=list, description="Extra Beam pipeline options")
    dask_address: str | None = Field(
        default=None, description="Dask scheduler (HOST:PORT) for --runner dask (default: a local Dask cluster)"
    )


class UncertainParams(BaseModel):
    """Parameters of the ``uncertain`` flow."""

    model_config = ConfigDict(extra="forbid")

    output: str = Field(description="Output folder holding articles written by ingest (or reclassify)")
    target: str = Field(description="Labeling file to write (JSONL, or CSV by extension)")
    limit: int = Field(default=200, ge=1, le=1_000_000, description="How many articles to export")
    since: str | None = Field(default=None, description="First date (YYYY-MM-DD)")
    until: str | None = Field(default=None, description="Last date (YYYY-MM-DD)")
    needs_review_only: bool = Field(default=False, description="Only articles flagged needs_review")
    kind: str = Field(default="articles", description="articles, or a reclassified articles_v<model> folder")
