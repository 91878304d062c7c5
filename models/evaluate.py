"""Measure a classifier on labeled items: accuracy, macro-F1, per-topic report, confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from models.classifier import document
from models.corpus import LabeledItem
from models.taxonomy import OTHER


def evaluate(pipeline: Any, items: Sequence[LabeledItem], topics: Sequence[str]) -> dict[str, Any]:
    """Evaluate a fitted pipeline on labeled items.

    Args:
        pipeline: A fitted classifier pipeline.
        items: Labeled items to score.
        topics: All topic ids, in the order used for the report and the confusion matrix.

    Returns:
        A JSON-serialisable dict with ``n``, ``accuracy``, ``macro_f1`` (over the topics present in the gold
        labels or predictions), ``diplomatic_f1`` (diplomatic vs ``other``, diplomatic as positive),
        ``per_topic`` (precision, recall, F1, support) and ``confusion`` (rows gold, columns predicted).
    """
    if not items:
        raise ValueError("cannot evaluate on an empty set of labeled items")
    gold = [it.label for it in items]
    pred = [str(p) for p in pipeline.predict([document(it.title, it.text) for it in items])]
    return metrics_from_labels(gold, pred, topics)


def metrics_from_labels(gold: Sequence[str], pred: Sequence[str], topics: Sequence[str]) -> dict[str, Any]:
    """Compute the metrics of :func:`evaluate` from gold and predicted labels."""
    present = [t for t in topics if t in set(gold) | set(pred)]
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=list(topics), zero_division=0)
    gold_dip = [g != OTHER for g in gold]
    pred_dip = [q != OTHER for q in pred]
    return {
        "n": len(gold),
        "accuracy": round(float(accuracy_score(gold, pred)), 4),
        "macro_f1": round(float(f1_score(gold, pred, labels=present, average="macro", zero_division=0)), 4),
        "diplomatic_f1": round(float(f1_score(gold_dip, pred_dip, zero_division=0)), 4),
        "per_topic": {
            t: {
                "precision": round(float(p[i]), 4),
                "recall": round(float(r[i]), 4),
                "f1": round(float(f[i]), 4),
                "support": int(s[i]),
            }
            for i, t in enumerate(topics)
        },
        "labels": list(topics),
        "confusion": confusion_matrix(gold, pred, labels=list(topics)).tolist(),
    }


def format_report(metrics: dict[str, Any]) -> str:
    """Render metrics as a markdown table plus the headline numbers."""
    lines = [
        f"- items: {metrics['n']}",
        f"- accuracy: {metrics['accuracy']:.4f}",
        f"- macro-F1: {metrics['macro_f1']:.4f}",
        f"- diplomatic-vs-other F1: {metrics['diplomatic_f1']:.4f}",
        "",
        "| topic | precision | recall | F1 | support |",
        "|---|---:|---:|---:|---:|",
    ]
    for topic, m in metrics["per_topic"].items():
        lines.append(f"| {topic} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} |")
    return "\n".join(lines)


def format_confusion(metrics: dict[str, Any]) -> str:
    """Render the confusion matrix as a plain-text table (rows gold, columns predicted)."""
    labels = metrics["labels"]
    short = [t[:6] for t in labels]
    width = max(len(t) for t in labels)
    out = [" " * width + " " + " ".join(f"{s:>6}" for s in short)]
    for t, row in zip(labels, metrics["confusion"]):
        out.append(f"{t:>{width}} " + " ".join(f"{v:>6}" for v in row))
    return "\n".join(out)


def plot_confusion(metrics: dict[str, Any], path: str | Path, title: str = "Confusion matrix") -> None:
    """Draw the confusion matrix (row-normalised colours, raw counts) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = metrics["labels"]
    counts = np.asarray(metrics["confusion"], dtype=float)
    norm = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(8, 7), dpi=100)
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(title)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if counts[i, j]:
                ax.text(
                    j,
                    i,
                    int(counts[i, j]),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if norm[i, j] > 0.5 else "black",
                )
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
