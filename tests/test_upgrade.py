"""A store written by the code before issue 16 upgrades with Alembic and keeps every row.

``tests/data/store_0008.jsonl`` was written by that code (commit dbc02dd, revision 0008; its
generator is ``tests/data/make_store_0008.py``): values, accounts, a token, a session, key
tasks, and reports in every workflow state the old code had, with their events. Here it is
loaded into an empty store migrated to 0008, on SQLite and on PostgreSQL, then upgraded to the
newest revision, and every row is compared; the reports are then read and moved through the
new workflow.
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, MetaData, create_engine, func, insert, select, text

from chitieu.store import db as store_db

FIXTURE = Path(__file__).parent / "data" / "store_0008.jsonl"


def _decode(v: Any) -> Any:
    if isinstance(v, dict) and len(v) == 1:
        ((tag, x),) = v.items()
        if tag == "$dt":
            return datetime.fromisoformat(x)
        if tag == "$date":
            return date.fromisoformat(x)
        if tag == "$b64":
            return base64.b64decode(x)
    return v


def fixture() -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The fixture's header and its rows by table."""
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    head = json.loads(lines[0])
    rows: dict[str, list[dict[str, Any]]] = {}
    for line in lines[1:]:
        item = json.loads(line)
        rows.setdefault(item["table"], []).append({k: _decode(v) for k, v in item["row"].items()})
    return head, rows


def load_old_store(url: str) -> dict[str, Any]:
    """An empty database migrated to the fixture's revision, with the fixture's rows in it."""
    from alembic import command

    head, rows = fixture()
    engine = create_engine(store_db.database_url(url))
    with engine.begin() as conn:
        cfg = store_db._alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, head["revision"])
    meta = MetaData()
    meta.reflect(engine)
    with engine.begin() as conn:
        for name in _insert_order(meta):
            if rows.get(name):
                conn.execute(insert(meta.tables[name]), rows[name])
        if conn.dialect.name == "postgresql":  # ids were given: their sequences go on after
            for name, table in meta.tables.items():
                if "id" in table.c and isinstance(table.c.id.type, Integer) and rows.get(name):
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                            f"(SELECT max(id) FROM {name}))"
                        )
                    )
    engine.dispose()
    return head


def _insert_order(meta: MetaData) -> list[str]:
    return [t.name for t in meta.sorted_tables if t.name != "alembic_version"]


def _count(conn: Any, meta: MetaData, name: str) -> int:
    return int(conn.execute(select(func.count()).select_from(meta.tables[name])).scalar_one())


def test_a_store_of_the_code_before_upgrades_and_keeps_every_row(db_url):
    head = load_old_store(db_url)
    from chitieu import open_store

    store = open_store(db_url)  # migrates to the newest revision
    assert store_db.current_revision(store.engine) == store_db.SCHEMA_REVISION
    meta = MetaData()
    meta.reflect(store.engine)
    _, rows = fixture()
    with store.engine.connect() as conn:
        for name, n in head["counts"].items():
            assert _count(conn, meta, name) == n, name
        for name in ("observation", "batch", "web_submission_event", "task_event"):
            ids = [r["id"] for r in rows[name]]
            got = conn.execute(select(meta.tables[name].c.id).order_by(text("id"))).scalars()
            assert list(got) == ids, name
        subs = {
            (r.form, r.unit, r.period): r
            for r in conn.execute(select(meta.tables["web_submission"])).all()
        }
        # migration 0020: each indicator-year's first vintage, from the vintages
        since = {(int(r.year), r.indicator): r.first_at
                 for r in conn.execute(select(meta.tables["slab_since"])).all()}  # fmt: skip
    store.engine.dispose()
    first: dict[tuple[int, str], datetime] = {}
    for r in rows["observation"]:
        key = (int(r["period"][:4]), r["indicator"])
        first[key] = min(first.get(key, r["created_at"]), r["created_at"])
    assert since == first and len(since) >= 2
    assert set(subs) == {(r["form"], r["unit"], r["period"]) for r in rows["web_submission"]}


def _rows(store: Any, table: str) -> list[Any]:
    meta = MetaData()
    meta.reflect(store.engine, only=[table])
    with store.engine.connect() as conn:
        return list(conn.execute(select(meta.tables[table]).order_by(text("id"))).mappings())


def test_old_reports_get_their_round_state_and_levels_and_move_on(db_url):
    load_old_store(db_url)
    from chitieu import open_store
    from chitieu.catalog.forms import forms
    from chitieu.catalog.periods import parse_period
    from chitieu.workflow.accounts import Accounts
    from chitieu.workflow.save import Field, Parsed, save
    from chitieu.workflow.state import load_report
    from chitieu.workflow.transitions import transition

    store = open_store(db_url)
    subs = {(r["form"], r["unit"], r["period"]): r for r in _rows(store, "web_submission")}
    got = {k: (r["round"], r["status"], r["returned_to"], r["submitted_by"], r["comment"])
           for k, r in subs.items()}  # fmt: skip
    assert got == {
        # approved, then reopened: the old code labelled it "returned"
        ("TTTT-6T", "01@34", "2026S1"): ("estimate", "reopened", 0, "hanoi",
                                         "Số lao động chưa khớp"),
        ("TTTT-6T", "79@34", "2026S1"): ("estimate", "submitted", None, "hcm", None),
        # returned, then saved: the old code made it a draft and hid the comment
        ("TTTT-6T", "04@34", "2026S1"): ("estimate", "returned", 0, "analyst",
                                         "Thiếu số liệu ngân sách"),
        ("TTTT-6T", "01@34", "2025S2"): ("estimate", "draft", None, None, None),
        ("TTTT-N", "01@34", "2025"): ("actual", "approved", None, "hanoi", None),
        ("TTTT-KH", "01@34", "2026"): ("plan", "draft", None, None, None),
    }  # fmt: skip
    levels = {(e["actor"], e["action"]): e["level"] for e in _rows(store, "web_submission_event")}
    assert levels[("hanoi", "submit")] == 0 and levels[("analyst", "approve")] == 2
    assert levels[("analyst", "save")] == 2 and levels[("analyst2", "return")] == 2
    assert levels[("analyst", "override")] == 2
    # the old accounts sign in; the reports move on through two levels
    accounts = Accounts(store)
    hanoi = accounts.authenticate("hanoi", "old-password-0008")
    assert hanoi is not None
    head = accounts.add("hanoi-head", "head-password-16", "head", units=["01@34"])
    analyst2 = accounts.by_username("analyst2")
    assert analyst2 is not None
    form = forms()["TTTT-6T"]
    p = parse_period("2026S1")
    r = load_report(store, form, "01@34", p, form.round("estimate"))
    assert r.editable and r.comment == "Số lao động chưa khớp"
    r = save(store, hanoi, r, Parsed({"ICT_LABOUR": Field(510.0)}), expected=r.etag).report
    r = transition(store, hanoi, r, "submit")
    r = transition(store, head, r, "accept")
    r = transition(store, analyst2, r, "approve")
    assert r.status == "approved" and r.cells["ICT_LABOUR"].value == 510
    assert len(store.data_version()) == 9  # the epoch, then five tables (approval_setting too)
    store.engine.dispose()


def test_the_migrated_schema_is_the_models(db_url):
    """What migration 0010 made of an old store is what the tables of the code say."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import chitieu.store.web_schema  # noqa: F401 - its tables join the metadata
    from chitieu import open_store
    from chitieu.store.schema import metadata

    load_old_store(db_url)
    store = open_store(db_url)
    mine = {"web_submission", "web_submission_event", "approval_setting"}
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    store.engine.dispose()

    assert [d for d in diffs if any(f"'{t}'" in repr(d) for t in mine)] == []
