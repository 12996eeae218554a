"""What a host sees when a record or a pack is wrong."""

import decimal
import datetime

import pytest

import pactum
from conftest import DATA, RULES, rules_of, sale


def test_text_that_is_not_json_is_a_reject_decision(engine):
    decision = engine.decide("{not json")
    assert decision["verdict"] == "reject"
    assert decision["record"] is None
    assert decision["as_of"] is None
    [error] = decision["rule_errors"]
    assert error["rule"] == "input"
    assert error["reason"].startswith("the record cannot be read: ")


def test_bytes_that_are_not_utf8_are_a_reject_decision(engine):
    decision = engine.decide(b"\xff\xfe{}")
    assert decision["verdict"] == "reject"
    assert "not UTF-8" in decision["rule_errors"][0]["reason"]


def test_json_that_is_not_a_record_is_a_reject_decision(engine):
    assert engine.decide("[1, 2]")["verdict"] == "reject"
    assert engine.decide({"id": "S-1"})["verdict"] == "reject"


def test_json_text_and_bytes_decide_as_the_dict(engine):
    import json

    record = sale("S-1", "P-DE-04", "2026-03-14")
    by_dict = engine.decide(record)
    by_text = engine.decide(json.dumps(record))
    by_bytes = engine.decide(json.dumps(record).encode())
    for d in (by_dict, by_text, by_bytes):
        d.pop("decision_id")
    assert by_dict == by_text == by_bytes


@pytest.mark.parametrize("value", [3, None, [1], 2.5, object()])
def test_a_value_that_is_not_a_dict_or_text_is_a_record_error(engine, value):
    with pytest.raises(pactum.RecordError, match="a record is a dict, or JSON text as str or bytes, but found"):
        engine.decide(value)
    assert issubclass(pactum.RecordError, pactum.Error)
    assert engine.remembered == 0


def test_a_dict_that_cannot_be_json_is_a_record_error(engine):
    with pytest.raises(pactum.RecordError, match="the record cannot be written as JSON"):
        engine.decide({"id": "S-1", "tags": {1, 2}})
    with pytest.raises(pactum.RecordError, match="the record cannot be written as JSON"):
        engine.decide({"id": "S-1", "qty": float("nan")})


def test_decimals_and_dates_are_written_as_their_text(engine):
    as_text = sale("S-1", "P-SI-07", "2026-03-14")
    as_text["lines"][0]["unit_price"] = "1000.00"
    typed = sale("S-1", "P-SI-07", datetime.date(2026, 3, 14))
    typed["lines"][0]["unit_price"] = decimal.Decimal("1000.00")
    a, b = engine.decide(as_text), engine.decide(typed)
    assert rules_of(a) == rules_of(b) == ["price.min-list"]
    assert a["findings"] == b["findings"]


def test_remember_raises_record_error_for_an_unreadable_record(engine):
    with pytest.raises(pactum.RecordError, match="the record cannot be read"):
        engine.remember("{not json")
    with pytest.raises(pactum.RecordError):
        pactum.Gate(engine).remember(b"\xff")


def test_a_missing_pack_is_a_load_error_with_its_problems(tmp_path):
    with pytest.raises(pactum.LoadError) as caught:
        pactum.Engine(tmp_path / "nope", DATA)
    [problem] = caught.value.problems
    assert problem["code"] == "pactum::pack::missing-folder"
    assert set(problem) == {"file", "line", "column", "message", "code"}
    assert "does not exist" in str(caught.value)
    assert isinstance(caught.value, pactum.Error)


def test_a_broken_pack_lists_every_problem_with_file_line_and_column(pack_copy):
    script = pack_copy / "scripts" / "partner_active.rhai"
    script.write_text(script.read_text() + "\nfn broken( {\n")
    manifest = pack_copy / "pack.toml"
    manifest.write_text(manifest.read_text().replace('version = "1.0.0"', 'versoin = "1.0.0"'))
    with pytest.raises(pactum.LoadError) as caught:
        pactum.Engine(pack_copy, DATA)
    problems = caught.value.problems
    assert len(problems) >= 2, problems
    files = {p["file"].replace("\\", "/").split("/")[-1] for p in problems}
    assert {"partner_active.rhai", "pack.toml"} <= files
    for p in problems:
        assert p["line"] >= 1 and p["column"] >= 1, p
    assert "\n" not in str(caught.value)


def test_bad_fail_on_is_a_value_error():
    with pytest.raises(ValueError, match="fail_on is `info`, `warning` or `error`"):
        pactum.Engine(RULES, DATA, fail_on="fatal")
