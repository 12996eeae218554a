"""One record, one decision, whatever the host: the same records fed in the same order
through the Rust gate (`pactum gate`), the C library (`libpactum_c`, through ctypes), the
Python package and the HTTP sidecar (`pactum serve`) give the same decision records, but
for their `decision_id`s. Each host keeps its own history, so the sequence matters and is
the same for all four.

Needs the command line (`PACTUM_BIN`) and the C library (`PACTUM_C_LIB`); under CI=true a
missing one is a failure, elsewhere a skip (.ci/python.sh builds both and sets them)."""

import ctypes
import json
import os
import re
import subprocess
import urllib.request

import pytest

import pactum
from conftest import DATA, RECORDS, ROOT, RULES


def needed(variable: str, how: str) -> str:
    value = os.environ.get(variable)
    if not value:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{variable} is not set: CI must compare every host ({how})")
        pytest.skip(f"{variable} is not set ({how})")
    return value


def lines() -> list:
    """The example records, and three a host must reject (not JSON, not UTF-8, no kind)."""
    return RECORDS.read_bytes().splitlines() + [b"{not json", b"\xff\xfe", b'{"id": "X"}']


def by_rust_gate(binary: str) -> list:
    done = subprocess.run(
        [binary, "gate", "--rules", str(RULES), "--data", str(DATA)],
        cwd=ROOT,
        input=b"\n".join(lines()) + b"\n",
        capture_output=True,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


def by_c_library(library: str) -> list:
    c = ctypes.CDLL(library)
    c.pactum_engine_new.restype = ctypes.c_void_p
    c.pactum_engine_new.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
    c.pactum_decide.restype = ctypes.c_void_p
    c.pactum_decide.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    c.pactum_string_free.argtypes = [ctypes.c_void_p]
    c.pactum_engine_free.argtypes = [ctypes.c_void_p]
    error = ctypes.c_void_p()
    engine = c.pactum_engine_new(str(RULES).encode(), str(DATA).encode(), ctypes.byref(error))
    assert engine, ctypes.string_at(error.value).decode() if error.value else "no engine"
    out = []
    try:
        for line in lines():
            text = c.pactum_decide(engine, line, len(line))
            out.append(json.loads(ctypes.string_at(text).decode()))
            c.pactum_string_free(text)
    finally:
        c.pactum_engine_free(engine)
    return out


def by_python() -> list:
    engine = pactum.Engine(RULES, DATA)
    return [engine.decide(line) for line in lines()]


def by_http(binary: str) -> list:
    server = subprocess.Popen(
        [binary, "serve", "--rules", str(RULES), "--data", str(DATA), "--listen", "127.0.0.1:0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        url = None
        for raw in server.stdout:
            found = re.search(rb"http://127\.0\.0\.1:\d+", raw)
            if found:
                url = found.group(0).decode()
                break
        assert url, "the sidecar did not say where it listens"
        out = []
        for line in lines():
            request = urllib.request.Request(
                f"{url}/v1/decide", data=line, headers={"content-type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    out.append(json.loads(response.read()))
            except urllib.error.HTTPError as e:
                # Not JSON at all is a 400, by contract; the other hosts reject it.
                assert e.code == 400, e.read()
                out.append(None)
        return out
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_rust_gate_c_python_and_http_decide_alike():
    binary = needed("PACTUM_BIN", "cargo build -p pactum-cli; target/debug/pactum")
    library = needed("PACTUM_C_LIB", "cargo build -p pactum-ffi; target/debug/libpactum_c.so")
    hosts = {
        "rust": by_rust_gate(binary),
        "c": by_c_library(library),
        "python": by_python(),
        "http": by_http(binary),
    }
    count = len(lines())
    for name, decisions in hosts.items():
        assert len(decisions) == count, name
    ids = set()
    for i in range(count):
        seen = {name: decisions[i] for name, decisions in hosts.items() if decisions[i] is not None}
        for decision in seen.values():
            ids.add(decision.pop("decision_id"))
        first = seen["rust"]
        for name, decision in seen.items():
            assert decision == first, f"record {i + 1}: {name} differs from the Rust gate"
    # Only the lines that are not JSON at all may be missing, and only over HTTP (a 400).
    missing = [i for i, d in enumerate(hosts["http"]) if d is None]
    assert missing == [count - 3, count - 2]
    assert [hosts["rust"][i]["verdict"] for i in missing] == ["reject", "reject"]
    # Every decision of every host has an id of its own.
    assert len(ids) == sum(1 for d in hosts.values() for x in d if x is not None)
    verdicts = {d["verdict"] for d in hosts["rust"]}
    assert verdicts == {"accept", "hold", "reject"}
