"""The layout's gates that are not import contracts: no import cycle between the modules of
chitieu (every import counts, a lazy one inside a function too: it is a dependency all the same;
only an import under ``if TYPE_CHECKING:``, which names a type for the checker and runs never,
is left out).

The graph is grimp's (the library import-linter reads the code with); a cycle is named with the
lines that make it, so that whoever adds one sees where.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

import grimp
import pytest


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph("chitieu", cache_dir=None, exclude_type_checking_imports=True)


def strongly_connected(nodes: Iterable[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one node (each one is a cycle or
    several that share modules), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp: list[str] = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for n in sorted(nodes):
            if n not in index:
                visit(n)
    finally:
        sys.setrecursionlimit(limit)
    return sorted(found)


def _describe(graph: grimp.ImportGraph, cycle: list[str]) -> str:
    members = set(cycle)
    lines = [" ↔ ".join(cycle)]
    for a in cycle:
        for b in sorted(graph.find_modules_directly_imported_by(a) & members):
            for d in graph.get_import_details(importer=a, imported=b):
                lines.append(f"    {a}:{d['line_number']}  {d['line_contents']}")
    return "\n".join(lines)


def test_the_cycle_finder_finds_a_cycle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(edges, edges) == [["a", "b", "c"]]
    assert strongly_connected({"a": {"b"}, "b": set()}, {"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_modules():
    graph = _graph()
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    cycles = strongly_connected(graph.modules, edges)
    if cycles:
        pytest.fail(
            f"{len(cycles)} import cycle(s) between modules of chitieu; break each one (move the "
            "shared piece into a module both import, or pass it in):\n"
            + "\n".join(_describe(graph, c) for c in cycles)
        )


def test_data_version_caches_go_through_the_one_helper():
    """A value kept under the store's data version is kept by analyze/cache.py
    (``VersionedCache``, ``version_key``): no module but store/ and that one reads the version
    to key a cache of its own."""
    src = Path(__file__).resolve().parents[1] / "src" / "chitieu"
    allowed = {src / "analyze" / "cache.py"}
    readers = [
        str(p.relative_to(src))
        for p in sorted(src.rglob("*.py"))
        if "data_version()" in p.read_text(encoding="utf-8")
        and p not in allowed
        and (src / "store") not in p.parents
    ]
    assert readers == [], f"keep these caches in analyze/cache.py's VersionedCache: {readers}"


def test_the_versioned_cache_misses_after_a_write(store):
    from chitieu.analyze.cache import VersionedCache, version_key
    from chitieu.store.values import NewValue

    cache: VersionedCache[int] = VersionedCache(2)
    made: list[int] = []

    def make() -> int:
        made.append(1)
        return len(made)

    assert cache.get_or_make(version_key(store, "x"), make) == 1
    assert cache.get_or_make(version_key(store, "x"), make) == 1  # kept
    store.write(
        [NewValue("ICT_REVENUE", "VN", "2023", "actual", 1.0)], source="test", created_by="test"
    )
    assert cache.get_or_make(version_key(store, "x"), make) == 2  # a write: made again
    cache.put(("a",), 10)
    cache.put(("b",), 11)
    assert len(cache) == 2 and cache.get(version_key(store, "x")) is None  # least recent out


def test_every_table_an_output_reads_is_in_the_data_version_and_checked(store, db_url):
    """Each table of the schema is either read by an output — and then changed only together
    with an append-only log the data version counts — or declared as read by none; and
    ``check-store`` counts every one of them and checks its references."""
    from sqlalchemy import inspect

    from chitieu.store.integrity import check_store
    from chitieu.store.version import _VERSION, UNVERSIONED, VERSIONED

    with store.engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
    unclassified = names - VERSIONED.keys() - UNVERSIONED
    assert unclassified == set(), (
        f"tables neither in store/version.py's VERSIONED nor UNVERSIONED: {sorted(unclassified)}"
    )
    sql = str(_VERSION)
    for log in set(VERSIONED.values()):
        assert f"FROM {log})" in sql or f"FROM {log}," in sql or f"FROM {log} " in sql, log
    health = check_store(db_url)
    assert set(VERSIONED) <= set(health.tables), "check-store counts every versioned table"
    assert health.ok, [c for c in health.checks if not c.ok]


def test_every_built_in_format_is_registered_whichever_renderer_was_imported_first() -> None:
    """``formats()`` once gave only HTML when the HTML renderer had been imported before."""
    import subprocess
    import sys

    code = (
        "import chitieu.report.render.html\n"
        "from chitieu.report.render import formats\n"
        "print(','.join(sorted(formats())))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert {"docx", "html", "md"} <= set(out.stdout.strip().split(","))
