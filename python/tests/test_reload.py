"""Reloading a pack: a good one changes the hash, a broken one is refused and the old one
keeps deciding."""

import pytest

import pactum
from conftest import DATA, sale


def test_reloading_an_edited_pack_changes_the_hash(pack_copy):
    engine = pactum.Engine(pack_copy, DATA)
    gate = pactum.Gate(engine)
    before = engine.pack
    rule_file = pack_copy / "price.toml"
    rule_file.write_text(rule_file.read_text() + "\n# edited\n")

    reloaded = engine.reload(pack_copy, DATA)

    assert reloaded["changed"] is True
    assert reloaded["previous"] == before
    assert reloaded["pack"]["hash"] != before["hash"]
    assert reloaded["pack"] == engine.pack
    assert reloaded["data"] == {"hash": engine.data_hash}
    assert reloaded["cases"] > 0
    decision = engine.decide(sale("S-1", "P-DE-04", "2026-03-14"))
    assert decision["pack"]["hash"] == reloaded["pack"]["hash"]
    # A gate decides with its engine's pack in use: the reload reaches it too.
    assert gate.decide(sale("S-2", "P-DE-04", "2026-03-14"))["pack"]["hash"] == reloaded["pack"]["hash"]


def test_reloading_the_same_files_changes_nothing(engine):
    from conftest import RULES

    reloaded = engine.reload(RULES, DATA)
    assert reloaded["changed"] is False
    assert reloaded["pack"] == reloaded["previous"]


def test_a_broken_pack_is_refused_and_the_old_one_keeps_deciding(pack_copy):
    engine = pactum.Engine(pack_copy, DATA)
    old = engine.pack["hash"]
    script = pack_copy / "scripts" / "partner_certified.rhai"
    lines = script.read_text().splitlines()
    lines.insert(2, "let x = ;")
    script.write_text("\n".join(lines) + "\n")

    with pytest.raises(pactum.LoadError) as caught:
        engine.reload(pack_copy, DATA)

    assert str(caught.value).startswith("the new rule pack was not loaded, the one in use is kept: ")
    [problem] = [p for p in caught.value.problems if p["file"].endswith("partner_certified.rhai")]
    assert problem["line"] == 3
    assert problem["column"] >= 1
    assert problem["code"].startswith("pactum::")
    assert engine.pack["hash"] == old
    decision = engine.decide(sale("S-1", "P-DE-04", "2026-03-14"))
    assert decision["verdict"] == "accept"
    assert decision["pack"]["hash"] == old


def test_a_pack_failing_its_test_cases_is_refused(pack_copy):
    engine = pactum.Engine(pack_copy, DATA)
    old = engine.pack["hash"]
    rules = pack_copy / "price.toml"
    text = rules.read_text()
    discounts = 'systems_integrator = "0"'
    assert discounts in text
    # The integrator may now give 50% off: the pack's own case of the undercut fails.
    rules.write_text(text.replace(discounts, 'systems_integrator = "0.5"', 1))

    with pytest.raises(pactum.LoadError) as caught:
        engine.reload(pack_copy, DATA)

    assert "test cases" in str(caught.value)
    assert caught.value.problems, "each failed case is a problem"
    for p in caught.value.problems:
        assert p["code"] == "pactum::test::failed"
        assert p["file"].endswith(".toml") and p["line"] >= 1
    assert engine.pack["hash"] == old
