import json

import pytest

from models.corpus import LabeledItem
from models.registry import ModelNotFoundError, ModelRejectedError, Registry
from models.train import fit

ITEMS = [
    LabeledItem("a1", "bilateral_relations", "وزير الخارجية يستقبل السفير", "استقبل وزير الخارجية سفير فرنسا"),
    LabeledItem("a2", "bilateral_relations", "اتصال هاتفي بين الرئيسين", "بحث الرئيسان العلاقات الثنائية"),
    LabeledItem("a3", "other", "ارتفاع أسعار النفط", "ارتفعت أسعار النفط في الأسواق اليوم"),
    LabeledItem("a4", "other", "فوز المنتخب في المباراة", "فاز المنتخب الوطني بهدفين"),
]


@pytest.fixture(scope="module")
def tiny_pipeline():
    return fit(ITEMS, {"classifier": "logreg", "features": "char"})


@pytest.fixture()
def registry(tmp_path, tiny_pipeline):
    reg = Registry(str(tmp_path / "reg"))
    version = reg.save(tiny_pipeline, {"metrics": {}})
    reg.set_champion(version)
    return reg


def test_save_load_and_champion(registry):
    (version,) = registry.versions()
    assert registry.champion() == version
    loaded = registry.load()
    assert loaded.version == version
    assert loaded.pipeline.predict(["وزير الخارجية يستقبل السفير"])[0] in {"bilateral_relations", "other"}
    meta = registry.metadata(version)
    for key in ("libraries", "taxonomy_version", "created_at", "artifact_sha256", "topics"):
        assert key in meta
    assert meta["libraries"]["scikit-learn"]


def test_empty_registry_says_how_to_train(tmp_path):
    with pytest.raises(ModelNotFoundError, match="marsad train"):
        Registry(str(tmp_path / "empty")).load()


def test_unknown_version_is_not_found(registry):
    with pytest.raises(ModelNotFoundError):
        registry.load("19990101T000000-000000")


def test_tampered_artifact_is_refused(registry):
    version = registry.champion()
    path = registry.path(version, "model.skops")
    with open(path, "r+b") as fh:
        data = bytearray(fh.read())
        data[len(data) // 2] ^= 0xFF
        fh.seek(0)
        fh.write(data)
    with pytest.raises(ModelRejectedError, match="sha256"):
        registry.load()


def _edit_metadata(registry, **changes):
    version = registry.champion()
    path = registry.path(version, "metadata.json")
    meta = json.loads(open(path, encoding="utf-8").read())
    for key, value in changes.items():
        if isinstance(value, dict):
            meta[key] = {**meta[key], **value}
        else:
            meta[key] = value
    open(path, "w", encoding="utf-8").write(json.dumps(meta))


def test_taxonomy_mismatch_is_refused(registry):
    _edit_metadata(registry, taxonomy_version=0)
    with pytest.raises(ModelRejectedError, match="taxonomy version"):
        registry.load()


def test_library_mismatch_is_refused(registry):
    _edit_metadata(registry, libraries={"scikit-learn": "0.24.2"})
    with pytest.raises(ModelRejectedError, match="scikit-learn 0.24.2"):
        registry.load()


def test_untrusted_types_are_refused(tmp_path):
    import skops.io as sio
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    reg = Registry(str(tmp_path / "reg"))
    evil = Pipeline([("f", FunctionTransformer(func=print))])
    version = reg.save(evil, {"metrics": {}})
    assert "builtins.print" in sio.get_untrusted_types(data=open(reg.path(version, "model.skops"), "rb").read())
    with pytest.raises(ModelRejectedError, match="untrusted types"):
        reg.load(version)


def test_set_champion_needs_an_existing_version(registry):
    with pytest.raises(ModelNotFoundError):
        registry.set_champion("nope")


def test_loading_the_same_artifact_again_reuses_the_model_but_still_checks_it(registry):
    first = registry.load()
    assert registry.load().pipeline is first.pipeline  # same bytes, same sha256: built once per process
    other = registry.save(fit(ITEMS, {"classifier": "logreg", "features": "word"}), {"metrics": {}})
    assert registry.load(other).pipeline is not first.pipeline
    path = registry.path(first.version, "model.skops")
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0xFF
    open(path, "wb").write(data)
    with pytest.raises(ModelRejectedError, match="sha256"):
        registry.load(first.version)
