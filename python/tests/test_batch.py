"""`engine.check`: the report of `pactum check --format json`, with the GIL released."""

import json
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

import pactum
from conftest import DATA, RECORDS, ROOT, RULES


def pactum_bin() -> str:
    binary = os.environ.get("PACTUM_BIN")
    if not binary:
        if os.environ.get("CI") == "true":
            pytest.fail("PACTUM_BIN is not set: CI must compare with the command line")
        pytest.skip("PACTUM_BIN is not set (build with `cargo build -p pactum-cli` and set it to target/debug/pactum)")
    return binary


def cli_report(*args) -> dict:
    done = subprocess.run(
        [pactum_bin(), "check", "--format", "json", "--rules", str(RULES), "--data", str(DATA), *args],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr.decode()  # 1: findings at fail-on
    return json.loads(done.stdout)


def test_gate_decisions_equal_the_rust_gate_of_the_command_line(engine):
    # `pactum gate` decides each line of its input with the library's Gate: the same
    # decisions, but for their ids, as a pactum.Gate fed the same lines (a bad one included).
    lines = RECORDS.read_bytes().splitlines() + [b"{not json", b'{"id": "X"}']
    done = subprocess.run(
        [pactum_bin(), "gate", "--rules", str(RULES), "--data", str(DATA)],
        cwd=ROOT,
        input=b"\n".join(lines) + b"\n",
        capture_output=True,
        check=True,
    )
    by_cli = [json.loads(line) for line in done.stdout.splitlines()]
    gate = pactum.Gate(engine)
    by_python = [gate.decide(line) for line in lines]
    assert len(by_cli) == len(by_python) == len(lines)
    for a, b in zip(by_cli, by_python):
        assert a.pop("decision_id") != b.pop("decision_id")
        assert a == b


def test_check_of_the_example_records_equals_the_command_line(engine):
    report = engine.check(str(RECORDS))
    assert report == cli_report(str(RECORDS))
    assert report["summary"]["read"] == 83
    assert report["pack"] == engine.pack


def test_check_with_as_of_equals_the_command_line(engine):
    report = engine.check(RECORDS, as_of="2026-09-30")
    assert report["as_of"] == "2026-09-30"
    assert report == cli_report("--as-of", "2026-09-30", str(RECORDS))


def test_a_list_of_records_gives_the_report_of_the_file(engine, example_records):
    import datetime

    by_file = engine.check(Path(RECORDS))
    by_list = engine.check(example_records)
    assert by_list == by_file
    # The integrator's five undercuts, the misused agreement, the resale to another customer
    # under an agreement, and the EU reseller's margin analysis (info).
    assert by_list["summary"]["by_rule"]["price.min-list"] == 8
    assert engine.check(tuple(example_records), as_of=datetime.date(2026, 6, 30)) == by_file


def test_a_batch_check_does_not_touch_the_history(engine, example_records):
    engine.check(example_records)
    assert engine.remembered == 0


def test_unreadable_records_of_a_batch_are_rejected_not_raised(engine):
    report = engine.check([{"id": "S-1"}, "not a record"], as_of="2026-03-01")
    assert report["summary"]["read"] == 2
    assert report["summary"]["rejected"] == 2


def test_check_errors(engine, tmp_path):
    with pytest.raises(FileNotFoundError, match="cannot open"):
        engine.check(tmp_path / "missing.jsonl")
    with pytest.raises(TypeError, match="a path to a JSON Lines file or a list of records"):
        engine.check(42)
    with pytest.raises(ValueError, match="as_of"):
        engine.check(RECORDS, as_of="30 June")
    with pytest.raises(pactum.RecordError, match="the records cannot be written as JSON"):
        engine.check([{"id": {1}}])
    broken = tmp_path / "broken.json"
    broken.write_text('[{"id": "S-1"}, ')
    with pytest.raises(pactum.RecordError):
        engine.check(broken)


@pytest.fixture(scope="module")
def big_batch(tmp_path_factory, example_records) -> Path:
    """The example records 500 times over (41,500 records), each with its own id."""
    path = tmp_path_factory.mktemp("batch") / "big.jsonl"
    with path.open("w") as out:
        for k in range(500):
            for record in example_records:
                out.write(json.dumps(dict(record, id=f"{record['id']}-{k}")) + "\n")
    return path


def test_the_gil_is_released_while_checking(engine, big_batch, example_records):
    ticks = []
    stop = threading.Event()

    def ticker():
        # Needs the GIL for every tick: it ticks during the check only if the check lets go.
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    thread = threading.Thread(target=ticker)
    thread.start()
    try:
        time.sleep(0.05)
        start = time.perf_counter()
        report = engine.check(big_batch)
        end = time.perf_counter()
    finally:
        stop.set()
        thread.join()

    assert report["summary"]["read"] == 500 * len(example_records)
    during = [t for t in ticks if start < t < end]
    elapsed = end - start
    # A check holding the GIL would leave no tick between its start and end.
    assert elapsed > 0.05, f"the check took {elapsed:.3f}s: too short to tell"
    assert len(during) >= 10, f"{len(during)} ticks during a {elapsed:.3f}s check"
