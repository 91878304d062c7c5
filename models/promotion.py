"""The promotion gate: when may a retrained candidate replace the champion?"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_MACRO_TOLERANCE = 0.005
DEFAULT_TOPIC_TOLERANCE = 0.05


@dataclass(frozen=True)
class Decision:
    """The gate's verdict, with every reason spelled out."""

    promote: bool
    reasons: tuple[str, ...] = field(default=())


def decide(
    candidate: dict[str, dict[str, Any]],
    champion: dict[str, dict[str, Any]] | None,
    *,
    macro_tolerance: float = DEFAULT_MACRO_TOLERANCE,
    topic_tolerance: float = DEFAULT_TOPIC_TOLERANCE,
) -> Decision:
    """Decide on promotion from metrics per evaluation set (``{"test": metrics, "heldout": metrics, ...}``).

    The candidate is promoted when, on every evaluation set both were scored on, its macro-F1 is at least the
    champion's minus ``macro_tolerance`` and no topic's F1 falls by more than ``topic_tolerance``. With no champion
    the candidate is promoted.
    """
    if champion is None:
        return Decision(True, ("there is no champion yet",))
    reasons: list[str] = []
    ok = True
    for name, cand in candidate.items():
        champ = champion.get(name)
        if champ is None:
            continue
        delta = cand["macro_f1"] - champ["macro_f1"]
        if delta < -macro_tolerance:
            ok = False
            reasons.append(
                f"{name}: macro-F1 {cand['macro_f1']:.4f} is {-delta:.4f} below the champion's {champ['macro_f1']:.4f} "
                f"(tolerance {macro_tolerance})"
            )
        else:
            reasons.append(
                f"{name}: macro-F1 {cand['macro_f1']:.4f} vs champion {champ['macro_f1']:.4f} ({delta:+.4f}), "
                "within tolerance"
            )
        for topic, m in cand["per_topic"].items():
            before = champ["per_topic"].get(topic, {})
            if not before.get("support"):
                continue
            drop = before["f1"] - m["f1"]
            if drop > topic_tolerance:
                ok = False
                reasons.append(
                    f"{name}: {topic} F1 falls by {drop:.3f} ({before['f1']:.3f} → {m['f1']:.3f}), "
                    f"over {topic_tolerance}"
                )
    return Decision(ok, tuple(reasons))
