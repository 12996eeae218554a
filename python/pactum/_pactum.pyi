"""Type stubs of the native module `pactum._pactum` (re-exported by `pactum`)."""

import datetime
import os
from typing import Any, Dict, List, Literal, Optional, Tuple, TypedDict, Union, final

__all__ = ["Engine", "Error", "Gate", "LoadError", "RecordError"]

# The names below `__all__` that are not in it exist for type checkers only: the dicts the
# API returns, typed (python/tests/stubtest-allowlist.txt lists them for stubtest).

Severity = Literal["info", "warning", "error"]
StrPath = Union[str, "os.PathLike[str]"]
RecordInput = Union[Dict[str, Any], str, bytes, bytearray]

class PackStamp(TypedDict):
    name: str
    version: str
    hash: str

class DataStamp(TypedDict):
    hash: Optional[str]

class _FindingBase(TypedDict):
    rule: str
    severity: Severity
    record: Optional[str]
    line: Optional[int]
    partner: Optional[str]
    message: str
    expected: Optional[str]
    actual: Optional[str]

class Finding(_FindingBase, total=False):
    code: str

class RuleError(TypedDict):
    rule: str
    record: Optional[str]
    reason: str

class SkippedRule(TypedDict):
    rule: str
    reason: str

class Decision(TypedDict):
    """The decision record (docs/decision-record.md): exactly these ten keys."""

    decision_id: str
    record: Optional[str]
    verdict: Literal["accept", "hold", "reject"]
    findings: List[Finding]
    rule_errors: List[RuleError]
    rules_evaluated: int
    rules_skipped: List[SkippedRule]
    pack: PackStamp
    data: DataStamp
    as_of: Optional[str]

class Report(TypedDict):
    """The report of `pactum check --format json`."""

    as_of: Optional[str]
    summary: Dict[str, Any]
    violations: List[Finding]
    rejected: List[Dict[str, Any]]
    rule_errors: List[RuleError]
    partners: List[Dict[str, Any]]
    regions: List[Dict[str, Any]]
    peer_groups: List[Dict[str, Any]]
    left_out: List[Dict[str, Any]]
    pack: PackStamp
    data: DataStamp

class Reloaded(TypedDict):
    pack: PackStamp
    previous: PackStamp
    data: DataStamp
    changed: bool
    cases: int

class Problem(TypedDict):
    file: str
    line: int
    column: int
    message: str
    code: str

class Error(Exception):
    """Every error pactum raises."""

class LoadError(Error):
    """A rule pack or its reference data did not load (or a reloaded pack failed its test
    cases); `problems` lists every problem."""

    problems: List[Problem]

class RecordError(Error):
    """A value given as a record (or a batch) cannot be one."""

@final
class Engine:
    """A rule pack and its reference data, reloadable, with the history of the records it
    decided."""

    def __new__(cls, rules: StrPath, data: StrPath, fail_on: Severity = "error") -> Engine: ...
    def decide(self, record: RecordInput) -> Decision: ...
    def remember(self, record: RecordInput) -> None: ...
    def check(
        self,
        records: Union[StrPath, List[Dict[str, Any]], Tuple[Dict[str, Any], ...]],
        as_of: Union[str, datetime.date, None] = None,
    ) -> Report: ...
    def reload(self, rules: StrPath, data: StrPath) -> Reloaded: ...
    @property
    def pack(self) -> PackStamp: ...
    @property
    def data_hash(self) -> Optional[str]: ...
    @property
    def fail_on(self) -> Severity: ...
    @property
    def remembered(self) -> int: ...

@final
class Gate:
    """A history of its own over an engine's (reloadable) pack and data."""

    def __new__(cls, engine: Engine, fail_on: Optional[Severity] = None) -> Gate: ...
    def decide(self, record: RecordInput) -> Decision: ...
    def remember(self, record: RecordInput) -> None: ...
    @property
    def engine(self) -> Engine: ...
    @property
    def fail_on(self) -> Severity: ...
    @property
    def remembered(self) -> int: ...
