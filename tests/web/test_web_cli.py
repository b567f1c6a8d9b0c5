"""The web commands through the installed `chitieu`: users add|list|disable, tokens add."""

from __future__ import annotations

import json
import os
import subprocess

from tests.test_cli import EXE, run


def test_users_and_tokens_commands(db_url):
    env_pw = {"CHITIEU_PASSWORD": "mat-khau-dai-du"}
    os.environ.update(env_pw)
    try:
        old = run(
            "users", "add", "a", "--role", "reporter", "--unit", "Long An", db=db_url, check=False
        )
        assert old.returncode == 1 and "80@34" in old.stderr  # merged: the hint names today's
        out = run(
            "users",
            "add",
            "longan",
            "--role",
            "reporter",
            "--unit",
            "Tây Ninh",
            "--unit",
            "80@34",
            "--name",
            "Sở TT&TT Tây Ninh",
            "--json",
            db=db_url,
        )
        acc = json.loads(out.stdout)["account"]
        assert acc["units"] == ["80@34"]
        bad = run("users", "add", "x", "--role", "reporter", "--json", db=db_url, check=False)
        assert bad.returncode == 1 and "at least one unit" in json.loads(bad.stdout)["error"]
        run("users", "add", "bo", "--role", "analyst", db=db_url)
        listed = json.loads(run("users", "list", "--json", db=db_url).stdout)["accounts"]
        assert [a["username"] for a in listed] == ["bo", "longan"]
        token = json.loads(run("tokens", "add", "bo", "--json", db=db_url).stdout)["token"]
        assert token.startswith("ct_")
        run("users", "disable", "longan", db=db_url)
        listed = json.loads(run("users", "list", "--json", db=db_url).stdout)["accounts"]
        assert [a["active"] for a in listed] == [True, False]
    finally:
        for k in env_pw:
            os.environ.pop(k)


def test_serve_help_names_host_and_port():
    out = run("serve", "--help").stdout
    assert "--host" in out and "--port" in out


def test_serve_help_names_the_connection_settings():
    out = run("serve", "--help").stdout
    for name in ("CHITIEU_MAX_HEADER_BYTES", "CHITIEU_HEADER_TIMEOUT", "CHITIEU_KEEPALIVE_TIMEOUT",
                 "CHITIEU_SESSION_IDLE_MINUTES"):  # fmt: skip
        assert name in out, out


def test_serve_refuses_a_bad_setting_before_it_starts(tmp_path):
    """A header limit, a timeout or an idle time that is not a positive number stops `chitieu
    serve` at once with exit 2 and the setting named (it would otherwise fail per connection,
    or serve without the limit). Before: the server started (the `timeout` is the safety net
    of that failure, not a measure)."""
    db = f"sqlite:///{tmp_path / 's.db'}"
    for name, bad in (
        ("CHITIEU_MAX_HEADER_BYTES", "lots"),
        ("CHITIEU_HEADER_TIMEOUT", "-1"),
        ("CHITIEU_KEEPALIVE_TIMEOUT", "0"),
        ("CHITIEU_SESSION_IDLE_MINUTES", "x"),
        ("CHITIEU_MAX_COMMENT_CHARS", "40000"),
    ):
        env = {**os.environ, name: bad}
        cmd = [EXE, "serve", "--db", db, "--port", "0"]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 2, (name, proc.stdout, proc.stderr)
        assert name in proc.stdout + proc.stderr and "Traceback" not in proc.stderr, name
