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


def test_viewer_links_in_the_browser(web) -> None:  # type: ignore[no-untyped-def]
    """An administrator makes a link (shown once), sees it listed, revokes it."""
    import re

    from tests.web.conftest import csrf

    web.app.state.hub.settings = StreamSettings(lifetime=0)
    admin = web.browser("admin")
    token = csrf(admin, "/admin/viewer-links")
    made = admin.post("/admin/viewer-links", data={"period": "2025S1", "label": "Điểm cầu Cần Thơ",
                                                   "csrf_token": token})  # fmt: skip
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    m = re.search(r'id="new-link" value="[^"]*(/conference/2025S1\?token=[^"]+)"', made.text)
    assert m, made.text[:2000]
    viewer = TestClient(web.app)
    assert viewer.get(m.group(1)).status_code == 200
    listed = admin.get("/admin/viewer-links")
    assert "Điểm cầu Cần Thơ" in listed.text and m.group(1).split("=")[1] not in listed.text
    [row] = viewer_tokens(web.store)
    r = admin.post(f"/admin/viewer-links/{row.id}/revoke", data={"csrf_token": token},
                   follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    assert viewer.get(m.group(1)).status_code == 403
    assert web.browser("analyst").get("/admin/viewer-links").status_code == 403
