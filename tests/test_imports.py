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


def test_no_import_circles(imports):
    """No two modules import each other, directly or through others (imports in functions count)."""
    assert circles(runtime_graph(imports)) == []


def test_circle_finder_sees_a_circle():
    """The circle finder reports a planted circle and nothing acyclic."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []
