"""The ``marsad`` command line: clear one-line errors and the commands that need no orchestration."""

import json

import pytest
from typer.testing import CliRunner

from flows.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, list(args))


def test_help_lists_the_commands():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("ingest", "read", "train", "evaluate", "classify"):
        assert command in result.output


def test_bad_feed_list_is_a_one_line_error(tmp_path, trained_registry):
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(
        "feeds:\n  - id: ok\n    url: a.xml\n    outlet: A\n  - id: bad id\n    url: b.xml\n    outlet: B\n"
    )
    result = invoke(
        "ingest", "--feeds", str(feeds), "--output", str(tmp_path / "out"), "--registry", trained_registry.root
    )
    assert result.exit_code == 2
    assert "entry 2" in result.output and "bad id" in result.output
    assert len(result.output.strip().splitlines()) <= 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("feeds: []\n", "has no feeds"),
        ("feeds:\n  - id: x\n    url: ftp://a/b\n    outlet: X\n", "http(s) or a local path"),
        ("feeds:\n  - id: x\n    url: a.xml\n", "outlet"),
        ("feeds:\n  - {id: x, url: a.xml, outlet: X}\n  - {id: x, url: b.xml, outlet: Y}\n", "duplicate feed id"),
        ("feeds:\n  - {id: x, url: a.xml, outlet: X, country: Saudi}\n", "country"),
        ("not: [valid\n", "not valid YAML"),
    ],
)
def test_feed_list_validation_names_the_problem(tmp_path, content, message):
    from pipelines.sources.feeds import FeedListError, load_feed_list

    path = tmp_path / "feeds.yaml"
    path.write_text(content)
    with pytest.raises(FeedListError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_feed_list(path)


def test_missing_model_is_a_clear_error(tmp_path, fixtures_dir):
    feeds = tmp_path / "f.xml"
    feeds.write_text("<rss/>")
    result = invoke(
        "ingest", "--feeds", str(tmp_path), "--output", str(tmp_path / "out"), "--registry", str(tmp_path / "none")
    )
    assert result.exit_code == 2 and "no champion model" in result.output and "marsad train" in result.output


def test_unwritable_output_is_a_clear_error(tmp_path, trained_registry):
    (tmp_path / "f.xml").write_text("<rss/>")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = invoke(
        "ingest", "--feeds", str(tmp_path), "--output", str(blocker / "out"), "--registry", trained_registry.root
    )
    assert result.exit_code == 2 and "not writable" in result.output


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--dask-address", "127.0.0.1:8786"], "needs --runner dask"),
        (["--runner", "dask", "--dask-address", "127.0.0.1:1"], "no Dask scheduler answers at 127.0.0.1:1"),
        (["--runner", "dask", "--dask-address", "nowhere"], "is not HOST:PORT"),
    ],
)
def test_unusable_dask_scheduler_is_a_clear_error(tmp_path, trained_registry, extra, message):
    (tmp_path / "f.xml").write_text("<rss/>")
    result = invoke(
        "ingest",
        "--feeds",
        str(tmp_path),
        "--output",
        str(tmp_path / "out"),
        "--registry",
        trained_registry.root,
        *extra,
    )
    assert result.exit_code == 2 and message in result.output
    assert len(result.output.strip().splitlines()) <= 2


def test_stream_on_a_runner_it_cannot_use_is_a_clear_error(tmp_path, trained_registry):
    (tmp_path / "f.xml").write_text("<rss/>")
    result = invoke(
        "stream", "--feeds", str(tmp_path), "--output", str(tmp_path / "out"), "--runner", "dask", "--duration", "1"
    )
    assert result.exit_code == 2 and "runs on --runner inprocess or multiprocess, not dask" in result.output


def test_classify_writes_one_line_per_readable_input_and_reports_bad_lines(tmp_path, trained_registry):
    source = tmp_path / "in.jsonl"
    source.write_text(
        "\n".join(
            [
                json.dumps(
                    {"id": "1", "title": "وقف إطلاق النار في غزة", "text": "أعلن الوسطاء هدنة جديدة"},
                    ensure_ascii=False,
                ),
                "{not json",
                json.dumps({"title": "بلا معرف"}, ensure_ascii=False),
                json.dumps({"id": "2", "title": "الهلال يفوز على النصر", "text": ""}, ensure_ascii=False),
            ]
        ),
        encoding="utf-8",
    )
    target = tmp_path / "out.jsonl"
    result = invoke("classify", "--input", str(source), "--output", str(target), "--registry", trained_registry.root)
    assert result.exit_code == 1
    assert "line 2" in result.output and "line 3" in result.output
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["1", "2"]
    for row in rows:
        assert set(row) == {
            "id",
            "topic",
            "topics",
            "scores",
            "confidence",
            "needs_review",
            "countries",
            "organizations",
            "model_version",
        }
        assert row["topics"][0] == row["topic"] and len(row["scores"]) == 10
    assert rows[0]["countries"] == ["PSE"]


def test_evaluate_prints_metrics_as_json(tmp_path, trained_registry):
    data = tmp_path / "labeled.jsonl"
    data.write_text(
        json.dumps(
            {"id": "e1", "title": "الهلال يفوز على النصر", "text": "فاز الهلال بثلاثة أهداف", "label": "other"},
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    result = invoke("evaluate", "--data", str(data), "--registry", trained_registry.root, "--json")
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output)
    assert metrics["n"] == 1 and "macro_f1" in metrics and len(metrics["confusion"]) == 10


def test_read_rejects_unknown_topic(tmp_path):
    result = invoke("read", str(tmp_path), "--topic", "sports")
    assert result.exit_code == 2 and "unknown topic" in result.output


@pytest.mark.parametrize("command", [["read"], ["report"], ["uncertain", "--out", "x.jsonl"], ["reclassify"]])
def test_commands_on_a_missing_output_folder_fail_clearly(tmp_path, command):
    missing = str(tmp_path / "nowhere")
    result = invoke(command[0], missing, *command[1:])
    assert result.exit_code == 2 and "does not exist" in result.output
