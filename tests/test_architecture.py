"""The architecture's rules hold: only store/ speaks SQL, store/ depends on nothing of chitieu
but the vocabulary and the errors, the report never reads the store, web/ and cli/ reach the
reporting round's tables only through workflow/, the demo imports nothing of web/ and writes
nothing around the one door in (import-linter contracts in pyproject.toml; scripts/test.sh runs
them too)."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    out = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout and "6 kept" in out.stdout


def test_no_module_outside_store_imports_sqlalchemy():
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "src" / "chitieu").rglob("*.py")
        if "store" not in p.relative_to(ROOT / "src" / "chitieu").parts
        and any(
            line.lstrip().startswith(("import sqlalchemy", "from sqlalchemy"))
            for line in p.read_text(encoding="utf-8").splitlines()
        )
    ]
    assert offenders == []


def test_the_demo_writes_only_through_the_one_door_in():
    """`grep -rn "store.write\\|\\.write(" src/chitieu/demo` finds nothing: the demo loads
    through collect.ingest and the workflow."""
    found = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in (ROOT / "src" / "chitieu" / "demo").rglob("*.py")
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if "store.write" in line or ".write(" in line
    ]
    assert found == []
