"""Not a test module: `mypy --strict` checks it in .ci/python.sh, so the stubs type what
the API takes and returns (a wrong key or type here fails the type check)."""

from pathlib import Path
from typing import List, Optional

import pactum

engine = pactum.Engine(Path("rules"), "examples/data", fail_on="warning")
decision = engine.decide({"id": "S-1", "kind": "sale"})
verdict: str = decision["verdict"]
rules: List[str] = [f["rule"] for f in decision["findings"]]
record: Optional[str] = decision["record"]
pack_hash: str = engine.pack["hash"]
data_hash: Optional[str] = engine.data_hash
report = engine.check("examples/records.jsonl", as_of="2026-06-30")
read: object = report["summary"]["read"]
by_list = engine.check([{"id": "S-1"}])
gate = pactum.Gate(engine)
gate.remember(b'{"id": "U-1"}')
held: bool = gate.decide('{"id": "S-2"}')["verdict"] == "hold"
try:
    reloaded = engine.reload("rules", "examples/data")
    changed: bool = reloaded["changed"]
except pactum.LoadError as e:
    line: int = e.problems[0]["line"]
