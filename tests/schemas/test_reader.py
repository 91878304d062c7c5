"""The reading API against a real ingest output: every filter, partition pruning, laziness, DataFrame dtypes."""

import types

import pandas as pd
import pytest

from schemas import reader
from schemas.reader import read_articles, to_dataframe

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def records(ingested):
    return list(read_articles(str(ingested)))


def test_reads_everything_lazily(ingested, records):
    assert isinstance(read_articles(str(ingested)), types.GeneratorType)
    assert len(records) == 6 and all(isinstance(r["article_id"], str) for r in records)


def test_topic_filter(ingested, records):
    topic = records[0]["topic"]
    got = list(read_articles(str(ingested), topics=[topic]))
    assert got and all(r["topic"] == topic for r in got)
    assert len(got) == sum(r["topic"] == topic for r in records)


def test_date_filters_prune_partitions(ingested, records, monkeypatch):
    opened = []
    real = reader.FileSystems.open
    monkeypatch.setattr(reader.FileSystems, "open", lambda path, *a, **k: opened.append(path) or real(path, *a, **k))
    got = list(read_articles(str(ingested), since="2025-11-05", until="2025-11-05"))
    assert {(r["published_at"] or r["fetched_at"]).date().isoformat() for r in got} == {"2025-11-05"}
    assert opened and all("dt=2025-11-05" in p for p in opened)


def test_country_filter(ingested, records):
    got = list(read_articles(str(ingested), countries=["KWT"]))
    assert got and all("KWT" in r["countries"] for r in got)
    assert len(got) == sum("KWT" in r["countries"] for r in records)


def test_min_confidence_filter(ingested, records):
    threshold = sorted(r["confidence"] for r in records)[3]
    got = list(read_articles(str(ingested), min_confidence=threshold))
    assert len(got) == sum(r["confidence"] >= threshold for r in records)


def test_dataframe_dtypes(ingested):
    frame = to_dataframe(str(ingested))
    assert len(frame) == 6
    assert str(frame["fetched_at"].dtype).startswith("datetime64") and str(frame["fetched_at"].dt.tz) == "UTC"
    assert isinstance(frame["topic"].dtype, pd.CategoricalDtype) and len(frame["topic"].cat.categories) == 10
    assert frame["needs_review"].dtype == bool and frame["confidence"].dtype == "float64"
    assert frame["published_at"].isna().sum() == 2  # the two items without a date


def test_cli_read_formats(ingested, tmp_path):
    from typer.testing import CliRunner

    from flows.cli import app

    runner = CliRunner()
    jsonl = runner.invoke(app, ["read", str(ingested), "--country", "KWT"])
    assert jsonl.exit_code == 0 and '"KWT"' in jsonl.output
    csv_out = runner.invoke(app, ["read", str(ingested), "--format", "csv"])
    assert csv_out.exit_code == 0 and csv_out.output.splitlines()[0].startswith("article_id,")
    assert len(csv_out.output.strip().splitlines()) == 7
    parquet = tmp_path / "a.parquet"
    result = runner.invoke(app, ["read", str(ingested), "--format", "parquet", "--out", str(parquet)])
    assert result.exit_code == 0 and len(pd.read_parquet(parquet)) == 6
    table = runner.invoke(app, ["read", str(ingested), "--format", "table"])
    assert table.exit_code == 0 and "topic" in table.output
