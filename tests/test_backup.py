"""Backup, restore and the integrity check: round trips on both backends and across them, the
refusals, all-or-nothing, the next write after a restore, consistency under concurrent writes,
planted damage found by check-store, and the CLI's exit codes and JSON."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import uuid
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Text, cast, create_engine, insert, inspect, select, text, type_coerce
from sqlalchemy.types import JSON

from chitieu import open_store
from chitieu.analyze.facts import facts
from chitieu.errors import InputFileError, StoreError
from chitieu.store.backup import backup
from chitieu.store.db import SCHEMA_REVISION
from chitieu.store.integrity import check_store
from chitieu.store.restore import RestoreRefused, restore
from chitieu.store.rows import NewValue
from chitieu.store.snapshot import migrate_to, own_transactions, reflect

EXE = shutil.which("chitieu", path=str(Path(sys.executable).parent)) or "chitieu"


# ------------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An SQLite store with the demo (values, tasks, accounts, submissions) plus an API token,
    the session key, a web session and a failed sign-in, a deletion and an estimate's inputs."""
    from chitieu.demo.build import load_demo
    from chitieu.web.accounts import Accounts

    url = f"sqlite:///{tmp_path_factory.mktemp('backup') / 'demo.db'}"
    s = open_store(url)
    load_demo(s)
    accounts = Accounts(s)
    accounts.add_token("analyst", "script")
    accounts.secret()
    s.write([NewValue("ICT_REVENUE", "VN", "2026", "plan", None)], source="test", created_by="t")
    s.write(
        [NewValue("ICT_REVENUE", "01@34", "2026S1", "estimate", 5.5, method="ratio",
                  inputs={"ratio": 1.25, "periods": ["2025S1"]})],
        source="estimate", created_by="t",
    )  # fmt: skip
    now = datetime(2026, 12, 1, 8, 0)
    with s.engine.begin() as conn:  # the tables of migration 0008, by reflection
        meta = reflect(conn)
        if "web_session" in meta.tables:
            until = now + timedelta(hours=8)
            row = {"id": "ab" * 32, "account_id": 1, "created_at": now, "expires_at": until}
            conn.execute(insert(meta.tables["web_session"]).values(row))
        if "web_login_failure" in meta.tables:
            row = {"at": now, "username": "hanoi", "address": "10.0.0.7"}
            conn.execute(insert(meta.tables["web_login_failure"]).values(row))
    s.engine.dispose()
    return url


@pytest.fixture(scope="module")
def demo_file(demo: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of the demo store."""
    out = tmp_path_factory.mktemp("files") / "demo-backup.zip"
    backup(demo, out)
    return out


@pytest.fixture
def other_pg_url(pg_server: str):
    """A second fresh PostgreSQL schema (as conftest's pg_url)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    eng = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{pg_server}{'&' if '?' in pg_server else '?'}options=-csearch_path%3D{schema}"
    with eng.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    eng.dispose()


def table_rows(url: str) -> dict[str, list[tuple]]:
    """Every table's rows ordered by primary key (JSON as its stored text); the restore epoch
    left out (a restore moves it on: store/version.py)."""
    from chitieu.store.db import database_url

    eng = create_engine(database_url(url))
    out = {}
    with eng.connect() as conn:
        pg = conn.dialect.name == "postgresql"
        meta = reflect(conn, with_version=True)
        for name, t in sorted(meta.tables.items()):
            if name == "store_epoch":
                continue
            cols = [
                (cast(c, Text) if pg else type_coerce(c, Text)) if isinstance(c.type, JSON) else c
                for c in t.columns
            ]
            rows = conn.execute(select(*cols).order_by(*t.primary_key.columns)).all()
            out[name] = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r)
                         for r in rows]  # fmt: skip
    eng.dispose()
    return out


def all_facts(url: str) -> list:
    s = open_store(url)
    try:
        got = [list(facts(s, p)) for p in ("2023S1", "2025", "2026S1")]
        got.append(list(facts(s, "2023S1", as_of=datetime(2023, 6, 26))))
        got.append(sorted(s.current(["2023S1", "2026S1", "2026"]), key=lambda o: o.id))
        return got
    finally:
        s.engine.dispose()


def backup_table(file: Path, name: str) -> list[dict]:
    """A table of a backup file, as dicts."""
    with zipfile.ZipFile(file) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        spec = next(t for t in manifest["tables"] if t["name"] == name)
        cols = [c["name"] for c in spec["columns"]]
        return [dict(zip(cols, json.loads(line), strict=True))
                for line in zf.read(spec["file"]).splitlines()]  # fmt: skip


def run(*args: str, db: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHITIEU_LANG": "en"}
    cmd = [EXE, *args] + (["--db", db] if db else [])
    return subprocess.run(cmd, capture_output=True, text=True, env=env)


# ---------------------------------------------------------------------------- round trips


def test_backup_holds_every_table_and_the_revision(demo: str, demo_file: Path) -> None:
    with zipfile.ZipFile(demo_file) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["format"] == "chitieu-backup" and manifest["revision"] == SCHEMA_REVISION
    source = table_rows(demo)
    assert {t["name"] for t in manifest["tables"]} == set(source) - {"alembic_version"} | {
        "store_epoch"
    }
    held = {t["name"]: t["rows"] for t in manifest["tables"]}
    for name in ("observation", "batch", "web_submission_event", "task_event", "web_account",
                 "web_api_token", "web_setting", "web_submission", "current_slab"):  # fmt: skip
        assert held[name] == len(source[name]) > 0, name
    assert oct(demo_file.stat().st_mode & 0o777) == "0o600"  # password and token hashes
    # SQL NULL and JSON null stay apart; an estimate's inputs keep their text
    inputs = {r["inputs"] for r in backup_table(demo_file, "observation")}
    assert "null" in inputs and any(i and "ratio" in i for i in inputs)


def test_sqlite_round_trip_gives_the_same_rows_and_facts(
    demo: str, demo_file: Path, tmp_path: Path
) -> None:
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    info = restore(target, demo_file)
    assert info.revision == SCHEMA_REVISION and not any(info.replaced.values())
    assert table_rows(target) == table_rows(demo)
    assert all_facts(target) == all_facts(demo)
    assert check_store(target).ok


@pytest.mark.postgres
def test_sqlite_to_postgres_to_postgres_to_sqlite(
    demo: str, demo_file: Path, pg_url: str, other_pg_url: str, tmp_path: Path
) -> None:
    source = table_rows(demo)
    restore(pg_url, demo_file)
    assert table_rows(pg_url) == source
    assert all_facts(pg_url) == all_facts(demo)
    assert check_store(pg_url).ok
    backup(pg_url, tmp_path / "pg.zip")
    restore(other_pg_url, tmp_path / "pg.zip")
    assert table_rows(other_pg_url) == source
    backup(other_pg_url, tmp_path / "pg2.zip")
    back = f"sqlite:///{tmp_path / 'back.db'}"
    restore(back, tmp_path / "pg2.zip")
    assert table_rows(back) == source
    assert all_facts(back) == all_facts(demo)


# ----------------------------------------------------------------------- refusals, force


def test_restore_refuses_a_store_with_data_then_force_replaces_it(
    store, demo: str, demo_file: Path
) -> None:
    store.write([NewValue("ICT_REVENUE", "VN", "2030", "actual", 7.0)], source="t",
                created_by="t")  # fmt: skip
    with pytest.raises(RestoreRefused) as err:
        restore(_url(store), demo_file)
    assert err.value.exit_code == 1 and err.value.code == "restore-not-empty"
    assert "observation (1)" in err.value.message and "batch (1)" in err.value.message
    assert [o.value for o in store.current(["2030"])] == [7.0]  # nothing changed
    url = _url(store)
    info = restore(url, demo_file, replace=True)
    assert info.replaced["observation"] == 1
    assert store.current(["2030"]) == []
    assert table_rows(url) == table_rows(demo)
    # the next write continues after the highest ids (PostgreSQL: the sequences were set)
    top = {t: max(r[0] for r in rows) for t, rows in table_rows(url).items()
           if t in ("batch", "observation", "web_account", "web_api_token")}  # fmt: skip
    s = open_store(url)
    try:
        got = s.write([NewValue("ICT_REVENUE", "VN", "2030", "actual", 8.0)], source="t",
                      created_by="t")  # fmt: skip
        assert got.id == top["batch"] + 1
        from chitieu.web.accounts import Accounts

        Accounts(s).add("newuser", "a-long-password-1", "viewer")
        Accounts(s).add_token("newuser")
    finally:
        s.engine.dispose()
    rows = table_rows(url)
    assert max(r[0] for r in rows["observation"]) == top["observation"] + 1
    assert max(r[0] for r in rows["web_account"]) > top["web_account"]
    assert max(r[0] for r in rows["web_api_token"]) > top["web_api_token"]


def _url(store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def test_restore_is_all_or_nothing(store, demo_file: Path, tmp_path: Path) -> None:
    store.write([NewValue("ICT_REVENUE", "VN", "2030", "actual", 7.0)], source="t",
                created_by="t")  # fmt: skip
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(demo_file) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "tables/observation.jsonl":
                data = data[: data.rindex(b"\n", 0, len(data) - 1) + 1]  # the last row lost
            dst.writestr(item, data)
    url = _url(store)
    before = table_rows(url)
    with pytest.raises(InputFileError) as err:
        restore(url, damaged, replace=True)
    assert err.value.code == "backup-damaged" and "observation" in err.value.message
    assert table_rows(url) == before  # tables dropped and rows inserted: all rolled back


def test_an_older_backup_is_migrated_and_a_newer_one_refused(tmp_path: Path) -> None:
    old = f"sqlite:///{tmp_path / 'old.db'}"
    eng = own_transactions(create_engine(old), "BEGIN IMMEDIATE")
    with eng.begin() as conn:
        migrate_to(conn, "0005")  # before the analytics tables
        conn.execute(
            text(
                "INSERT INTO batch (id, source, rows, created_at, created_by) "
                "VALUES (1, 'import', 2, '2023-07-01 00:00:00.000000', 'a')"
            )
        )
        conn.execute(text(
            "INSERT INTO observation (indicator, unit, period, kind, value, status, batch_id, "
            "created_at, created_by, inputs) VALUES "
            "('ICT_REVENUE', 'VN', '2023S1', 'actual', 1614206, 'final', 1, "
            "'2023-07-01 00:00:00.000000', 'a', 'null'), "
            "('ICT_BUDGET', 'VN', '2023S1', 'actual', 45405, 'final', 1, "
            "'2023-07-01 00:00:00.000000', 'a', 'null')"))  # fmt: skip
    eng.dispose()
    old_file = tmp_path / "old.zip"
    assert backup(old, old_file).revision == "0005"
    new = f"sqlite:///{tmp_path / 'new.db'}"
    assert restore(new, old_file).revision == SCHEMA_REVISION
    s = open_store(new)
    assert sorted(o.value for o in s.current(["2023S1"])) == [45405, 1614206]
    assert [f.value for f in facts(s, "2023S1", indicators=["ICT_REVENUE"]).of_unit("VN")] == [
        1614206
    ]
    s.engine.dispose()
    assert check_store(new).ok  # the slabs the migration built equal a rebuild
    # a backup of a revision this chitieu does not know: refused, exit 1
    newer = tmp_path / "newer.zip"
    with zipfile.ZipFile(old_file) as src, zipfile.ZipFile(newer, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "manifest.json":
                data = json.dumps({**json.loads(data), "revision": "9999"}).encode()
            dst.writestr(item, data)
    with pytest.raises(RestoreRefused) as err:
        restore(f"sqlite:///{tmp_path / 'other.db'}", newer)
    assert err.value.code == "restore-newer-revision" and "9999" in err.value.message


# ------------------------------------------------------------------ concurrent writers


def _values(tag: int, n: int) -> list[NewValue]:
    return [NewValue("ICT_REVENUE", f"U{tag:03d}{i:03d}", "2031", "actual", float(i))
            for i in range(n)]  # fmt: skip


def test_a_write_is_in_the_backup_whole_or_not_at_all(store, tmp_path: Path) -> None:
    url = _url(store)
    store.write(_values(0, 5), source="t", created_by="t")
    inside, release = threading.Event(), threading.Event()

    def hold(_conn, _batch_id):  # the batch row is in, the values not yet: wait here
        inside.set()
        assert release.wait(30)

    def held_write() -> None:
        store.write(_values(1, 1500), source="t", created_by="t", in_transaction=hold)

    writer = threading.Thread(target=held_write)
    writer.start()
    assert inside.wait(30)
    backup(url, tmp_path / "during.zip")  # does not wait for the open write transaction
    release.set()
    writer.join(30)
    backup(url, tmp_path / "after.zip")
    assert [b["rows"] for b in backup_table(tmp_path / "during.zip", "batch")] == [5]
    assert len(backup_table(tmp_path / "during.zip", "observation")) == 5
    assert [b["rows"] for b in backup_table(tmp_path / "after.zip", "batch")] == [5, 1500]
    assert len(backup_table(tmp_path / "after.zip", "observation")) == 1505
    # writers that keep going: every batch of every backup holds all its rows
    stop, done = threading.Event(), []

    def keep_writing() -> None:
        tag = 2
        while not stop.is_set():
            store.write(_values(tag, 1100 if tag % 4 == 0 else 20), source="t", created_by="t")
            done.append(tag)
            tag += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        for k in range(2):
            f = tmp_path / f"busy{k}.zip"
            backup(url, f)
            per_batch: dict[int, int] = {}
            for o in backup_table(f, "observation"):
                per_batch[o["batch_id"]] = per_batch.get(o["batch_id"], 0) + 1
            batches = {b["id"]: b["rows"] for b in backup_table(f, "batch")}
            assert per_batch == batches
    finally:
        stop.set()
        writer.join(60)
    assert done  # the writer did work meanwhile
    restore(f"sqlite:///{tmp_path / 'busy.db'}", tmp_path / "busy1.zip")
    assert check_store(f"sqlite:///{tmp_path / 'busy.db'}").ok


# ------------------------------------------------------------------------- check-store


def _codes(health) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for c in health.checks:
        for p in c.problems:
            out.setdefault(p.code, []).append(p.params)
    return out


def test_check_store_names_planted_problems_on_sqlite(demo_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "planted.db"
    restore(f"sqlite:///{path}", demo_file)
    assert check_store(f"sqlite:///{path}").ok
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys=OFF")
    with con:
        batch = con.execute("SELECT min(batch_id) FROM observation").fetchone()[0]
        con.execute("DELETE FROM batch WHERE id = ?", (batch,))  # values without their batch
        con.execute("DELETE FROM task WHERE id = (SELECT min(task_id) FROM task_event)")
        con.execute("DELETE FROM current_slab WHERE rowid = (SELECT min(rowid) FROM current_slab)")
    con.close()
    health = check_store(f"sqlite:///{path}")
    assert not health.ok
    codes = _codes(health)
    orphans = {(p["table"], p["parent"]) for p in codes["check-orphans"]}
    assert {("observation", "batch"), ("task_event", "task")} <= orphans
    assert "check-slab-batches" in codes and "check-slab-differs" in codes
    # the CLI: exit 1, every problem in the JSON with its words in both languages
    proc = run("check-store", "--json", db=f"sqlite:///{path}")
    assert proc.returncode == 1, proc.stderr
    out = json.loads(proc.stdout)
    assert out["ok"] is False and out["tables"]["observation"] > 0
    problems = [p for c in out["checks"] for p in c["problems"]]
    assert all(p["message"]["vi"] and p["message"]["en"] and p["hint"]["en"] for p in problems)
    assert any("observation" in p["message"]["en"] for p in problems)


@pytest.mark.postgres
def test_check_store_names_planted_problems_on_postgres(demo_file: Path, pg_url: str) -> None:
    restore(pg_url, demo_file)
    eng = create_engine(pg_url)
    with eng.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # foreign keys off
        conn.execute(text("DELETE FROM task WHERE id = (SELECT min(task_id) FROM task_event)"))
        conn.execute(text("UPDATE web_submission_event SET batch_id = 999999 "
                          "WHERE id = (SELECT min(id) FROM web_submission_event)"))  # fmt: skip
    eng.dispose()
    codes = _codes(check_store(pg_url))
    orphans = {(p["table"], p["parent"]) for p in codes["check-orphans"]}
    assert orphans == {("task_event", "task"), ("web_submission_event", "batch")}


def test_check_store_exit_codes(demo_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "cli.db"
    restore(f"sqlite:///{path}", demo_file)
    ok = run("check-store", "--json", db=f"sqlite:///{path}")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["ok"] is True
    checks = check_store(f"sqlite:///{path}", sample=3).checks
    assert next(c for c in checks if c.name == "slabs").checked == 3
    with open(path, "r+b") as f:  # random bytes over the middle of the file
        f.seek(path.stat().st_size // 2)
        f.write(os.urandom(64 * 1024))
    bad = run("check-store", db=f"sqlite:///{path}")
    assert bad.returncode == 4 and "damaged" in bad.stderr and "Traceback" not in bad.stderr
    with pytest.raises(StoreError):
        backup(f"sqlite:///{path}", tmp_path / "bad.zip")
    assert not (tmp_path / "bad.zip").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no leftovers
    gone = run("check-store", "--json", db=f"sqlite:///{tmp_path / 'none.db'}")
    assert gone.returncode == 4 and json.loads(gone.stdout)["type"] == "StoreError"
    assert not (tmp_path / "none.db").exists()


def test_backup_and_restore_commands(demo: str, tmp_path: Path) -> None:
    f = tmp_path / "cli.zip"
    made = run("backup", str(f), "--json", db=demo)
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["tables"]["observation"] > 4000
    assert run("backup", str(f), db=demo).returncode == 2  # exists: --overwrite to replace
    assert backup(demo, f, overwrite=True).tables["observation"] > 4000  # --overwrite
    target = f"sqlite:///{tmp_path / 'cli.db'}"
    first = run("restore", str(f), "--json", db=target)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["revision"] == SCHEMA_REVISION
    again = run("restore", str(f), db=target)
    assert again.returncode == 1 and "already holds data" in again.stderr
    assert "observation (" in again.stderr
    assert run("restore", str(f), "--force", db=target).returncode == 0
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    junk = run("restore", str(tmp_path / "junk.zip"), "--json", db=target)
    assert junk.returncode == 2 and json.loads(junk.stdout)["ok"] is False
    with pytest.raises(InputFileError):
        restore(target, tmp_path / "missing.zip")
    assert inspect(create_engine(target)).has_table("observation")


def test_a_restore_never_repeats_a_data_version(store, tmp_path: Path) -> None:
    """Issue 15: an older backup restored and one value written gave the version the store
    had before (count and newest id of the batches), with other rows behind it."""
    url = _url(store)

    def write(value: float) -> None:
        store.write([NewValue("ICT_REVENUE", "VN", "2030", "actual", value)], source="t",
                    created_by="t")  # fmt: skip

    write(1.0)
    backup(url, tmp_path / "old.zip")
    write(2.0)
    seen = store.data_version()
    info = restore(url, tmp_path / "old.zip", replace=True)
    write(3.0)
    assert store.data_version() != seen
    epochs = [info.epoch]
    assert [o.value for o in store.current(["2030"])] == [3.0]
    backup(url, tmp_path / "new.zip")  # the backup holds epoch 1: restoring it moves past it
    epochs.append(restore(url, tmp_path / "new.zip", replace=True).epoch)
    assert epochs == [1, 2]


def test_the_line_limit_holds_for_the_backup_too(demo: str, tmp_path: Path, monkeypatch) -> None:
    """A row longer than the restore reads fails the backup when it is made (not the restore
    when it is needed); a limit that is not a positive number is refused."""
    monkeypatch.setenv("CHITIEU_BACKUP_LINE_MB", "0.001")  # 1 KiB: a current-value slab is more
    with pytest.raises(InputFileError) as err:
        backup(demo, tmp_path / "small.zip")
    assert err.value.code == "backup-row-too-long" and err.value.exit_code == 2
    assert not (tmp_path / "small.zip").exists()
    monkeypatch.setenv("CHITIEU_BACKUP_LINE_MB", "abc")
    with pytest.raises(InputFileError) as err:
        backup(demo, tmp_path / "bad.zip")
    assert err.value.code == "input-bad-limit"
    assert [p.name for p in tmp_path.iterdir()] == []


def test_check_store_finds_a_first_time_later_than_the_first_vintage_and_repairs_it(
    store, db_url: str
) -> None:
    """``slab_since`` must not say a slab was born after its first vintage (an as-of read
    would leave its values out); ``check-store --repair`` rebuilds it from the vintages; a
    missing row is no fault (the exact path)."""
    from chitieu.store.values import NewValue

    store.write([NewValue("ICT_REVENUE", "VN", "2023S1", "actual", 1.0),
                 NewValue("ICT_BUDGET", "VN", "2024S1", "actual", 1.0)],
                source="t", created_by="t")  # fmt: skip
    health = check_store(db_url)
    since = next(c for c in health.checks if c.name == "since")
    assert health.ok and since.checked == 2
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE slab_since SET first_at = :at WHERE year = 2023"),
                     {"at": datetime(2999, 1, 1)})  # fmt: skip
        conn.execute(text("DELETE FROM slab_since WHERE year = 2024"))
    codes = _codes(check_store(db_url))
    assert list(codes) == ["check-since-late"]
    assert [(p["indicator"], p["year"]) for p in codes["check-since-late"]] == [
        ("ICT_REVENUE", 2023)]  # fmt: skip
    proc = run("check-store", "--repair", "--json", db=db_url)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["ok"] is True
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM slab_since")).scalar_one() == 2
