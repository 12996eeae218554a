"""The four stories of the example data (examples/README.md), decided from Python."""

import pytest

import pactum
from conftest import DATA, RULES, rules_of, sale

DECISION_KEYS = [
    "decision_id",
    "record",
    "verdict",
    "findings",
    "rule_errors",
    "rules_evaluated",
    "rules_skipped",
    "pack",
    "data",
    "as_of",
]


@pytest.fixture(scope="module")
def gated(example_records):
    """Every example record decided in file (date) order by one gate, by record id."""
    engine = pactum.Engine(RULES, DATA)
    gate = pactum.Gate(engine)
    return {r["id"]: gate.decide(r) for r in example_records}


def test_a_decision_has_exactly_the_keys_of_the_decision_record(engine):
    decision = engine.decide(sale("S-1", "P-DE-04", "2026-03-14"))
    assert list(decision) == DECISION_KEYS
    assert decision["verdict"] == "accept"
    assert decision["record"] == "S-1"
    assert decision["as_of"] == "2026-03-14"
    assert decision["pack"] == engine.pack
    assert decision["data"] == {"hash": engine.data_hash}


def test_undercutting_integrator_is_held_on_price_min_list(engine):
    undercut = sale(
        "S-1",
        "P-SI-07",
        "2026-03-14",
        lines=[{"sku": "SEAL-200", "qty": 4, "unit_price": "81.00", "currency": "USD", "source": "oem"}],
    )
    decision = engine.decide(undercut)
    assert decision["verdict"] == "hold"
    assert rules_of(decision) == ["price.min-list"]
    finding = decision["findings"][0]
    assert (finding["expected"], finding["actual"]) == ("90.00", "81.00")


def test_undercutting_integrator_in_the_example_data(gated):
    undercut = [
        d
        for d in gated.values()
        if "price.min-list" in rules_of(d) and d["findings"][0]["partner"] == "P-SI-07"
    ]
    assert len(undercut) >= 4, "the integrator's undercut sales are held"
    assert all(d["verdict"] == "hold" for d in undercut)


def test_non_genuine_parts_of_the_dealer(gated):
    for record in ("SO-0201", "SO-0202", "S-0201"):
        assert gated[record]["verdict"] == "hold"
        assert "parts.genuine" in rules_of(gated[record]), record


def test_agent_sale_of_an_opportunity_reported_late_or_never(gated):
    late, unnamed = gated["S-0301"], gated["S-0302"]
    assert rules_of(late) == ["pipeline.registered-before-sale"]
    assert "2 days before the sale" in late["findings"][0]["message"]
    assert "pipeline.registered-before-sale" in rules_of(unnamed)
    assert "names no pipeline opportunity" in unnamed["findings"][-1]["message"]
    assert late["verdict"] == unnamed["verdict"] == "hold"


def test_handshake_deal_without_agreement_on_file(gated):
    assert "docs.agreement-on-file" in rules_of(gated["S-0502"])  # AG-9 never written down
    assert "docs.agreement-on-file" in rules_of(gated["S-0503"])  # agreement dated after
    assert gated["S-0502"]["verdict"] == "hold"
    assert gated["S-0501"]["verdict"] == "accept"  # AG-12 on file before the sale


def test_partners_who_do_it_right_are_accepted(gated):
    assert gated["S-0401"]["verdict"] == "accept"
    assert gated["S-0401"]["findings"] == []


@pytest.mark.parametrize(("reported", "verdict"), [("2026-03-17", "hold"), ("2026-03-10", "accept")])
def test_sale_of_an_opportunity_reported_days_before(engine, reported, verdict):
    # 3 days before the sale on 2026-03-20 is too late (lead_days = 7); 10 days is in time.
    gate = pactum.Gate(engine)
    gate.remember(
        {
            "id": "U-1",
            "kind": "pipeline_update",
            "date": reported,
            "partner": "P-SA-03",
            "opportunity": "OPP-9",
            "stage": "qualified",
        }
    )
    decision = gate.decide(sale("S-9", "P-SA-03", "2026-03-20", opportunity="OPP-9"))
    assert decision["verdict"] == verdict
    expected = ["pipeline.registered-before-sale"] if verdict == "hold" else []
    assert rules_of(decision) == expected
