"""pactum: the channel-partner rules engine, from Python.

    import pactum

    engine = pactum.Engine("rules", "examples/data")
    decision = engine.decide({"id": "S-1", "kind": "sale", ...})
    print(decision["verdict"], [f["rule"] for f in decision["findings"]])

See docs/python.md for the whole API and the errors it raises.
"""

from ._pactum import Engine, Error, Gate, LoadError, RecordError

__all__ = ["Engine", "Error", "Gate", "LoadError", "RecordError"]
