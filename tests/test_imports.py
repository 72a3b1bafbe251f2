"""The allowed import arrows of docs/architecture.md, read from the source with ast."""

from __future__ import annotations

import pytest

from scripts.import_graph import all_imports, circles, runtime_graph, top_package

WEB_FRAMEWORKS = {"flask", "flask_babel", "flask_login", "flask_wtf", "werkzeug", "waitress"}
STORE = {"sqlalchemy", "alembic", "psycopg", "psycopg2"}
#: Not HTTP: the password hashes (salted scrypt) of greentour.accounts.passwords.
ALLOWED = {"werkzeug.security"}


@pytest.fixture(scope="module")
def imports():
    """Every import of greentour, routing, forecasting and web, parsed once."""
    return all_imports()


def _offending(imports, source_package, forbidden_internal=(), forbidden_external=()):
    return sorted(
        f"{imp.source}:{imp.line} -> {imp.target}"
        for imp in imports
        if top_package(imp.source) == source_package
        and (
            (imp.internal and top_package(imp.target) in forbidden_internal)
            or (
                not imp.internal
                and top_package(imp.target) in forbidden_external
                and imp.target not in ALLOWED
            )
        )
    )


def test_the_graph_is_read(imports):
    """The reader finds the four packages and known arrows (a blind reader passes every rule)."""
    assert {top_package(imp.source) for imp in imports} == {
        "greentour", "routing", "forecasting", "web"
    }
    graph = runtime_graph(imports)
    assert "routing.problem" in graph["routing.solve"]
    assert any(imp.target == "flask" for imp in imports if imp.source == "web")


@pytest.mark.parametrize("library", ["routing", "forecasting"])
def test_libraries_import_no_spine_web_flask_or_store(imports, library):
    """routing/ and forecasting/ import neither greentour nor web, Flask or the store."""
    assert _offending(imports, library, {"greentour", "web"}, WEB_FRAMEWORKS | STORE) == []


def test_routing_and_forecasting_are_independent(imports):
    """routing/ and forecasting/ do not import each other."""
    assert _offending(imports, "routing", {"forecasting"}) == []
    assert _offending(imports, "forecasting", {"routing"}) == []


def test_spine_imports_no_web(imports):
    """greentour/ (the spine) imports neither web/ nor Flask, Werkzeug or waitress."""
    assert _offending(imports, "greentour", {"web"}, WEB_FRAMEWORKS) == []


PUBLIC_APIS = {"routing", "routing.network", "forecasting"}


@pytest.mark.parametrize("application", ["greentour", "web"])
def test_application_uses_only_the_libraries_public_api(imports, application):
    """The spine and web import routing/forecasting only through their public API
    (``routing``, ``routing.network``, ``forecasting``: names in ``__all__``), never a module
    behind it such as ``routing._osm_reader`` or ``forecasting._brightsky``."""
    behind = sorted(
        f"{imp.source}:{imp.line} -> {imp.target}"
        for imp in imports
        if top_package(imp.source) == application and imp.internal
        and top_package(imp.target) in ("routing", "forecasting")
        and imp.target not in PUBLIC_APIS
    )
    assert behind == []


@pytest.mark.parametrize("api", sorted(PUBLIC_APIS))
def test_public_apis_export_what_they_import(api):
    """Every public API module lists its names in ``__all__`` and each of them exists."""
    import importlib

    module = importlib.import_module(api)
    assert module.__all__ and all(hasattr(module, name) for name in module.__all__)


def test_no_import_circles(imports):
    """No two modules import each other, directly or through others (imports in functions count)."""
    assert circles(runtime_graph(imports)) == []


def test_circle_finder_sees_a_circle():
    """The circle finder reports a planted circle and nothing acyclic."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def _environment_reads(path):
    """Places in a file that read a variable: os.getenv(...), os.environ.get(...),
    os.environ[...] (passing the whole environment on, ``os.environ.copy()``, is no read)."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            func = node.func
            if func.attr == "getenv" and isinstance(func.value, ast.Name) and \
                    func.value.id == "os":
                found.append(node.lineno)
            if func.attr in ("get", "__getitem__") and isinstance(func.value, ast.Attribute) \
                    and func.value.attr == "environ":
                found.append(node.lineno)
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and \
                node.value.attr == "environ" and isinstance(node.ctx, ast.Load):
            found.append(node.lineno)
    return found


def test_settings_is_the_only_reader_of_the_environment():
    """Only greentour/settings.py reads GREENTOUR_* variables (typed Settings fields)."""
    from scripts.import_graph import ROOT, project_modules

    reads = {
        str(path.relative_to(ROOT)): lines
        for path in project_modules().values()
        if path != ROOT / "greentour" / "settings.py" and (lines := _environment_reads(path))
    }
    assert reads == {}


def test_environment_read_finder_sees_reads(tmp_path):
    """The finder reports os.getenv, os.environ.get and os.environ[...], not os.environ.copy()."""
    sample = tmp_path / "sample.py"
    sample.write_text("import os\na = os.getenv('X')\nb = os.environ.get('Y')\n"
                      "c = os.environ['Z']\nd = os.environ.copy()\n", encoding="utf-8")
    assert _environment_reads(sample) == [2, 3, 4]


def test_no_project_imports_inside_functions(imports):
    """Project modules are imported at the top of a module (an import inside a function only
    for a heavy or optional third-party package), so the graph above is the whole truth."""
    inside = sorted(
        f"{imp.source}:{imp.line} -> {imp.target}"
        for imp in imports
        if imp.in_function and imp.internal
    )
    assert inside == []
