"""`chitieu conference link | links | revoke` on both backends: the URL with its token is shown
once (only its SHA-256 stored), the list never shows a token, a revoked link is refused by the
board in both languages, an unknown id is a usage error naming the list command."""

from __future__ import annotations

import hashlib
import json

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chitieu.cli.main import app
from chitieu.store.viewer import viewer_tokens
from chitieu.web.app import create_app
from chitieu.web.events import StreamSettings


def test_link_links_revoke(store, db_url, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CHITIEU_BASE_URL", "https://hop.example.vn/")
    run = CliRunner().invoke
    r = run(app, ["conference", "link", "--db", db_url, "--period", "2025S1",
                  "--label", "Điểm cầu Huế", "--json"])  # fmt: skip
    assert r.exit_code == 0, r.output
    got = json.loads(r.output)
    assert got["url"] == f"https://hop.example.vn/conference/2025S1?token={got['token']}"
    [row] = viewer_tokens(store)
    assert row.label == "Điểm cầu Huế" and row.period == "2025S1" and not row.revoked
    web = create_app(store=store)
    web.state.hub.settings = StreamSettings(lifetime=0)
    c = TestClient(web)
    assert c.get(f"/conference/2025S1?token={got['token']}").status_code == 200
    listed = run(app, ["conference", "links", "--db", db_url, "--json"])
    assert listed.exit_code == 0 and got["token"] not in listed.output
    assert hashlib.sha256(got["token"].encode()).hexdigest() not in listed.output
    assert json.loads(listed.output)["links"][0]["id"] == got["id"]
    r = run(app, ["conference", "revoke", "--db", db_url, str(got["id"]), "--lang", "en"])
    assert r.exit_code == 0 and f"viewer link {got['id']} revoked" in r.output
    refused = c.get(f"/conference/2025S1?token={got['token']}")
    assert refused.status_code == 403
    assert "đã bị thu hồi" in refused.text and "has been revoked" in refused.text
    r = run(app, ["conference", "revoke", "--db", db_url, "999"])
    assert r.exit_code == 2 and "chitieu conference links" in r.output
