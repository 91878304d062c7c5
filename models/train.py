"""Train, evaluate and register a topic classifier."""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.classifier import build_pipeline, document
from models.corpus import LabeledItem, by_split, corpus_hash
from models.evaluate import evaluate, format_confusion, format_report, plot_confusion
from models.registry import Registry
from models.taxonomy import load_taxonomy

DEFAULT_HYPERPARAMS: dict[str, Any] = {"features": "word+char", "classifier": "svm", "C": 0.5, "max_words": 0}


@dataclass(frozen=True)
class TrainResult:
    """The outcome of one training run."""

    version: str
    metrics: dict[str, Any]
    seconds: float
    pipeline: Any = None


def fit(items: Sequence[LabeledItem], hyperparams: dict[str, Any] | None = None) -> Any:
    """Fit a fresh pipeline on labeled items."""
    if len({it.label for it in items}) < 2:
        raise ValueError("training needs items of at least two labels")
    pipeline = build_pipeline(**{**DEFAULT_HYPERPARAMS, **(hyperparams or {})})
    pipeline.fit([document(it.title, it.text) for it in items], [it.label for it in items])
    return pipeline


def evaluation_sets(items: Sequence[LabeledItem], heldout: Sequence[LabeledItem] = ()) -> dict[str, list[LabeledItem]]:
    """The fixed evaluation sets: the corpus test split, and the held-out items when given."""
    sets = {"test": by_split(items, "test")}
    if heldout:
        sets["heldout"] = list(heldout)
    return sets


def evaluate_on(pipeline: Any, sets: dict[str, list[LabeledItem]]) -> dict[str, Any]:
    """Metrics of a fitted pipeline on each evaluation set."""
    topics = load_taxonomy().ids
    return {name: evaluate(pipeline, items, topics) for name, items in sets.items() if items}


def train_and_register(
    items: Sequence[LabeledItem],
    registry: Registry,
    *,
    hyperparams: dict[str, Any] | None = None,
    heldout: Sequence[LabeledItem] = (),
    data_sources: Sequence[str] = (),
    promote: bool = False,
) -> TrainResult:
    """Fit on the train and dev splits, evaluate on the test split (and a held-out set), register the model.

    Args:
        items: All labeled items; each item's fixed split decides its role.
        registry: Where to register the model.
        hyperparams: Overrides of ``DEFAULT_HYPERPARAMS``.
        heldout: An optional extra evaluation set (never trained on).
        data_sources: Names of the labeled files used, recorded in the metadata.
        promote: Make the new model the champion.

    Returns:
        The new version, its metrics and the training time.
    """
    params = {**DEFAULT_HYPERPARAMS, **(hyperparams or {})}
    train_items = [it for it in items if it.split != "test"]
    sets = evaluation_sets(items, heldout)
    started = time.perf_counter()
    pipeline = fit(train_items, params)
    seconds = round(time.perf_counter() - started, 2)
    metrics = evaluate_on(pipeline, sets)
    metadata = {
        "hyperparams": params,
        "corpus_hash": corpus_hash(items),
        "data_sources": list(data_sources),
        "n_train": len(train_items),
        "n_test": len(sets["test"]),
        "label_counts": dict(sorted(Counter(it.label for it in train_items).items())),
        "train_seconds": seconds,
        "metrics": metrics,
    }
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "confusion_matrix.png"
        plot_confusion(metrics["test"], png, title="Test split: confusion matrix")
        files = {"confusion_matrix.png": png.read_bytes()}
    version = registry.save(pipeline, metadata, files=files)
    registry.save_file(version, "model_card.md", model_card(version, metadata).encode("utf-8"))
    if promote:
        registry.set_champion(version)
    return TrainResult(version=version, metrics=metrics, seconds=seconds, pipeline=pipeline)


def model_card(version: str, metadata: dict[str, Any]) -> str:
    """The markdown model card stored next to the artifact."""
    test = metadata["metrics"]["test"]
    parts = [
        f"# Marsad topic classifier {version}",
        "",
        "Primary diplomatic topic of Arabic news articles (taxonomy version "
        f"{load_taxonomy().version}), from headline and lead.",
        "",
        "## Training",
        f"- items trained on: {metadata['n_train']} (train + dev splits); test items: {metadata['n_test']}",
        f"- hyper-parameters: `{metadata['hyperparams']}`",
        f"- corpus hash: `{metadata['corpus_hash'][:16]}…`; extra data: {metadata['data_sources'] or 'none'}",
        f"- training time: {metadata['train_seconds']} s",
        "",
        "## Test split",
        format_report(test),
        "",
        "![confusion matrix](confusion_matrix.png)",
        "",
        "```",
        format_confusion(test),
        "```",
    ]
    if "heldout" in metadata["metrics"]:
        parts += [
            "",
            "## Held-out set",
            "Feed-like items written apart from the corpus (half `other`, a fifth conflict), "
            "never trained or tuned on.",
            "",
            format_report(metadata["metrics"]["heldout"]),
        ]
    parts += [
        "",
        "## Limits",
        "- Trained on the project's authored corpus; real feeds differ in style and topic mix, so watch the",
        "  `needs_review` flag and feed corrections back with `marsad retrain`.",
        "- Scores are calibrated on the training distribution, where `other` is rarer than in general news.",
    ]
    return "\n".join(parts) + "\n"
