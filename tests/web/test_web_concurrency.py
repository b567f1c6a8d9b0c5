"""What the faster save path must keep: versions chain from save to save, a value written by
other means makes a held version stale, a disabled account's cached token is refused at once,
and SQLite writers are serialised across processes (SQLite and PostgreSQL where it applies)."""

from __future__ import annotations

import fcntl
import os

from tests.web.conftest import FORM, OWN, PERIOD

from chitieu.store.values import NewValue
from chitieu.web.accounts import Accounts

BASE = f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}"


def test_the_version_a_save_returns_is_the_one_a_read_gives_and_saves_chain_on_it(web):
    rep = web.api("reporter")
    version = rep.get(BASE).json()["submission"]["version"]
    for n in range(3):
        r = rep.put(BASE, json={"values": {"ICT_REVENUE": 100 + n}, "version": version})
        assert r.status_code == 200, r.text
        version = r.json()["submission"]["version"]
        assert r.headers["etag"] == f'"{version}"'
        assert rep.get(BASE).json()["submission"]["version"] == version
    history = rep.get(BASE + "/audit").json()["events"]
    assert [e["changes"][0]["new"] for e in history] == [102, 101, 100]


def test_a_value_written_by_an_import_makes_a_held_version_stale(web):
    rep = web.api("reporter")
    got = rep.get(BASE).json()["submission"]
    version, kind = got["version"], got["kind"]
    first = rep.put(BASE, json={"values": {"ICT_REVENUE": 5}, "version": version})
    held = first.json()["submission"]["version"]
    web.store.write(
        [NewValue("ICT_BUDGET", OWN, PERIOD, kind, 7.0)], source="import", created_by="t"
    )
    stale = rep.put(BASE, json={"values": {"ICT_REVENUE": 6}, "version": held})
    assert stale.status_code == 409
    fresh = rep.get(BASE).json()["submission"]
    assert fresh["version"] != held and fresh["values"]["ICT_BUDGET"]["value"] == 7.0
    again = rep.put(BASE, json={"values": {"ICT_REVENUE": 6}, "version": fresh["version"]})
    assert again.status_code == 200


def test_a_cached_token_of_a_disabled_account_is_refused_at_once(web):
    viewer = web.api("viewer")
    assert viewer.get("/api/v1/me").status_code == 200  # now in this process's cache
    assert viewer.get("/api/v1/me").status_code == 200
    Accounts(web.store).set_active("viewer", False)  # another Accounts, same database
    assert viewer.get("/api/v1/me").status_code == 401
    Accounts(web.store).set_active("viewer", True)
    assert viewer.get("/api/v1/me").status_code == 401  # disabling revoked it for good


def test_sqlite_writers_hold_a_lock_other_processes_wait_on(web_sqlite):
    database = web_sqlite.store.engine.url.database
    with web_sqlite.store.transaction():
        other = os.open(f"{database}-writers.lock", os.O_RDWR)  # as another process would
        try:
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
                taken = True
            except BlockingIOError:
                taken = False
            assert not taken
        finally:
            os.close(other)
    other = os.open(f"{database}-writers.lock", os.O_RDWR)
    try:
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free once the write is done
        fcntl.flock(other, fcntl.LOCK_UN)
    finally:
        os.close(other)
