"""The installed package: its names, its type stubs and its `py.typed` marker."""

import ast
from pathlib import Path

import pactum


def test_the_package_exports_its_api_from_the_native_module():
    assert pactum.__all__ == ["Engine", "Error", "Gate", "LoadError", "RecordError"]
    assert pactum.Engine.__module__ == "pactum"
    assert pactum._pactum.__name__ == "pactum._pactum"
    assert issubclass(pactum.LoadError, pactum.Error) and issubclass(pactum.Error, Exception)


def test_stubs_and_py_typed_are_installed_and_name_what_exists():
    folder = Path(pactum.__file__).parent
    assert (folder / "py.typed").is_file()
    stub = ast.parse((folder / "_pactum.pyi").read_text())
    classes = {node.name: node for node in stub.body if isinstance(node, ast.ClassDef)}
    for name in pactum.__all__:
        assert name in classes, name
    for name in ("Engine", "Gate"):
        stubbed = {n.name for n in classes[name].body if isinstance(n, ast.FunctionDef)} - {"__new__"}
        real = {n for n in dir(getattr(pactum, name)) if not n.startswith("_")}
        assert stubbed == real, name
