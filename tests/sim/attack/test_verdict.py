"""Conclusions of a search and of an adaptive comparison, from hand-built documents."""

from __future__ import annotations

from typing import Any

from sim.attack.verdict import adaptive_conclusions, attack_conclusions, rank_by_worst


def _side(share: float, profit: float, lo: float | None = None, hi: float | None = None) -> dict[str, Any]:
    def s(mean: float, lo_: float | None, hi_: float | None) -> dict[str, Any]:
        return {"mean": mean, "ci_low": lo_, "ci_high": hi_, "half_width": None if lo_ is None else (hi_ - lo_) / 2}
    return {"label": "x", "params": {"devices": 4}, "cost": 100.0,
            "stats": {"bot_share_total": s(share, None, None), "scalper_profit.c": s(profit, lo, hi)}}


def _doc(policy: str, nominal: dict[str, Any], best: dict[str, Any], objective: str = "bot_share") -> dict[str, Any]:
    stronger = best["stats"]["bot_share_total"]["mean"] > nominal["stats"]["bot_share_total"]["mean"]
    return {"policy": policy, "crew": "c", "metric": "bot_share_total", "objective": objective,
            "settings": {"confirm_seeds": 5}, "trials": [{"params": {"devices": 4}}] * 3,
            "nominal": nominal, "best": best, "worst_is": "best" if stronger else "nominal",
            "found_stronger": stronger}


def test_a_winning_attack_at_a_loss_is_called_one() -> None:
    best = _side(0.9, -300.0, -400.0, -200.0)
    best["params"] = {"devices": 16}
    lines = attack_conclusions(_doc("lottery", _side(0.1, 50.0), best))
    assert any("devices=16" in line for line in lines)
    assert any("at a loss" in line for line in lines)


def test_profit_objective_names_a_policy_no_attack_makes_pay() -> None:
    doc = _doc("lottery", _side(0.05, -20.0, -40.0, -5.0), _side(0.04, -30.0, -50.0, -10.0), "profit")
    assert any("No profitable attack on lottery" in line for line in attack_conclusions(doc))


def test_ranking_is_by_worst_case_and_names_the_nominal_winner_that_falls() -> None:
    fragile = _doc("waiting_room", _side(0.02, 10.0), _side(0.7, 500.0))   # best nominally, falls
    robust = _doc("lottery", _side(0.10, 5.0), _side(0.15, 8.0))
    assert [d["policy"] for d in rank_by_worst([fragile, robust])] == ["lottery", "waiting_room"]
    lines = adaptive_conclusions([fragile, robust])
    assert lines[0].startswith("Most robust: lottery")
    assert any(line.startswith("waiting_room ranks first against today's crew") for line in lines)
