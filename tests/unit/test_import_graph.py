"""The import graph: no cycles anywhere, and dependencies point the way the architecture says.

Every `import` counts, including those inside functions: a local import only hides a cycle
until the day both modules load it at the top. Layers (ARCHITECTURE.md §2):
`functions/` → `shared/flows` → `shared/ports` ← `shared/adapters`; flows never import
adapters; nothing in `shared/` imports `sandbox/`, `hub/`, `functions/`, `bench/` or
`tests/`; the simulators in `sandbox/` stand on their own (they must not learn the hub's
view of the APIs); the environment is read only by `shared/config.py`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("shared", "functions", "hub", "sandbox", "bench")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    found = {
        module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
    }
    found["function_app"] = ROOT / "function_app.py"
    return found


def imported(name: str) -> Iterator[str]:
    """The project modules `name` imports (a `from x import y` of a submodule counts as x.y)."""
    known = modules()
    tree = ast.parse(known[name].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            targets = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
            targets = [t for t in targets[:-1] if t in known] or [node.module]
        else:
            continue
        yield from (target for target in targets if target in known and target != name)


@cache
def graph() -> dict[str, frozenset[str]]:
    return {name: frozenset(imported(name)) for name in modules()}


def cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    edges, index, low, stack, on_stack = graph(), {}, {}, [], set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def offending(source_prefix: str, *forbidden: str) -> list[str]:
    return sorted(
        f"{name} imports {target}"
        for name, targets in graph().items()
        if name == source_prefix or name.startswith(source_prefix + ".")
        for target in targets
        if any(target == f or target.startswith(f + ".") for f in forbidden)
    )


def test_there_are_no_import_cycles() -> None:
    assert cycles() == []


def test_the_scanner_sees_local_imports_and_submodules() -> None:
    # hub/cli_demo.py imports the demo inside its command function.
    assert "hub.demo" in graph()["hub.cli_demo"]
    assert "shared.adapters.business_central.client" in graph()["shared.bootstrap"]


def test_shared_stands_on_its_own() -> None:
    assert offending("shared", "sandbox", "hub", "functions", "bench", "tests") == []


def test_flows_reach_the_outside_world_only_through_ports() -> None:
    assert offending("shared.flows", "shared.adapters", "shared.bootstrap") == []
    assert offending("shared.ports", "shared.adapters", "shared.flows") == []
    assert offending("shared.domain", "shared.adapters", "shared.flows", "shared.ports") == []
    assert offending("shared.sync", "shared.adapters", "shared.flows", "shared.bootstrap") == []
    assert offending("shared.entities", "shared.adapters", "shared.flows", "shared.bootstrap") == []


def test_triggers_use_the_composition_root_not_adapters() -> None:
    assert offending("functions", "shared.adapters") == []


def test_the_simulators_do_not_share_the_hubs_view_of_the_apis() -> None:
    assert offending("sandbox", "shared", "hub", "functions") == []


def test_only_config_reads_the_environment() -> None:
    readers = []
    for name, path in modules().items():
        if not name.startswith("shared.") or name == "shared.config":
            continue
        text = path.read_text(encoding="utf-8")
        if "os.environ" in text or "getenv(" in text:
            readers.append(name)
    assert readers == []
