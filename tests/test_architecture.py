"""The house rules that a reader should not have to check by hand: import direction, no circles, module size."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "geo_app"
MAX_MODULE_LINES = 450  # "a module that passes ~400 lines is asking to be split"


def _module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules():
    return {_module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}


def _imports(name, path, modules):
    """Return the geo_app modules a module imports anywhere in its body (lazy imports included)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                if f"{target}.{alias.name}" in modules:
                    found.add(f"{target}.{alias.name}")
                elif target in modules:
                    found.add(target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
    found.discard(name)
    return found


@pytest.fixture(scope="module")
def graph():
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _cycles(graph):
    """Return the strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in graph[node]:
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_has_no_circle(graph):
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_extensions_import_nothing_of_ours(graph):
    assert graph["geo_app.extensions"] == set()


@pytest.mark.parametrize("layer,forbidden", [
    ("geo_app.services", ("geo_app.api", "geo_app.web", "geo_app.open311", "geo_app.cli", "geo_app.auth",
                          "geo_app.maps", "geo_app.ogc", "geo_app.tiles", "geo_app.jobs")),
    ("geo_app.models", ("geo_app.services", "geo_app.api", "geo_app.web", "geo_app.open311", "geo_app.cli",
                        "geo_app.auth")),
    ("geo_app.geo", ("geo_app.services", "geo_app.models", "geo_app.api", "geo_app.web", "geo_app.cli")),
])
def test_dependencies_point_one_way(graph, layer, forbidden):
    upward = {(name, dep) for name, deps in graph.items() if name.startswith(layer)
              for dep in deps if dep.startswith(forbidden)}
    assert upward == set()


def test_command_modules_share_only_common(graph):
    commands = {name for name in graph if name.startswith("geo_app.cli.") and name != "geo_app.cli.common"}
    assert commands, "the CLI is a package with one module per command group"
    for name in commands - {"geo_app.cli.__main__"}:
        assert {dep for dep in graph[name] if dep.startswith("geo_app.cli")} <= {"geo_app.cli.common"}, name


def test_services_never_read_the_request():
    offenders = [p.name for p in (PACKAGE / "services").rglob("*.py")
                 if "from flask import" in (text := p.read_text(encoding="utf-8")) and "request" in
                 [alias.name for node in ast.walk(ast.parse(text)) if isinstance(node, ast.ImportFrom)
                  and node.module == "flask" for alias in node.names]]
    assert offenders == []


def test_no_module_is_too_long():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts
            and (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert long == {}


# Imported by the code paths that need them (layer files, workbooks, maps, the shared heat cache, deferring a
# job), never at start-up: every gunicorn worker and every `minqing` command imports the app.
DEFERRED_LIBRARIES = ("folium", "branca", "pandas", "geopandas", "pyogrio", "openpyxl", "redis", "procrastinate",
                      "requests")


def test_starting_the_app_imports_no_library_that_only_some_paths_need():
    script = ("import sys; from geo_app import create_app; create_app(); "
              f"print(' '.join(m for m in {DEFERRED_LIBRARIES!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          cwd=PACKAGE.parent)
    assert done.stdout.split() == []


def test_every_command_is_found_by_its_name_and_imported_only_when_asked_for():
    import subprocess
    import sys

    import click

    from geo_app.cli import COMMANDS, cli

    for name in COMMANDS:
        command = cli.get_command(None, name)
        assert isinstance(command, click.Command) and command.name == name, name
    probe = ("import sys; from geo_app.cli import cli; cli(['db', '--help'], standalone_mode=False); "
             "print(sorted(m for m in sys.modules if m.startswith(('geo_app.cli.', 'geo_app.models', 'folium'))))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=PACKAGE.parent)
    assert loaded.stdout.strip().splitlines()[-1] == "['geo_app.cli.common', 'geo_app.cli.db']"
