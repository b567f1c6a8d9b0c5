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
    # the table's column headers in the language asked for (review item 11)
    table = run(app, ["conference", "links", "--db", db_url], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "Người tạo" in table.output and "Kỳ" in table.output
    table = run(app, ["conference", "links", "--db", db_url, "--lang", "en"],
                env={"COLUMNS": "200"})  # fmt: skip
    assert "period" in table.output and "Người tạo" not in table.output
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


def test_a_link_made_on_the_page_uses_the_base_url_and_a_refresh_makes_none(  # type: ignore[no-untyped-def]
    web, monkeypatch
) -> None:
    """Review item 9: the address starts with CHITIEU_BASE_URL (not the request's Host), and
    the same form sent again (the browser's refresh of the answer) makes no second link."""
    import re

    from tests.web.conftest import csrf

    monkeypatch.setenv("CHITIEU_BASE_URL", "https://hop.example.vn")
    admin = web.browser("admin")
    form = admin.get("/admin/viewer-links").text
    once = re.search(r'name="once" value="([^"]+)"', form)
    assert once
    data = {"period": "2025S1", "label": "Điểm cầu", "once": once.group(1),
            "csrf_token": csrf(admin, "/admin/viewer-links")}  # fmt: skip
    made = admin.post("/admin/viewer-links", data=data, headers={"Host": "evil.example"})
    assert 'value="https://hop.example.vn/conference/2025S1?token=' in made.text, made.text[:2000]
    again = admin.post("/admin/viewer-links", data=data)
    assert again.status_code == 200 and 'id="new-link"' not in again.text
    assert "no second link" in again.text or "không tạo liên kết thứ hai" in again.text
    assert len(viewer_tokens(web.store)) == 1
