"""Compare classifier feature/model options side by side: accuracy on dev and test, speed, size.

Usage: python -m bench.model_options [--json PATH]

Every option is trained on the train split only, scored on the dev split (used to choose) and on the test
split (reported, never used to choose), then timed: articles per second in batches of 256 and one at a time,
artifact size (skops) and resident size of the fitted pipeline (tracemalloc peak while loading it).
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc
from typing import Any

import skops.io as sio

from models.classifier import build_pipeline, document
from models.corpus import by_split, load_corpus
from models.evaluate import evaluate
from models.taxonomy import load_taxonomy

OPTIONS: dict[str, dict[str, Any]] = {
    "word tf-idf + svm": {"features": "word", "classifier": "svm"},
    "char tf-idf + svm": {"features": "char", "classifier": "svm"},
    "word+char tf-idf + svm": {"features": "word+char", "classifier": "svm"},
    "word+char tf-idf + logreg": {"features": "word+char", "classifier": "logreg"},
    "hashing word+char + svm": {"features": "hashing", "classifier": "svm"},
    "word+char + svm, lead only (80 words)": {"features": "word+char", "classifier": "svm", "max_words": 80},
}


def measure(name: str, params: dict[str, Any], items: list, topics: tuple[str, ...]) -> dict[str, Any]:
    train, dev, test = by_split(items, "train"), by_split(items, "dev"), by_split(items, "test")
    started = time.perf_counter()
    pipe = build_pipeline(**params)
    pipe.fit([document(i.title, i.text) for i in train], [i.label for i in train])
    fit_s = time.perf_counter() - started
    dev_m, test_m = evaluate(pipe, dev, topics), evaluate(pipe, test, topics)
    docs = [document(i.title, i.text) for i in items][:2000]
    started = time.perf_counter()
    for start in range(0, len(docs), 256):
        pipe.predict_proba(docs[start : start + 256])
    batch_rate = len(docs) / (time.perf_counter() - started)
    started = time.perf_counter()
    for doc in docs[:300]:
        pipe.predict_proba([doc])
    single_rate = 300 / (time.perf_counter() - started)
    data = sio.dumps(pipe)
    tracemalloc.start()
    sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "option": name,
        "params": params,
        "dev_macro_f1": dev_m["macro_f1"],
        "dev_diplomatic_f1": dev_m["diplomatic_f1"],
        "test_macro_f1": test_m["macro_f1"],
        "test_accuracy": test_m["accuracy"],
        "fit_seconds": round(fit_s, 1),
        "batch_articles_per_s": round(batch_rate),
        "single_articles_per_s": round(single_rate),
        "artifact_mb": round(len(data) / 1e6, 1),
        "memory_mb": round(peak / 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", help="also write the rows as JSON here")
    args = parser.parse_args()
    items = load_corpus()
    topics = load_taxonomy().ids
    rows = [measure(name, params, items, topics) for name, params in OPTIONS.items()]
    header = "| option | dev macro-F1 | dev dipl.-F1 | test macro-F1 | fit s | batch art/s | single art/s | artifact MB | memory MB |"
    print(f"corpus: {len(items)} items\n")
    print(header)
    print("|---|" + "---:|" * 8)
    for r in rows:
        print(
            f"| {r['option']} | {r['dev_macro_f1']:.3f} | {r['dev_diplomatic_f1']:.3f} | {r['test_macro_f1']:.3f} | "
            f"{r['fit_seconds']} | {r['batch_articles_per_s']} | {r['single_articles_per_s']} | {r['artifact_mb']} | "
            f"{r['memory_mb']} |"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=2)


if __name__ == "__main__":
    main()
