"""Labeled data: the bundled authored corpus, user-supplied labeled files, and the fixed splits.

Labeled files are JSON Lines or CSV with at least ``id``, ``title``, ``text`` and ``label`` (``topic`` is accepted
as a synonym of ``label``, so files exported by ``marsad uncertain`` or ``marsad classify`` read back directly).
Splits are fixed by a stable hash of the item id: the same item is always in the same split, whatever else is in
the corpus, and the test split is never used for tuning.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

from models.taxonomy import load_taxonomy

Split = Literal["train", "dev", "test"]
SPLIT_PERCENT = {"train": 70, "dev": 15, "test": 15}


@dataclass(frozen=True)
class LabeledItem:
    """One labeled article."""

    id: str
    label: str
    title: str
    text: str
    secondary: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    source: str = field(default="", compare=False)

    @property
    def split(self) -> Split:
        """The item's fixed split, from a stable hash of its id."""
        return split_of(self.id)


class LabeledDataError(ValueError):
    """A labeled file cannot be read; the message names the file and line."""


def split_of(item_id: str) -> Split:
    """Return the split of an item id: 70% train, 15% dev, 15% test, stable across runs and machines."""
    bucket = int.from_bytes(hashlib.sha256(item_id.encode("utf-8")).digest()[:8], "big") % 100
    if bucket < SPLIT_PERCENT["train"]:
        return "train"
    if bucket < SPLIT_PERCENT["train"] + SPLIT_PERCENT["dev"]:
        return "dev"
    return "test"


def heldout_files() -> list[Path]:
    """The bundled held-out evaluation files (``models/heldout/*.jsonl``): never trained on, never tuned on."""
    root = Path(str(resources.files("models").joinpath("heldout")))
    return sorted(root.glob("*.jsonl"))


def load_heldout() -> list[LabeledItem]:
    """The bundled held-out evaluation items."""
    return [item for path in heldout_files() for item in read_labeled(path)]


def corpus_files() -> list[Path]:
    """The bundled corpus files (``models/corpus/items/*.jsonl``), sorted."""
    root = Path(str(resources.files("models").joinpath("corpus/items")))
    return sorted(root.glob("*.jsonl"))


def item_from_row(row: dict[str, object], where: str, known: Sequence[str] | None = None) -> LabeledItem:
    """One labeled item from a row (``label`` or ``topic``), raising a ``LabeledDataError`` naming ``where``."""
    known = known or load_taxonomy().ids
    label = row.get("label", row.get("topic"))
    missing = [k for k, v in (("id", row.get("id")), ("title", row.get("title")), ("label", label)) if not v]
    if missing:
        raise LabeledDataError(f"{where}: missing {', '.join(missing)}")
    if label not in known:
        raise LabeledDataError(f"{where}: unknown label {label!r}; known labels: {', '.join(known)}")

    def _list(key: str) -> tuple[str, ...]:
        value = row.get(key) or ()
        if isinstance(value, str):
            value = [v for v in value.replace(";", ",").split(",") if v.strip()]
        return tuple(str(v).strip() for v in value)  # type: ignore[union-attr]

    return LabeledItem(
        id=str(row["id"]),
        label=str(label),
        title=str(row.get("title") or ""),
        text=str(row.get("text") or ""),
        secondary=_list("secondary"),
        countries=_list("countries"),
        organizations=_list("organizations"),
        source=where.rsplit(":", 1)[0],
    )


def read_labeled(path: str | Path) -> Iterator[LabeledItem]:
    """Read a labeled JSON Lines or CSV file (chosen by extension), raising a clear error on a bad row."""
    known = load_taxonomy().ids
    first_line = 2 if str(path).lower().endswith(".csv") else 1
    for n, row in enumerate(read_rows(path), start=first_line):
        yield item_from_row(row, f"{path}:{n}", known)


def load_corpus(extra: Iterable[str | Path] = ()) -> list[LabeledItem]:
    """Load the bundled corpus plus any extra labeled files; a later file's item replaces an earlier same id."""
    items: dict[str, LabeledItem] = {}
    for path in [*corpus_files(), *map(Path, extra)]:
        for item in read_labeled(path):
            items[item.id] = item
    return list(items.values())


def read_rows(path: str | Path) -> list[dict[str, object]]:
    """The rows of a JSON Lines or CSV file (by extension), raising a ``LabeledDataError`` naming the line."""
    path = Path(path)
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LabeledDataError(f"{path}: cannot read: {exc}") from exc
    if path.suffix.lower() == ".csv":
        return [dict(row) for row in csv.DictReader(io.StringIO(content))]
    rows = []
    for n, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LabeledDataError(f"{path}:{n}: not valid JSON: {exc.msg}") from exc
        if not isinstance(row, dict):
            raise LabeledDataError(f"{path}:{n}: expected a JSON object")
        rows.append(row)
    return rows


def corpus_hash(items: Iterable[LabeledItem]) -> str:
    """A stable hash of labeled data (ids, labels and texts), recorded in model metadata."""
    digest = hashlib.sha256()
    for it in sorted(items, key=lambda i: i.id):
        digest.update(json.dumps([it.id, it.label, it.title, it.text], ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def by_split(items: Iterable[LabeledItem], split: Split) -> list[LabeledItem]:
    """The items of one split."""
    return [it for it in items if it.split == split]
