"""The web commands through the installed `chitieu`: users add|list|disable, tokens add."""

from __future__ import annotations

import json
import os

from tests.test_cli import run


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
