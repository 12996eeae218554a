"""Shared fixtures: the repository's standard pack, example data and records."""

import json
import shutil
from pathlib import Path

import pytest

import pactum

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
DATA = ROOT / "examples" / "data"
RECORDS = ROOT / "examples" / "records.jsonl"


@pytest.fixture
def engine() -> pactum.Engine:
    return pactum.Engine(RULES, DATA)


@pytest.fixture(scope="session")
def example_records() -> list:
    return [json.loads(line) for line in RECORDS.read_text().splitlines() if line.strip()]


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    """A copy of the standard pack in tmp_path/rules, with the example data beside it where
    the manifest's `[tests] data = "../examples/data"` looks for it."""
    shutil.copytree(RULES, tmp_path / "rules")
    shutil.copytree(DATA, tmp_path / "examples" / "data")
    return tmp_path / "rules"


def sale(id, partner, date, **extra):
    """A sale with a purchase order and one line at list price, unless `lines` is given."""
    record = {
        "id": id,
        "kind": "sale",
        "date": date,
        "partner": partner,
        "customer": "C-1",
        "lines": [
            {"sku": "PUMP-10", "qty": 1, "unit_price": "1200.00", "currency": "USD", "source": "oem"}
        ],
        "documents": [{"kind": "purchase_order", "ref": "PO-1", "signed": True}],
    }
    record.update(extra)
    return record


def rules_of(decision) -> list:
    return [f["rule"] for f in decision["findings"]]
