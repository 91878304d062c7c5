from models.promotion import decide


def metrics(macro, per_topic):
    return {"macro_f1": macro, "per_topic": {t: {"f1": f, "support": 10} for t, f in per_topic.items()}}


def test_no_champion_promotes():
    assert decide({"test": metrics(0.5, {"a": 0.5})}, None).promote


def test_equal_or_better_promotes_and_small_dip_is_tolerated():
    champ = {"test": metrics(0.90, {"a": 0.9, "b": 0.9})}
    assert decide({"test": metrics(0.91, {"a": 0.92, "b": 0.90})}, champ).promote
    assert decide({"test": metrics(0.896, {"a": 0.9, "b": 0.89})}, champ).promote


def test_macro_drop_beyond_tolerance_rejects():
    decision = decide({"test": metrics(0.89, {"a": 0.9, "b": 0.88})}, {"test": metrics(0.90, {"a": 0.9, "b": 0.9})})
    assert not decision.promote and any("below the champion" in r for r in decision.reasons)


def test_one_topic_collapsing_rejects_even_with_better_macro():
    decision = decide({"test": metrics(0.95, {"a": 1.0, "b": 0.80})}, {"test": metrics(0.90, {"a": 0.9, "b": 0.9})})
    assert not decision.promote and any("b F1 falls by 0.100" in r for r in decision.reasons)


def test_every_evaluation_set_must_pass():
    champ = {"test": metrics(0.9, {"a": 0.9}), "heldout": metrics(0.9, {"a": 0.9})}
    cand = {"test": metrics(0.95, {"a": 0.95}), "heldout": metrics(0.8, {"a": 0.8})}
    assert not decide(cand, champ).promote
