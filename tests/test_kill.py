"""kill -9 during imports (issue 11): the store is whole or untouched, its integrity check
passes and the next write works, on SQLite and PostgreSQL.

CI runs a few kills per backend at spread-out moments; ``CHITIEU_KILLS=40`` runs the long mode
(its figures are recorded in docs/RELIABILITY.md)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time

from tests.faults import count_rows, say, values_csv
from tests.test_cli import EXE

KILLS = int(os.environ.get("CHITIEU_KILLS", "3"))


def _state(url: str) -> tuple[int, ...]:
    """(vintages, batches, pending values): what a killed import must leave whole or alone."""
    return tuple(count_rows(url, t) for t in ("observation", "batch", "pending_value"))


def _run(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHITIEU_DB": url, "CHITIEU_USER": "killer"}
    return subprocess.run([EXE, *args], capture_output=True, text=True, env=env, timeout=300)


def test_kill_9_mid_import_leaves_the_store_whole_or_untouched(db_url, tmp_path, request):
    csv = values_csv(tmp_path / "values.csv", 4, ("01", "79", "31", "48"))
    rows = 4 * 12 * 4 * 4
    env = {**os.environ, "CHITIEU_DB": db_url, "CHITIEU_USER": "killer"}
    _run("demo", url=db_url)
    # how long an import takes here: the kills are spread over it
    t0 = time.perf_counter()
    assert _run("import", csv, "--dry-run", url=db_url).returncode == 0
    span = time.perf_counter() - t0
    rng = random.Random(11)
    outcomes = []
    for k in range(KILLS):
        before = _state(db_url)
        proc = subprocess.Popen([EXE, "import", csv], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(rng.uniform(0.3, 1.2) * span * (k + 1) / KILLS)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        after = _state(db_url)
        whole = after[0] - before[0] in (0, rows) and after[1] - before[1] in (0, 1)
        assert whole, f"kill {k}: {before} → {after}"
        outcomes.append("written" if after[1] > before[1] else "untouched")
        check = _run("check-store", "--json", url=db_url)
        assert check.returncode == 0, check.stdout[-2000:]
    # and the next write works
    assert _run("import", csv, url=db_url).returncode == 0
    line = (f"\nkill -9 ({db_url.split(':', 1)[0]}): {KILLS} kills, "
            f"{outcomes.count('untouched')} untouched, {outcomes.count('written')} written "
            "whole, 0 damaged")  # fmt: skip
    say(request, line)
