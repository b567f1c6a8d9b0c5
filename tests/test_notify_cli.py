"""`chitieu notify` and `chitieu users … --email` through the installed command, on SQLite and
PostgreSQL: the documented exit codes (0 done or no SMTP server set, 1 e-mails failed and to be
retried, 2 a bad setting), the e-mail received by a local SMTP server exactly once; and the
migrated schema of the notices is the models'."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.smtp import Mailbox

EXE = shutil.which("chitieu", path=str(Path(sys.executable).parent)) or "chitieu"
REPORT = ("--form", "TTTT-6T", "--unit", "01@34", "--period", "2026S1", "--round", "actual")
VALUES = {"ICT_REVENUE": 100, "ICT_BUDGET": 10, "ICT_GDP": 41900, "ICT_LABOUR": 500}
QUIET = "2026-05-04T09:00"  # no deadline within the notice days


def chitieu(*args: str, db: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    base = {k: v for k, v in os.environ.items() if not k.startswith("CHITIEU_SMTP")}
    full = {**base, "CHITIEU_DB": db, "CHITIEU_NOW": QUIET, "CHITIEU_USER": "tester", **(env or {})}
    return subprocess.run([EXE, *args], capture_output=True, text=True, env=full)


def _ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def _setup(db: str, tmp_path: Path) -> None:
    pw = {"CHITIEU_PASSWORD": "mat-khau-dai-du"}
    _ok(chitieu("users", "add", "hanoi", "--role", "reporter", "--unit", "01@34", db=db, env=pw))
    head = ("users", "add", "hanoi-head", "--role", "head", "--unit", "01@34",
            "--email", "giamdoc@so-tttt.test", "--json")  # fmt: skip
    made = json.loads(_ok(chitieu(*head, db=db, env=pw)).stdout)["account"]
    assert (made["email"], made["notices"]) == ("giamdoc@so-tttt.test", "all")
    bad = chitieu("users", "set", "hanoi", "--email", "not an address", "--json", db=db)
    assert bad.returncode == 1 and "not an e-mail address" in json.loads(bad.stdout)["error"]
    got = json.loads(_ok(chitieu("users", "set", "hanoi", "--email", "hanoi@so-tttt.test",
                                 "--json", db=db)).stdout)["account"]  # fmt: skip
    assert got["email"] == "hanoi@so-tttt.test"
    csv = tmp_path / "values.csv"
    rows = "".join(f"{k},01@34,2026S1,{v},actual\n" for k, v in VALUES.items())
    csv.write_text("indicator,unit,period,value,kind\n" + rows, encoding="utf-8")
    _ok(chitieu("import", str(csv), db=db))


def test_notify_exit_codes_and_one_email_per_notice(db_url, tmp_path):
    _setup(db_url, tmp_path)
    _ok(chitieu("workflow", "submit", *REPORT, "--as", "hanoi", db=db_url))

    none = json.loads(_ok(chitieu("notify", "--json", db=db_url)).stdout)
    assert (none["smtp"], none["sent"], none["emails"]) == (False, 0, {"pending": 1})
    bad = chitieu("notify", "--json", db=db_url, env={"CHITIEU_SMTP_HOST": "127.0.0.1",
                                                       "CHITIEU_SMTP_PORT": "smtp"})  # fmt: skip
    assert bad.returncode == 2 and "CHITIEU_SMTP_PORT" in json.loads(bad.stdout)["error"]

    box = Mailbox()
    down = chitieu("notify", "--json", db=db_url, env=box.env())
    assert down.returncode == 1, down.stderr
    assert json.loads(down.stdout)["emails"] == {"failed": 1}
    box.start()
    try:
        later = {**box.env(), "CHITIEU_NOW": "2026-05-04T10:00"}  # past its next attempt
        sent = json.loads(_ok(chitieu("notify", "--json", db=db_url, env=later)).stdout)
        assert (sent["sent"], sent["emails"]) == (1, {"sent": 1})
        _ok(chitieu("workflow", "return", *REPORT, "--as", "hanoi-head", "-m", "Sửa số liệu",
                    db=db_url))  # fmt: skip
        human = _ok(chitieu("notify", db=db_url, env=later)).stdout
        assert "1 sent" in human
        assert (
            json.loads(_ok(chitieu("notify", "--json", db=db_url, env=later)).stdout)["sent"] == 0
        )
    finally:
        box.stop()
    assert box.recipients == [["giamdoc@so-tttt.test"], ["hanoi@so-tttt.test"]]
    assert "Sửa số liệu" in box.messages[1].get_content()


def test_notify_help_documents_its_exit_codes():
    out = subprocess.run([EXE, "notify", "--help"], capture_output=True, text=True).stdout
    assert "Exit codes" in out and "CHITIEU_SMTP_HOST" in out


def test_the_migrated_notices_schema_is_the_models(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import chitieu.store.notices  # noqa: F401 - its table joins the metadata
    from chitieu import open_store
    from chitieu.store.schema import metadata

    store = open_store(db_url)
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    store.engine.dispose()
    mine = [d for d in diffs if "'notice'" in repr(d) or "'web_account'" in repr(d)]
    assert mine == []
