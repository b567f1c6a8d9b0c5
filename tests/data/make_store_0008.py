"""Make ``store_0008.jsonl``: a store written by the code before issue 16 (commit dbc02dd,
schema revision 0008), dumped table by table as JSON lines (text, no binary fixture).

Run against that code, in a worktree of it (the modules it calls are gone since):
    git worktree add /tmp/old dbc02dd
    PYTHONPATH=/tmp/old/src .venv/bin/python tests/data/make_store_0008.py
It writes the file next to itself. ``tests/test_upgrade.py`` loads it into an empty store at
revision 0008 on SQLite and PostgreSQL, upgrades with Alembic and checks every row is kept.

What it holds: values of several kinds (an estimate with its method and inputs, a deletion),
accounts of every role, an API token, the session key, a web session, a failed sign-in, key
tasks and their events, and reports in every workflow state of the old code — a draft, a
submitted one, an approved one, one returned and saved again (its comment kept in the row),
one reopened (labelled "returned" then), an override of a locked report's values — with
their events and the batches their saves wrote.
"""

from __future__ import annotations

import base64
import json
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, select

from chitieu import open_store
from chitieu.catalog.forms import forms
from chitieu.collect.ingest import Origin, ingest
from chitieu.store.values import NewValue
from chitieu.web.accounts import Accounts
from chitieu.workflow.tasks import KeyTasks

HERE = Path(__file__).resolve().parent
OUT = HERE / "store_0008.jsonl"


def _encode(v: Any) -> Any:
    if isinstance(v, datetime):
        return {"$dt": v.isoformat()}
    if isinstance(v, date):
        return {"$date": v.isoformat()}
    if isinstance(v, bytes | memoryview):
        return {"$b64": base64.b64encode(bytes(v)).decode()}
    return v


def _fill(store: Any, acc: Any, form: str, unit: str, period: str, values: dict[str, str]) -> Any:
    from chitieu.web.submissions import load_state, parse_entries, save  # the old code's

    f = forms()[form]
    state = load_state(store, f, unit, f.period(period))
    return save(store, acc, state, parse_entries(state, values), expected=state.etag).state


def build(url: str) -> Any:
    from chitieu.web.submissions import transition  # the old code's

    store = open_store(url)
    accounts = Accounts(store)
    for name, role, units in (
        ("admin", "admin", ()),
        ("analyst", "analyst", ()),
        ("analyst2", "analyst", ()),
        ("hanoi", "reporter", ("01@34",)),
        ("hcm", "reporter", ("79@34",)),
        ("viewer", "viewer", ()),
    ):
        accounts.add(name, "old-password-0008", role, units=list(units))
    accounts.add_token("analyst", "old token")
    accounts.secret()
    from chitieu.web.sessions import LoginThrottle, Sessions

    Sessions(store, accounts, 10).start(accounts.by_username("hanoi"))  # type: ignore[arg-type]
    LoginThrottle(store).failed("viewer", "127.0.0.1")
    from chitieu.store import pending

    fold_from, pending.FOLD_FROM = pending.FOLD_FROM, 3  # this write folds: slabs and cubes
    store.write(
        [
            NewValue("ICT_REVENUE", u, p, "actual", v)
            for u, p, v in (("01@34", "2025S1", 1000.0), ("79@34", "2025S1", 2500.5),
                            ("VN", "2025", 90000.0), ("01@34", "2025S2", 1200.0))
        ],
        source="import", created_by="cli", filename="old.csv",
    )  # fmt: skip
    pending.FOLD_FROM = fold_from
    store.write([NewValue("ICT_REVENUE", "01@34", "2025S2", "actual", None)],
                source="import", created_by="cli")  # fmt: skip
    store.write(
        [NewValue("ICT_REVENUE", "04@34", "2025S1", "estimate", 333.0, method="ratio_of_means",
                  inputs={"periods": ["2024S1"], "ratio": 1.05})],
        source="estimate", created_by="cli",
    )  # fmt: skip
    hanoi, hcm = accounts.by_username("hanoi"), accounts.by_username("hcm")
    analyst, analyst2 = accounts.by_username("analyst"), accounts.by_username("analyst2")
    four = {"ICT_REVENUE": "100", "ICT_BUDGET": "10", "ICT_GDP": "41.900", "ICT_LABOUR": "500"}
    f6 = forms()["TTTT-6T"]
    # approved, then reopened with a comment (the old code labels it "returned")
    st = _fill(store, hanoi, "TTTT-6T", "01@34", "2026S1", four)
    st = transition(store, hanoi, st, "submit")
    st = transition(store, analyst, st, "approve")
    transition(store, analyst, st, "reopen", "Số lao động chưa khớp")
    # submitted, waiting
    st = _fill(store, hcm, "TTTT-6T", "79@34", "2026S1", four)
    transition(store, hcm, st, "submit")
    # returned with a comment, then saved again by the ministry (the comment stays in the row)
    st = _fill(store, analyst, "TTTT-6T", "04@34", "2026S1", four)
    st = transition(store, analyst, st, "submit")
    st = transition(store, analyst2, st, "return", "Thiếu số liệu ngân sách")
    _fill(store, analyst, "TTTT-6T", "04@34", "2026S1", {"ICT_BUDGET": "12"})
    # a draft
    _fill(store, hanoi, "TTTT-6T", "01@34", "2025S2", {"ICT_GDP": "40.000"})
    # the annual form (its first round is the actual one): approved, then an override
    st = _fill(store, hanoi, "TTTT-N", "01@34", "2025", four)
    st = transition(store, hanoi, st, "submit")
    transition(store, analyst, st, "approve")
    res = ingest(store, [NewValue("ICT_BUDGET", "01@34", "2025", "actual", 11.0)],
                 Origin("analyst", "api"), override="số liệu chính thức")  # fmt: skip
    assert res.batch is not None and res.overridden
    # the plan form: a draft
    _fill(store, hanoi, "TTTT-KH", "01@34", "2026", four)
    # key tasks
    csv = HERE / "tasks_0008.csv"
    csv.write_text(
        "code,period,title,lead_unit,deadline,status\n"
        "NV1,2026S2,Sửa đổi thông tư,Cục Xuất bản,2026-11-30,in_progress\n"
        "NV2,2026S2,Tổng kết năm,Vụ KHTC,2026-12-31,not_started\n",
        encoding="utf-8",
    )
    try:
        KeyTasks(store).import_file(csv, by="cli")
    finally:
        csv.unlink()
    del f6
    return store


def dump(store: Any) -> list[str]:
    meta = MetaData()
    meta.reflect(store.engine)
    lines: list[str] = []
    counts: dict[str, int] = {}
    with store.engine.connect() as conn:
        revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        for name in sorted(meta.tables):
            if name == "alembic_version":
                continue
            table = meta.tables[name]
            order = list(table.primary_key.columns) or list(table.columns)
            rows = conn.execute(select(table).order_by(*order)).mappings().all()
            counts[name] = len(rows)
            for r in rows:
                row = {k: _encode(v) for k, v in r.items()}
                lines.append(json.dumps({"table": name, "row": row}, ensure_ascii=False))
    head = {"revision": revision, "made_by": "dbc02dd", "counts": counts}
    return [json.dumps(head, ensure_ascii=False), *lines]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = build(f"sqlite:///{tmp}/old.db")
        lines = dump(store)
        store.engine.dispose()
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(lines) - 1} rows", file=sys.stderr)


if __name__ == "__main__":
    main()
