"""Pages: sign-in security, data entry with inline errors, the Excel round trip, languages."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from tests.web.conftest import FORM, OWN, PASSWORD, PERIOD, csrf

from chitieu.web.accounts import Accounts

ENTRY = f"/entry/{FORM}/{OWN}/{PERIOD}"


def test_one_json_error_shape_for_every_api_error(web_sqlite):
    env = web_sqlite
    rep = env.api("reporter")
    cases = {
        401: env.api().get("/api/v1/me"),
        403: rep.get("/api/v1/summary", params={"period": "2025S1"}),
        404: rep.get("/api/v1/submissions/NOPE/01@34/2026S1"),
        405: rep.delete("/api/v1/me"),
        422: rep.get("/api/v1/values"),
        428: rep.put(f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}", json={"values": {}}),
    }
    for status, r in cases.items():
        body = r.json()
        assert r.status_code == status, (status, body)
        assert body["ok"] is False and body["status"] == status, body
        assert isinstance(body["error"], str) and body["error"], body


def test_session_cookie_is_httponly_samesite_and_pages_carry_security_headers(web_sqlite):
    c = web_sqlite.browser()
    r = c.get("/login")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"


def test_post_without_csrf_token_is_refused(web_sqlite):
    c = web_sqlite.browser("reporter")
    r = c.post(ENTRY, data={"v__ICT_REVENUE": "1", "action": "save"})
    assert r.status_code == 403
    assert (
        web_sqlite.api("reporter")
        .get(f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}")
        .json()["submission"]["status"]
        == "not_started"
    )


def test_login_is_throttled_per_user_and_address(web_sqlite):
    c = web_sqlite.browser()
    for _ in range(5):
        tok = csrf(c, "/login")
        r = c.post("/login", data={"username": "viewer", "password": "wrong!", "csrf_token": tok})
        assert r.status_code == 400
    tok = csrf(c, "/login")
    r = c.post("/login", data={"username": "viewer", "password": PASSWORD, "csrf_token": tok})
    assert r.status_code == 429 and "Đăng nhập sai quá nhiều lần" in r.text
    r = c.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": tok},
        follow_redirects=False,
    )
    assert r.status_code == 303  # another user from the same address is not locked out


def test_disabled_account_cannot_sign_in_or_use_its_token(web_sqlite):
    Accounts(web_sqlite.store).set_active("viewer", False)
    assert web_sqlite.api("viewer").get("/api/v1/me").status_code == 401
    c = web_sqlite.browser()
    r = c.post(
        "/login", data={"username": "viewer", "password": PASSWORD, "csrf_token": csrf(c, "/login")}
    )
    assert r.status_code == 400


def test_entry_shows_the_error_next_to_the_field_and_keeps_what_was_typed(web_sqlite):
    c = web_sqlite.browser("reporter")
    page = c.get(ENTRY)
    version = re.search(r'name="version" value="([^"]+)"', page.text).group(1)
    form = {
        "csrf_token": csrf(c, ENTRY),
        "version": version,
        "action": "save",
        "v__ICT_REVENUE": "1.614.206",
        "v__ICT_BUDGET": "45,40,5",
    }
    bad = c.post(ENTRY, data=form)
    assert bad.status_code == 422
    row = re.search(r'class="entry-row has-error" id="row__ICT_BUDGET">(.*?)<dl', bad.text, re.S)
    row = row.group(1)
    assert 'id="v__ICT_BUDGET"' in row and "field-error" in row and 'value="45,40,5"' in row
    assert 'value="1.614.206"' in bad.text  # the valid field is kept too
    form["v__ICT_BUDGET"] = "45.405"
    ok = c.post(ENTRY, data=form)
    assert ok.status_code == 200 and "Đã lưu nháp" in ok.text
    assert 'value="45.405"' in ok.text and 'value="1.614.206"' in ok.text


def test_language_switch_gives_english_pages_with_english_numbers(web_sqlite):
    c = web_sqlite.browser("reporter")
    tok = csrf(c, ENTRY)
    v = re.search(r'name="version" value="([^"]+)"', c.get(ENTRY).text).group(1)
    c.post(ENTRY, data={"csrf_token": tok, "version": v, "v__ICT_REVENUE": "1.614.206"})
    c.get("/lang/en", params={"next": ENTRY})
    page = c.get(ENTRY)
    assert "Save draft" in page.text and 'value="1,614,206"' in page.text
    assert '<html lang="en">' in page.text


def _template(c) -> bytes:
    r = c.get(ENTRY + "/template.xlsx?layout=long")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    return r.content


def test_excel_template_has_locked_keys_a_dropdown_instructions_and_vietnamese_headers(web_sqlite):
    wb = load_workbook(io.BytesIO(_template(web_sqlite.browser("reporter"))))
    assert wb.sheetnames == ["Số liệu", "Hướng dẫn", "Danh mục"]
    assert wb["Danh mục"].sheet_state == "hidden"
    ws = wb["Số liệu"]
    assert [c.value for c in ws[1]][:8] == [
        "Mã chỉ tiêu",
        "Tên chỉ tiêu",
        "Đơn vị tính",
        "Mã đơn vị",
        "Tên đơn vị",
        "Kỳ báo cáo",
        "Loại số liệu",
        "Giá trị",
    ]
    assert ws.protection.sheet
    assert ws["A2"].protection.locked and not ws["H2"].protection.locked
    assert [ws.cell(r, 1).value for r in range(2, 6)] == [
        "ICT_REVENUE",
        "ICT_BUDGET",
        "ICT_GDP",
        "ICT_LABOUR",
    ]
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert lists[0].formula1 == "=DS_TRANG_THAI" and "DS_TRANG_THAI" in wb.defined_names
    assert "Hướng dẫn".upper() in wb["Hướng dẫn"]["A3"].value.upper()


def _upload(c, wb, overwrite=False):
    buf = io.BytesIO()
    wb.save(buf)
    data = {"csrf_token": csrf(c, ENTRY)}
    if overwrite:
        data["overwrite"] = "1"
    return c.post(
        ENTRY + "/upload",
        data=data,
        files={"file": ("bieu.xlsx", buf.getvalue(), "application/octet-stream")},
    )


def test_excel_upload_errors_by_sheet_and_cell_then_all_or_nothing(web_sqlite):
    c = web_sqlite.browser("reporter")
    wb = load_workbook(io.BytesIO(_template(c)))
    ws = wb["Số liệu"]
    ws["H2"], ws["H3"], ws["H5"] = 1614206, "45,40,5", "1512144,5"
    bad = _upload(c, wb)
    assert bad.status_code == 422
    cells = re.findall(r'<td class="cell">([A-Z]+\d+)</td>', bad.text)
    assert cells == ["H3", "H5"], cells
    assert "Số liệu" in bad.text
    api = web_sqlite.api("reporter")
    sub = api.get(f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}").json()["submission"]
    assert sub["values"]["ICT_REVENUE"]["value"] is None  # nothing stored
    ws["H3"], ws["H5"] = "45.405", 1512144  # on its own: 45405 or 45,405 (the spellings table)
    assert _upload(c, wb).status_code == 422
    ws["H3"] = "45.405,0"  # a decimal comma: Vietnamese, whatever the page's language
    ok = _upload(c, wb)
    assert ok.status_code == 200 and "Tệp Excel đã được kiểm tra" in ok.text
    sub = api.get(f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}").json()["submission"]
    assert sub["values"]["ICT_BUDGET"]["value"] == 45405
    assert sub["values"]["ICT_LABOUR"]["value"] == 1512144
    # the same file again, one value changed: what changed since the file was made is the
    # user's own upload, so it is no conflict (issue 19: "someone else changed it")
    ws["H2"] = 1
    assert _upload(c, wb).status_code == 200
    # once someone else changed that value, the same file is a conflict naming them
    got = api.get(f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}").json()["submission"]
    put = web_sqlite.api("analyst").put(
        f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}",
        json={"values": {"ICT_REVENUE": 7}, "version": got["version"]},
    )
    assert put.status_code == 200, put.text
    ws["H2"] = 2
    clash = _upload(c, wb)
    assert clash.status_code == 409 and "analyst" in clash.text
    assert _upload(c, wb, overwrite=True).status_code == 200
    events = api.get(f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}/audit").json()["events"]
    actions = [e["action"] for e in events]
    assert actions[0] == "overwrite" and actions[2:] == ["upload", "upload"], actions


def test_upload_for_another_unit_in_the_file_is_refused(web_sqlite):
    c = web_sqlite.browser("reporter")
    wb = load_workbook(io.BytesIO(_template(c)))
    ws = wb["Số liệu"]
    ws.protection.sheet = False
    ws["D2"], ws["H2"] = "79@34", 5
    r = _upload(c, wb)
    assert r.status_code == 422 and "Dòng ngoài biểu mẫu" not in r.text
    assert '<td class="cell">D2</td>' in r.text  # the unit's cell, the one that was changed


def test_an_empty_submit_names_the_missing_indicators_not_their_codes(web_sqlite):
    """Issue 19: the empty-submit message said ICT_REVENUE where a name belongs."""
    c = web_sqlite.browser("reporter")
    page = c.get(ENTRY)
    version = re.search(r'name="version" value="([^"]+)"', page.text).group(1)
    r = c.post(ENTRY, data={"csrf_token": csrf(c, ENTRY), "version": version, "action": "submit",
                            "v__ICT_REVENUE": "1.614.206", "c__ICT_REVENUE": "số mới"})  # fmt: skip
    assert r.status_code == 422
    errors = " ".join(re.findall(r'class="field-error"[^>]*>([^<]*)', r.text))
    assert "Nộp ngân sách nhà nước" in errors and "ICT_BUDGET" not in errors
