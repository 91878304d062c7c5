"""Retrain with its promotion gate, reclassification, the uncertain-articles loop and served deployments."""

import hashlib
import json
import shutil

import pytest

from flows.params import ReclassifyParams, RetrainParams, UncertainParams
from flows.reclassify import TargetExistsError, reclassify
from flows.retrain import retrain
from flows.uncertain import uncertain
from models.corpus import load_corpus, read_labeled
from models.registry import Registry
from models.taxonomy import load_taxonomy
from models.train import train_and_register
from schemas.reader import read_articles

pytestmark = pytest.mark.e2e


def fresh_registry(tmp_path, trained_registry):
    """A copy of the session registry, so promotions here do not leak into other tests."""
    target = tmp_path / "registry"
    shutil.copytree(trained_registry.root, target)
    return Registry(str(target))


def test_retrain_promotes_a_better_model(prefect_harness, tmp_path):
    registry = Registry(str(tmp_path / "registry"))
    items = load_corpus()
    # An honest weak champion: trained on a tenth of the corpus.
    weak = [it for n, it in enumerate(items) if n % 10 == 0 or it.split == "test"]
    weak_version = train_and_register(weak, registry, promote=True).version

    result = retrain(RetrainParams(registry=registry.root))

    assert result["promoted"] and result["champion_before"] == weak_version
    assert registry.champion() == result["candidate"] != weak_version
    assert result["candidate_metrics"]["test"]["macro_f1"] > result["champion_metrics"]["test"]["macro_f1"]
    assert (
        (tmp_path / "registry" / result["candidate"] / "promotion.md")
        .read_text(encoding="utf-8")
        .startswith(f"# Retrain: candidate {result['candidate']} PROMOTED")
    )


def test_retrain_rejects_a_model_trained_on_corrupted_labels(prefect_harness, trained_registry, tmp_path):
    registry = fresh_registry(tmp_path, trained_registry)
    champion = registry.champion()
    topics = load_taxonomy().ids
    # Corrupt the labels of half the training items (shifted to the next topic); test items stay untouched.
    corrections = tmp_path / "corrupted.jsonl"
    with open(corrections, "w", encoding="utf-8") as fh:
        for n, item in enumerate(it for it in load_corpus() if it.split == "train"):
            if n % 2 == 0:
                wrong = topics[(topics.index(item.label) + 1) % len(topics)]
                fh.write(
                    json.dumps(
                        {"id": item.id, "title": item.title, "text": item.text, "label": wrong}, ensure_ascii=False
                    )
                    + "\n"
                )
    before = registry.versions()

    result = retrain(RetrainParams(registry=registry.root, corrections=str(corrections)))

    assert not result["promoted"]
    assert registry.champion() == champion
    assert result["candidate"] in registry.versions() and len(registry.versions()) == len(before) + 1
    assert any("below the champion" in r or "falls by" in r for r in result["reasons"])
    card = (tmp_path / "registry" / result["candidate"] / "promotion.md").read_text(encoding="utf-8")
    assert "REJECTED" in card and "data:image/png;base64," in card and "| macro" in card.replace("**", "")


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*.avro"))}


def test_reclassify_rescores_every_record_into_a_new_version(prefect_harness, trained_registry, ingested):
    source = _digest(ingested / "articles")
    version = trained_registry.champion()

    result = reclassify(ReclassifyParams(output=str(ingested), registry=trained_registry.root, model_version=version))

    assert result["totals"]["seen"] == result["totals"]["written"] == 6 and result["conservation_ok"]
    assert _digest(ingested / "articles") == source  # never rewritten in place
    original = {r["article_id"]: r for r in read_articles(str(ingested))}
    rescored = {r["article_id"]: r for r in read_articles(str(ingested), kind=f"articles_v{version}")}
    assert rescored.keys() == original.keys()
    for article_id, record in rescored.items():
        assert record["model_version"] == version and record["run_id"] == result["run_id"]
        assert record["title"] == original[article_id]["title"]
    with pytest.raises(TargetExistsError):
        reclassify(ReclassifyParams(output=str(ingested), registry=trained_registry.root, model_version=version))


def test_uncertain_exports_a_file_that_retrain_accepts(prefect_harness, trained_registry, ingested, tmp_path):
    target = tmp_path / "to_label.jsonl"
    result = uncertain(UncertainParams(output=str(ingested), target=str(target), limit=3))
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert result["articles"] == len(rows) == 3
    all_confidences = sorted(r["confidence"] for r in read_articles(str(ingested)))
    assert sorted(r["confidence"] for r in rows) == [round(c, 4) for c in all_confidences[:3]]
    assert [it.id for it in read_labeled(target)] == [r["id"] for r in rows]  # the format retrain reads

    registry = fresh_registry(tmp_path, trained_registry)
    outcome = retrain(RetrainParams(registry=registry.root, corrections=str(target), articles=str(ingested)))
    assert outcome["candidate"] in registry.versions()


def test_corrections_by_id_only_are_looked_up_in_the_output(prefect_harness, trained_registry, ingested, tmp_path):
    from flows.retrain import corrected_items

    record = next(read_articles(str(ingested)))
    corrections = tmp_path / "fix.csv"
    corrections.write_text(f"id,label\n{record['article_id']},mediation_peace\n", encoding="utf-8")
    (item,) = corrected_items(str(corrections), str(ingested))
    assert (item.id, item.label, item.title) == (record["article_id"], "mediation_peace", record["title"])


def test_serve_creates_deployments_with_their_schedules(prefect_harness, tmp_path):
    import asyncio

    from prefect.client.orchestration import get_client

    from flows.serve import ServeConfig, deployments

    config = ServeConfig(feeds="examples/feeds/feeds.yaml", output=str(tmp_path / "out"), ingest_cron="*/10 * * * *")
    ids = [d.apply() for d in deployments(config)]

    async def read():
        async with get_client() as client:
            return [await client.read_deployment(i) for i in ids]

    found = {d.name: d for d in asyncio.run(read())}
    assert set(found) == {"marsad-ingest", "marsad-retrain", "marsad-reclassify", "marsad-stream"}
    assert [s.schedule.cron for s in found["marsad-ingest"].schedules] == ["*/10 * * * *"]
    assert [s.schedule.cron for s in found["marsad-retrain"].schedules] == ["0 3 * * 1"]
    assert found["marsad-reclassify"].schedules == []
    assert found["marsad-ingest"].global_concurrency_limit.limit == 1
    assert found["marsad-ingest"].parameters["params"]["feeds"] == "examples/feeds/feeds.yaml"


def test_importing_flow_modules_has_no_side_effects():
    import subprocess
    import sys

    code = (
        "import flows.ingest, flows.retrain, flows.reclassify, flows.uncertain, flows.serve, flows.stream, "
        "flows.report, flows.cli; print('ok')"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PREFECT_API_URL": "http://127.0.0.1:9/api", "HOME": "/tmp"},
    )
    assert proc.stdout.strip() == "ok", proc.stderr[-2000:]


def test_stream_flow_restarts_a_dying_stream_then_gives_up(prefect_harness, tmp_path):
    from flows.stream import StreamParams, stream

    result = stream(
        StreamParams(
            feeds=str(tmp_path / "missing.yaml"), output=str(tmp_path / "out"), max_restarts=1, restart_delay=0
        )
    )
    assert result == {"exit_code": 2, "restarts": 1}


def test_stream_flow_returns_when_the_stream_ends(prefect_harness, trained_registry, tmp_path):
    from flows.stream import StreamParams, stream
    from tests.fixtures import feeds

    (tmp_path / "f.xml").write_text(feeds.RSS_UTF8, encoding="utf-8")
    result = stream(
        StreamParams(
            feeds=str(tmp_path),
            output=str(tmp_path / "out"),
            registry=trained_registry.root,
            poll_interval=1,
            window=1,
            duration=1,
        )
    )
    assert result == {"exit_code": 0, "restarts": 0}
    assert len(list(read_articles(str(tmp_path / "out")))) == 2


def test_serve_config_file_is_validated():
    from pydantic import ValidationError

    from flows.serve import ServeConfig, load_config

    config = load_config("examples/serve.yaml")
    assert config.ingest_cron == "*/15 * * * *" and config.timezone == "Asia/Riyadh"
    with pytest.raises(ValidationError):
        ServeConfig.model_validate({"feeds": "f.yaml", "output": "o", "ingest_crn": "* * * * *"})
