"""The house's rules, checked on the source: layers import one way, no import circle, no module over
about 400 lines, presentation only in show/ and app/ (docs/design.md;
tests/tools checks the tools beside the package)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "letters"
LAYERS = ["alphabet", "inputs", "drawing", "network", "study", "show", "app"]
BASE = {"config", "errors", "files", "checks"}  # beside the layers, importable from every one
MAX_LINES = 400
PRESENTATION = {"rich", "typer", "jinja2", "starlette", "uvicorn"}


def modules() -> dict[str, Path]:
    return {".".join(p.relative_to(ROOT).with_suffix("").parts): p for p in PACKAGE.rglob("*.py")}


def imports(path: Path, name: str) -> set[str]:
    """Every letters module this one imports (absolute names), at any depth of the file."""
    package = name.rsplit(".", 1)[0]  # the package a relative import starts from (an __init__'s own)
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("letters")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("letters"):
                found.add(target)
                found |= {f"{target}.{a.name}" for a in node.names}
    known = set(modules())
    return {t if t in known else f"{t}.__init__" for t in found if t in known or f"{t}.__init__" in known}


def layer(name: str) -> int:
    parts = name.split(".")
    if len(parts) < 2 or parts[1] in BASE or parts[1] == "__init__":
        return -1
    if parts[1] == "__main__":  # `python -m letters`: the app's entry point
        return LAYERS.index("app")
    return LAYERS.index(parts[1])


def test_every_module_is_in_a_layer_or_beside_them():
    for name in modules():
        part = name.split(".")[1] if "." in name else ""
        assert part in LAYERS or part in BASE or part in ("__init__", "__main__"), name


def test_layers_import_one_way_only():
    upward = []
    for name, path in modules().items():
        for target in imports(path, name):
            if layer(name) >= 0 and layer(target) > layer(name):
                upward.append(f"{name} -> {target}")
            if layer(name) < 0 and layer(target) >= 0 and name != "letters.__init__":
                upward.append(f"{name} (base) -> {target}")
    assert not upward, upward


def test_no_import_circle():
    graph = {name: {t for t in imports(path, name) if t != name} for name, path in modules().items()}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                pytest.fail("import circle: " + " -> ".join(trail[trail.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for name in graph:
        if name not in state:
            visit(name, [name])


def test_no_module_over_about_400_lines():
    long = {name: n for name, path in modules().items() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long, long


def test_presentation_libraries_only_in_show_and_app():
    stray = []
    for name, path in modules().items():
        if layer(name) >= LAYERS.index("show"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            stray += [f"{name}: {n}" for n in names if n.split(".")[0] in PRESENTATION]
    assert not stray, stray
