"""The ``retrain`` flow: train a candidate, compare it with the champion, promote only if the gate allows."""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from flows.params import RetrainParams
from models.corpus import (
    LabeledDataError,
    LabeledItem,
    item_from_row,
    load_corpus,
    load_heldout,
    read_labeled,
    read_rows,
)
from models.evaluate import plot_confusion
from models.promotion import Decision, decide
from models.registry import Registry
from models.train import evaluate_on, evaluation_sets, train_and_register
from schemas.reader import read_articles


def corrected_items(path: str, articles: str | None) -> list[LabeledItem]:
    """Labeled items from an analyst's corrections file (article id → corrected topic).

    Rows that carry a ``title`` (as exported by ``marsad uncertain``) are used as they are; rows with only ``id``
    and ``label`` are looked up by article id in the ``articles`` output folder.
    """
    rows = read_rows(path)
    items = [item_from_row(row, f"{path}:{row.get('id')}") for row in rows if row.get("title")]
    bare = {str(row.get("id")): row for row in rows if not row.get("title")}
    if bare and not articles:
        raise LabeledDataError(f"{path}: {len(bare)} corrections have no title or text; pass the articles folder")
    if bare:
        for record in read_articles(str(articles)):
            row = bare.pop(record["article_id"], None)
            if row is not None:
                text = "\n".join(t for t in (record["summary"], record.get("body")) if t)
                items.append(
                    item_from_row({**row, "title": record["title"], "text": text}, f"{path}:{record['article_id']}")
                )
        if bare:
            raise LabeledDataError(f"{path}: article ids not found in {articles}: {', '.join(sorted(bare)[:5])}")
    return items


def _metrics_table(candidate: dict[str, Any], champion: dict[str, Any] | None) -> str:
    lines = []
    for name, cand in candidate.items():
        champ = (champion or {}).get(name)
        lines += [
            f"### {name} ({cand['n']} items)",
            "",
            "| topic | candidate F1 | champion F1 | support |",
            "|---|---:|---:|---:|",
        ]
        for topic, m in cand["per_topic"].items():
            before = f"{champ['per_topic'][topic]['f1']:.3f}" if champ else "–"
            lines.append(f"| {topic} | {m['f1']:.3f} | {before} | {m['support']} |")
        before_macro = f"{champ['macro_f1']:.4f}" if champ else "–"
        lines += [
            f"| **macro-F1** | **{cand['macro_f1']:.4f}** | {before_macro} | |",
            f"| diplomatic-vs-other F1 | {cand['diplomatic_f1']:.4f} | {champ['diplomatic_f1']:.4f} |  |"
            if champ
            else f"| diplomatic-vs-other F1 | {cand['diplomatic_f1']:.4f} | – | |",
            "",
        ]
    return "\n".join(lines)


def decision_markdown(
    candidate_version: str,
    champion_version: str | None,
    decision: Decision,
    candidate: dict[str, Any],
    champion: dict[str, Any] | None,
    confusion_png: bytes,
) -> str:
    """The markdown explaining a promotion decision (also stored next to the candidate in the registry)."""
    verdict = "PROMOTED to champion" if decision.promote else "REJECTED (stays in the registry, not champion)"
    image = base64.b64encode(confusion_png).decode("ascii")
    return "\n".join(
        [
            f"# Retrain: candidate {candidate_version} {verdict}",
            "",
            f"Champion before: {champion_version or 'none'}",
            "",
            "## Why",
            *[f"- {r}" for r in decision.reasons],
            "",
            "## Metrics",
            _metrics_table(candidate, champion),
            "## Candidate confusion matrix (test split)",
            "",
            f"![confusion matrix](data:image/png;base64,{image})",
            "",
        ]
    )


@task(name="load-labeled-data")
def load_training_data(params: RetrainParams) -> tuple[list[LabeledItem], list[LabeledItem]]:
    """The bundled corpus plus extra files and corrections; and the held-out evaluation items."""
    items = {it.id: it for it in load_corpus(params.data)}
    if params.corrections:
        for item in corrected_items(params.corrections, params.articles):
            previous = items.get(item.id)
            items[item.id] = item if previous is None or item.title else previous
    heldout = load_heldout() if params.use_bundled_heldout else []
    for path in params.heldout:
        heldout += list(read_labeled(path))
    return list(items.values()), heldout


@flow(name="retrain")
def retrain(params: RetrainParams) -> dict[str, Any]:
    """Train a candidate on the corpus plus new labels, evaluate it against the champion, promote or reject it."""
    logger = get_run_logger()
    registry = Registry(params.registry)
    items, heldout = load_training_data(params)
    logger.info("training a candidate on %d labeled items (%d held out for evaluation)", len(items), len(heldout))
    sources = [*params.data, *([params.corrections] if params.corrections else [])]
    result = train_and_register(items, registry, heldout=heldout, data_sources=sources, promote=False)
    champion_version = registry.champion()
    champion_metrics = None
    if champion_version:
        champion = registry.load(champion_version)
        champion_metrics = evaluate_on(champion.pipeline, evaluation_sets(items, heldout))
    decision = decide(
        result.metrics, champion_metrics, macro_tolerance=params.macro_tolerance, topic_tolerance=params.topic_tolerance
    )
    if decision.promote:
        registry.set_champion(result.version)
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "cm.png"
        plot_confusion(result.metrics["test"], png, title=f"Candidate {result.version}: test split")
        markdown = decision_markdown(
            result.version, champion_version, decision, result.metrics, champion_metrics, png.read_bytes()
        )
    registry.save_file(result.version, "promotion.md", markdown.encode("utf-8"))
    create_markdown_artifact(
        key="retrain-decision",
        markdown=markdown,
        description=f"Candidate {result.version}: {'promoted' if decision.promote else 'rejected'}",
    )
    for reason in decision.reasons:
        logger.info("gate: %s", reason)
    logger.info("candidate %s %s", result.version, "promoted" if decision.promote else "rejected")
    return {
        "candidate": result.version,
        "promoted": decision.promote,
        "reasons": list(decision.reasons),
        "champion_before": champion_version,
        "champion_after": registry.champion(),
        "candidate_metrics": {
            k: {"macro_f1": v["macro_f1"], "diplomatic_f1": v["diplomatic_f1"]} for k, v in result.metrics.items()
        },
        "champion_metrics": {
            k: {"macro_f1": v["macro_f1"], "diplomatic_f1": v["diplomatic_f1"]}
            for k, v in (champion_metrics or {}).items()
        },
    }
