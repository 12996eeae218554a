"""`pactum.Gate`: a history of its own over an engine's pack."""

import threading

import pactum
from conftest import rules_of, sale

UPDATE = {
    "id": "U-1",
    "kind": "pipeline_update",
    "date": "2026-03-01",
    "partner": "P-SA-03",
    "opportunity": "OPP-9",
    "stage": "qualified",
}
SALE = sale("S-9", "P-SA-03", "2026-03-20", opportunity="OPP-9")


def test_each_gate_keeps_its_own_history(engine):
    told, untold = pactum.Gate(engine), pactum.Gate(engine)
    told.remember(UPDATE)

    assert told.decide(SALE)["verdict"] == "accept"
    assert rules_of(untold.decide(SALE)) == ["pipeline.registered-before-sale"]
    assert (told.remembered, untold.remembered, engine.remembered) == (2, 1, 0)
    assert told.engine is engine


def test_the_engine_is_a_gate_too(engine):
    engine.decide(UPDATE)
    assert engine.decide(SALE)["verdict"] == "accept"
    assert engine.remembered == 2
    assert rules_of(pactum.Gate(engine).decide(SALE)) == ["pipeline.registered-before-sale"]


def test_fail_on_warning_holds_warnings(engine):
    # A line in a currency with no list price: `price.no-list-price`, a warning.
    record = sale(
        "S-1",
        "P-DE-04",
        "2026-03-14",
        lines=[{"sku": "PUMP-10", "qty": 1, "unit_price": "1200.00", "currency": "CAD", "source": "oem"}],
    )
    lenient, strict = pactum.Gate(engine), pactum.Gate(engine, fail_on="warning")
    a, b = lenient.decide(record), strict.decide(record)
    assert [f["severity"] for f in a["findings"]] == ["warning"]
    assert (a["verdict"], b["verdict"]) == ("accept", "hold")
    assert (lenient.fail_on, strict.fail_on) == ("error", "warning")


def test_threads_share_a_gate(engine):
    gate = pactum.Gate(engine)
    verdicts = []

    def decide(n):
        for i in range(50):
            verdicts.append(gate.decide(sale(f"S-{n}-{i}", "P-DE-04", "2026-03-14"))["verdict"])

    threads = [threading.Thread(target=decide, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert verdicts == ["accept"] * 200
    assert gate.remembered == 200
