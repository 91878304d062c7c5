"""The HTML report: its sections, escaping of article text, and a real headless browser loading its charts."""

import shutil
import subprocess

import apache_beam as beam
import pytest

from flows.report import collect, render_markdown, write_report
from pipelines.records import ClassifiedArticle
from pipelines.transforms.normalize import normalize_article
from pipelines.transforms.write_avro import WriteArticles
from tests.pipelines.beam_helpers import in_process_pipeline
from tests.pipelines.test_normalize import article

pytestmark = pytest.mark.e2e
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def hostile_output(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile")
    item = ClassifiedArticle(
        article=normalize_article(article(HOSTILE, "نص", url="https://h.example/1")),
        topic="other",
        topic_scores={"other": 0.4, "conflict_security": 0.35, "bilateral_relations": 0.25},
        secondary_topics=("conflict_security",),
        confidence=0.4,
        needs_review=True,
        model_version="m",
        countries=("EGY", "SAU"),
        organizations=("UN",),
    )
    with in_process_pipeline() as p:
        _ = p | beam.Create([item]) | WriteArticles(str(out), "r1")
    return out


def test_report_escapes_article_text(hostile_output, tmp_path):
    target = tmp_path / "report.html"
    write_report(str(hostile_output), str(target))
    html = target.read_text(encoding="utf-8")
    assert HOSTILE not in html and "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert html.count("<script>") == 1  # only the report's own chart check


def test_report_sections_and_numbers(ingested, tmp_path):
    target = tmp_path / "report.html"
    data = write_report(str(ingested), str(target))
    html = target.read_text(encoding="utf-8")
    assert data.articles == 6 and data.runs == 1
    for heading in (
        "Articles per topic per day",
        "Top country pairs per topic",
        "Organizations",
        "Confidence",
        "Feeds: duplicates and dead letters",
        "Lowest-confidence articles",
    ):
        assert heading in html
    assert html.count('class="chart"') == 3 and html.count("data:image/png;base64,") == 3
    assert "KWT – SAU" in html  # the Saudi–Kuwaiti visit
    assert "| TOTAL" not in render_markdown(collect(str(ingested)))
    assert render_markdown(collect(str(ingested))).startswith("# Marsad: 6 articles")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_report_loads_in_a_headless_browser_with_its_charts(ingested, tmp_path):
    target = tmp_path / "report.html"
    write_report(str(ingested), str(target))
    proc = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            target.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert 'data-charts-loaded="3"' in proc.stdout, proc.stderr[-2000:]
