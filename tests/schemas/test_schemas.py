"""Schema contracts: documented fields, pinned fingerprints, history, codecs, evolution across versions."""

import io
import json
from datetime import datetime, timezone
from pathlib import Path

import fastavro
import pytest
from fastavro.schema import fingerprint, to_parsing_canonical_form

import schemas

HISTORY = Path(schemas.__file__).parent / "history"
PINNED = json.loads((HISTORY / "FINGERPRINTS.json").read_text())


def sample(name: str, version: str | None = None) -> dict:
    """A valid record for any version of a schema, built from its fields."""
    record = {}
    for field in schemas.raw_schema(name, version)["fields"]:
        record[field["name"]] = _value(field["type"], field["name"])
    return record


def _value(kind, name):
    if isinstance(kind, list):
        return _value([k for k in kind if k != "null"][0], name)
    if isinstance(kind, dict):
        if kind.get("logicalType") == "uuid":
            return "6f1d7c1e-5a3b-4c7e-9b1a-3e2f4d5c6b7a"
        if kind.get("logicalType") == "timestamp-millis":
            return datetime(2025, 11, 4, 7, tzinfo=timezone.utc)
        if kind["type"] == "map":
            return {"other": 0.9, "bilateral_relations": 0.1}
        if kind["type"] == "array":
            return ["SAU"]
        return _value(kind["type"], name)
    return {"string": f"{name}-value", "int": 1, "long": 1, "double": 0.5, "boolean": True, "bytes": b"\x00raw"}[kind]


@pytest.mark.parametrize("name", schemas.RECORD_TYPES)
def test_every_field_has_a_doc(name):
    raw = schemas.raw_schema(name)
    assert raw.get("doc")
    for field in raw["fields"]:
        assert field.get("doc", "").strip(), f"{name}.{field['name']} has no doc"


@pytest.mark.parametrize("name", schemas.RECORD_TYPES)
def test_current_schema_is_the_newest_released_version(name):
    newest = schemas.history_versions()[-1]
    assert to_parsing_canonical_form(schemas.raw_schema(name)) == to_parsing_canonical_form(
        schemas.raw_schema(name, newest)
    )
    assert schemas.current_version() == newest


@pytest.mark.parametrize("name", schemas.RECORD_TYPES)
def test_fingerprints_are_pinned_for_every_released_version(name):
    # A change to a released schema (or a new version without a pinned fingerprint) fails here on purpose:
    # add a new folder under schemas/history and pin its fingerprint in FINGERPRINTS.json.
    for version in schemas.history_versions():
        canonical = to_parsing_canonical_form(schemas.raw_schema(name, version))
        assert PINNED[name].get(version) == fingerprint(canonical, "CRC-64-AVRO"), f"{name} v{version}"
    assert set(PINNED[name]) == set(schemas.history_versions())


@pytest.mark.parametrize("codec", ["null", "deflate", "bzip2", "xz"])
@pytest.mark.parametrize("name", schemas.RECORD_TYPES)
def test_round_trip_with_each_codec(name, codec):
    record = sample(name)
    buffer = io.BytesIO()
    fastavro.writer(buffer, schemas.parsed_schema(name), [record], codec=codec, strict=True)
    buffer.seek(0)
    (back,) = fastavro.reader(buffer)
    assert {k: str(v) if k.endswith("_id") else v for k, v in back.items()} == record


@pytest.mark.parametrize("name", schemas.RECORD_TYPES)
def test_strict_writing_rejects_unknown_fields(name):
    with pytest.raises(ValueError):
        fastavro.writer(io.BytesIO(), schemas.parsed_schema(name), [{**sample(name), "surprise": 1}], strict=True)


def _write(name, version, record):
    buffer = io.BytesIO()
    fastavro.writer(buffer, schemas.parsed_schema(name, version), [record])
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize("name", schemas.RECORD_TYPES)
@pytest.mark.parametrize("old", schemas.history_versions())
def test_backward_and_forward_compatibility(name, old):
    # Backward: files written with an old version read with the current schema.
    (back,) = fastavro.reader(_write(name, old, sample(name, old)), reader_schema=schemas.parsed_schema(name))
    assert set(back) == set(schemas.field_names(name))
    # Forward: files written now read with the old schema.
    (fwd,) = fastavro.reader(_write(name, None, sample(name)), reader_schema=schemas.parsed_schema(name, old))
    assert set(fwd) == {f["name"] for f in schemas.raw_schema(name, old)["fields"]}


def test_later_fields_have_defaults():
    for name in schemas.RECORD_TYPES:
        first = {f["name"] for f in schemas.raw_schema(name, schemas.history_versions()[0])["fields"]}
        for field in schemas.raw_schema(name)["fields"]:
            if field["name"] not in first:
                assert "default" in field, f"{name}.{field['name']} was added without a default"


def test_schema_docs_page_is_generated_from_the_avsc_files():
    from pathlib import Path

    from schemas.docs import render

    page = (Path(__file__).parents[2] / "docs" / "schemas.md").read_text(encoding="utf-8")
    assert page == render(), "docs/schemas.md is stale: run `python -m schemas.docs > docs/schemas.md`"
    for name in schemas.RECORD_TYPES:
        for field in schemas.field_names(name):
            assert f"`{field}`" in page
