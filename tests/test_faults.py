"""Faults answer with their cause (issue 11, finding 8): a read-only, corrupt or full store, a
PostgreSQL server gone mid-import or while serving — exit 4 or a JSON 503 naming the cause,
never a traceback; nothing half-written. Unexpected errors: exit 5 / a JSON 500, logged."""

from __future__ import annotations

import os
import sqlite3
import warnings
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from tests.faults import CutProxy, count_rows, values_csv
from tests.test_cli import run

from chitieu.store.faults import fault_of
from chitieu.store.values import NewValue, Store

warnings.filterwarnings("ignore", message=".*httpx2.*")


def _wrapped(message: str) -> OperationalError:
    return OperationalError("SELECT 1", {}, sqlite3.OperationalError(message))


@pytest.mark.parametrize(
    ("driver_says", "code"),
    [
        ("database is locked", "store-locked"),
        ("database or disk is full", "store-full"),
        ("attempt to write a readonly database", "store-readonly"),
        ("file is not a database", "store-corrupt"),
        ("database disk image is malformed", "store-corrupt"),
        ("unable to open database file", "store-cannot-open"),
        ("server closed the connection unexpectedly", "store-gone"),
        ("something else entirely", "store-fault"),
    ],
)
def test_a_fault_of_the_database_is_named(driver_says, code):
    err = fault_of(_wrapped(driver_says), "sqlite:///x.db")
    assert err is not None and err.code == code and err.exit_code == 4
    vi, en = err.text("vi"), err.text("en")
    assert "sqlite:///x.db" in vi[0] and driver_says in en[0] and vi[1] and en[1]


def test_a_programming_error_is_not_a_fault():
    assert fault_of(ZeroDivisionError("x")) is None
    assert fault_of(OSError(28, "No space left on device")).code == "store-full"


def _csv(tmp_path, n_years: int = 1) -> str:
    return values_csv(tmp_path / "values.csv", n_years, ("01", "79"))


_count = count_rows


def test_a_read_only_store_exits_4_naming_it(tmp_path):
    db = tmp_path / "ro.db"
    run("demo", db=f"sqlite:///{db}")
    before = _count(f"sqlite:///{db}")
    url = f"sqlite:///file:{db}?mode=ro&uri=true"
    proc = run("import", _csv(tmp_path), db=url, check=False)
    assert proc.returncode == 4, proc.stderr
    assert "chỉ cho đọc" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout
    assert _count(f"sqlite:///{db}") == before


#: the tables every reading and writing command reads (the values, their current slabs, the cube)
READ_BY_ALL = ("observation", "current_slab", "cube_slab")


def _damage(db: Path, tables: tuple[str, ...]) -> None:
    """Overwrite every page of ``tables`` with noise (seeded: the same damage every run). Damage
    to pages a command never reads goes unseen by SQLite until ``check-store``; this damage
    is where the commands must read, whatever the file's layout (a third of the file, once
    overwritten here, stopped covering what an import reads when new tables moved it)."""
    import random

    with sqlite3.connect(db) as conn:
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        marks = ",".join("?" * len(tables))
        pages = [p for (p,) in conn.execute(
            f"SELECT pageno FROM dbstat WHERE name IN ({marks})", tables)]  # fmt: skip
    noise = random.Random(7)
    with open(db, "r+b") as fh:
        for page in pages:
            fh.seek((page - 1) * size)
            fh.write(noise.randbytes(size))


def test_a_corrupt_store_exits_4_naming_it(tmp_path):
    db = tmp_path / "bad.db"
    run("demo", db=f"sqlite:///{db}")
    _damage(db, READ_BY_ALL)
    for args in (("summary", "--period", "2023S1"), ("import", _csv(tmp_path))):
        proc = run(*args, "--lang", "en", db=f"sqlite:///{db}", check=False)
        assert proc.returncode == 4, proc.stderr
        assert "damaged" in proc.stderr and "check-store" in proc.stderr
        assert "Traceback" not in proc.stderr + proc.stdout
    (tmp_path / "junk.db").write_bytes(os.urandom(8192))
    proc = run("summary", "--period", "2023S1", "--json", db=f"sqlite:///{tmp_path / 'junk.db'}",
               check=False)  # fmt: skip
    assert proc.returncode == 4 and '"ok": false' in proc.stdout


def test_postgresql_gone_mid_import_exits_4_and_leaves_no_trace(pg_url, tmp_path):
    Store(pg_url).engine.dispose()  # the schema, migrated
    csv = _csv(tmp_path, n_years=6)
    probe = CutProxy(pg_url)  # how much a dry run (every read, no write) sends
    run("import", csv, "--dry-run", db=probe.url)
    probe.cut()
    proxy = CutProxy(pg_url, cut_after=probe.sent + 20_000)  # inside the write
    proc = run("import", csv, db=proxy.url, check=False)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "Mất kết nối" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout
    assert _count(pg_url) == 0  # the unfinished write left nothing
    run("import", csv, db=pg_url)  # and the next write works
    assert _count(pg_url) == 6 * 12 * 4 * 2


def test_the_web_answers_503_when_postgresql_goes(pg_url):
    from tests.web.conftest import make_env

    proxy = CutProxy(pg_url)
    env = make_env(proxy.url)
    api = env.api("analyst")
    assert api.get("/api/v1/summary?period=2025S1").status_code == 200
    proxy.cut()
    env.store.engine.pool.dispose()  # the pooled connections are dead; new ones are refused
    r = api.get("/api/v1/summary?period=2025S1")
    assert r.status_code == 503, r.text
    body = r.json()
    assert body["ok"] is False and "kết nối" in body["error"] and body["hint"]
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["Retry-After"]
    page = env.api("analyst").get("/dashboard?period=2025S1")  # a page: the HTML error page
    assert page.status_code == 503 and "Traceback" not in page.text and "kết nối" in page.text
    env.store.engine.dispose()


def test_the_web_answers_503_when_the_disk_is_full(tmp_path):
    from tests.web.conftest import OWN, make_env

    env = make_env(f"sqlite:///{tmp_path / 'full.db'}")
    env.store.engine.dispose()

    @event.listens_for(env.store.engine, "connect")
    def _small(dbapi_conn, _record):  # the disk holds only what the file has now
        cur = dbapi_conn.cursor()
        pages = cur.execute("PRAGMA page_count").fetchone()[0]
        cur.execute(f"PRAGMA max_page_count={pages + 1}")
        cur.close()

    before = _count(f"sqlite:///{tmp_path / 'full.db'}")
    rows = [
        {"indicator": ind, "unit": OWN, "period": f"2026{m:02d}", "value": 5,
         "kind": "actual", "comment": f"ghi chú {ind} {m} " + "x" * 400}
        for ind in ("ICT_REVENUE", "ICT_BUDGET", "ICT_GDP", "ICT_LABOUR") for m in range(1, 13)
    ]  # fmt: skip
    r = env.api("analyst").post("/api/v1/values", json={"values": rows})
    assert r.status_code == 503, r.text[:500]
    assert "đầy" in r.json()["error"]
    env.store.engine.dispose()
    assert _count(f"sqlite:///{tmp_path / 'full.db'}") == before


def test_an_internal_error_is_logged_not_shown(tmp_path):
    from tests.web.conftest import make_env

    env = make_env(f"sqlite:///{tmp_path / 'w.db'}")

    def boom() -> None:
        raise RuntimeError("a bug")

    env.app.add_api_route("/api/v1/boom", boom)  # type: ignore[attr-defined]
    r = env.api("analyst").get("/api/v1/boom")
    assert r.status_code == 500 and r.json()["ok"] is False
    assert "a bug" not in r.text and "Traceback" not in r.text
    env.store.engine.dispose()


def test_an_internal_error_of_the_cli_exits_5_with_a_log(monkeypatch):
    from typer.testing import CliRunner

    from chitieu.cli import data_cmds
    from chitieu.cli.main import app

    def boom(*_a, **_k):
        raise RuntimeError("a bug")

    monkeypatch.setattr(data_cmds, "open_store", boom)
    res = CliRunner().invoke(app, ["summary", "--period", "2023S1"])
    assert res.exit_code == 5, res.output
    assert "Lỗi nội bộ" in res.output and "a bug" not in res.output
    log = res.output.split("Chi tiết đã ghi vào ")[1].split(";")[0].strip()
    assert "RuntimeError: a bug" in Path(log).read_text(encoding="utf-8")


def test_console_markup_and_terminal_escapes_in_a_file_are_shown_as_text(tmp_path):
    """Finding 6: ``[/bold]`` in a cell crashed the CLI's error table; escape sequences were
    echoed raw to the terminal."""
    path = tmp_path / "bad.csv"
    path.write_text(
        "indicator,unit,period,value,kind\n"
        "ICT_REVENUE,01,2023S1,[/bold],actual\n"
        "ICT_REVENUE,01,2023S2,\x1b[31mred\x1b[0m,actual\n",
        encoding="utf-8",
    )
    proc = run("import", str(path), "--dry-run", check=False)
    assert proc.returncode == 1, proc.stderr
    assert "[/bold]" in proc.stderr and "\x1b" not in proc.stderr  # never sent raw
    assert "[31mred" in proc.stderr and "Traceback" not in proc.stderr  # but shown


def test_a_store_value_with_writes_through_the_one_door_is_unaffected(tmp_path):
    """The fault handling is only for faults: an ordinary write and read still work."""
    store = Store(f"sqlite:///{tmp_path / 'ok.db'}")
    store.write(
        [NewValue("ICT_REVENUE", "01@34", "2026S1", "actual", 5.0)], source="t", created_by="t"
    )
    assert store.current(["2026S1"])[0].value == 5.0
    store.engine.dispose()


# --------------------------------------------- ids beyond the integer column (issue 15, item 7)

#: ids no token can have: beyond 64 bits (SQLite's driver overflowed: 500; PostgreSQL: a
#: "database fault" 503; the CLI: exit 5), beyond PostgreSQL's INTEGER column, zero, negative
BAD_IDS = ("99999999999999999999", str(2**63), str(2**31), "0", "-1")


def test_a_token_id_no_row_can_have_is_not_found_on_the_web(db_url):
    from tests.web.conftest import csrf, make_env

    env = make_env(db_url)
    c = env.browser("reporter")
    for bad in (*BAD_IDS, str(2**31 - 1)):  # the last: the largest id there can be, unused
        r = c.post(f"/account/tokens/{bad}/revoke", data={"csrf_token": csrf(c, "/account")},
                   follow_redirects=False)  # fmt: skip
        assert r.status_code == 404, (bad, r.status_code, r.text[:300])
        assert "Traceback" not in r.text
    # the reporter's own token is still revoked by its id
    own = next(t for t in _tokens(env) if t.username == "reporter")
    r = c.post(f"/account/tokens/{own.id}/revoke", data={"csrf_token": csrf(c, "/account")},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    env.store.engine.dispose()


def _tokens(env):  # type: ignore[no-untyped-def]
    from chitieu.web.accounts import Accounts

    return Accounts(env.store).tokens()


def test_a_token_id_no_row_can_have_is_a_usage_error_in_the_cli(db_url):
    from tests.web.conftest import make_env

    make_env(db_url).store.engine.dispose()
    for bad in BAD_IDS[:4]:
        proc = run("tokens", "revoke", bad, db=db_url, check=False)
        assert proc.returncode == 2, (bad, proc.returncode, proc.stderr)
        assert "số nguyên từ 1" in proc.stderr and "Traceback" not in proc.stderr
    proc = run("tokens", "revoke", str(2**31 - 1), db=db_url, check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr  # a valid id, unknown


# ---------------------------- PostgreSQL drops its connections (issue 15, item 8)


def test_the_first_request_after_postgresql_dropped_its_connections_succeeds(pg_url):
    """The server's pooled connections are terminated (pg_terminate_backend, as a restart or
    an administrator does); the next save and read land on them and must not answer 503:
    a connection found dead when it is taken from the pool is replaced before anything is
    sent on it."""
    from sqlalchemy import create_engine, text
    from tests.web.conftest import OWN, make_env

    env = make_env(pg_url)
    pids: set[int] = set()
    event.listen(env.store.engine, "connect", lambda c, _r: pids.add(c.info.backend_pid))
    env.store.engine.pool.dispose()  # every connection from here on is known by its pid
    api = env.api("analyst")

    def save(value: float):  # type: ignore[no-untyped-def]
        row = {"indicator": "ICT_REVENUE", "unit": OWN, "period": "2026S1", "kind": "actual",
               "value": value}  # fmt: skip
        return api.post("/api/v1/values", json={"values": [row]})

    def read():  # type: ignore[no-untyped-def]
        return api.get("/api/v1/summary?period=2025S1")

    assert save(5).status_code == 200 and read().status_code == 200
    killer = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    for step in (save, read):
        assert pids
        with killer.connect() as conn:  # each waits until the backend has gone
            for pid in sorted(pids):
                conn.execute(text("SELECT pg_terminate_backend(:p, 10000)"), {"p": pid})
        pids.clear()
        r = step(6) if step is save else step()
        assert r.status_code == 200, (step.__name__, r.status_code, r.text[:300])
    killer.dispose()
    assert [o.value for o in env.store.current(["2026S1"], units=[OWN])] == [6.0]
    env.store.engine.dispose()
