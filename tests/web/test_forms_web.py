"""The web's template in the form's official layout (issue 18, Deliver 5): downloaded from
the entry page's link, filled in, uploaded; stored exactly, errors at their sheet and cell."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from tests.test_forms_template import fill
from tests.web.conftest import FORM, OWN, PERIOD, csrf

ENTRY = f"/entry/{FORM}/{OWN}/{PERIOD}"


def test_the_web_official_template_round_trips(web_sqlite) -> None:  # type: ignore[no-untyped-def]
    c = web_sqlite.browser("reporter")
    page = c.get(ENTRY)
    link = re.search(r'id="template" href="([^"]+)"', page.text)
    assert link is not None and "layout" not in link.group(1)  # the official form: the default
    r = c.get(link.group(1).replace("&amp;", "&"))
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb.worksheets[0]
    assert ws.title == f"Biểu {FORM}" and "Long" not in ws["E1"].value
    own = next(str(c.value) for c in ws[7] if c.value and "2026" in str(c.value))
    data, cells = fill(r.content, {own: {"01": "1.234,5", "02": 42}})
    files = {"file": ("bieu.xlsx", data, "application/octet-stream")}
    up = c.post(ENTRY + "/upload", data={"csrf_token": csrf(c, ENTRY)}, files=files)
    assert up.status_code in (200, 303), up.text[:2000]
    api = web_sqlite.api("reporter")
    sub = api.get(f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}").json()["submission"]
    assert sub["values"]["ICT_REVENUE"]["value"] == 1234.5
    assert sub["values"]["ICT_BUDGET"]["value"] == 42
    # an error is shown at its sheet and cell, nothing stored
    data, cells = fill(r.content, {own: {"01": "abc"}})
    files = {"file": ("bieu.xlsx", data, "application/octet-stream")}
    bad = c.post(ENTRY + "/upload", data={"csrf_token": csrf(c, ENTRY)}, files=files)
    assert bad.status_code == 422 and f'<td class="cell">{cells[0]}</td>' in bad.text


def test_the_official_layout_is_the_templates_default_and_the_long_table_is_asked_for(
    web_sqlite,
) -> None:  # type: ignore[no-untyped-def]
    c = web_sqlite.browser("reporter")
    page = c.get(ENTRY)
    long = re.search(r'id="long-template" href="([^"]+)"', page.text)
    assert long is not None and long.group(1).endswith("&amp;layout=long")
    default = load_workbook(io.BytesIO(c.get(ENTRY + "/template.xlsx").content))
    official = load_workbook(io.BytesIO(c.get(ENTRY + "/template.xlsx?layout=form").content))
    assert default.sheetnames == official.sheetnames and default.sheetnames[0] == f"Biểu {FORM}"
    table = load_workbook(io.BytesIO(c.get(long.group(1).replace("&amp;", "&")).content))
    assert table.sheetnames[0] == "Số liệu"


def test_a_form_file_imported_through_the_api_as_by_the_cli(web_sqlite, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.forms_book import save

    line = "Đơn vị báo cáo: Sở Khoa học và Công nghệ tỉnh Tây Ninh"
    path = save(tmp_path / "tn.xlsx", ("Biểu 01", {"year": 2026, "unit_line": line}))
    files = {"file": ("tn.xlsx", path.read_bytes(), "application/octet-stream")}
    assert web_sqlite.api("reporter").post("/api/v1/imports/upload", files=files).status_code == 403
    api = web_sqlite.api("analyst")
    dry = api.post("/api/v1/imports/upload", files=files, data={"dry_run": "true"})
    assert dry.status_code == 200 and dry.json()["values_total"] == 11
    got = api.post("/api/v1/imports/upload", files=files).json()
    assert got["ok"] and got["layout"] == "form" and got["counts"]["imported"] == 11
    assert got["replace"] == [{"form": "TTTT-6T", "unit": "80@34", "period": "2026S1",
                               "round": "estimate"}]  # fmt: skip
    bad = save(tmp_path / "bad.xlsx", ("Biểu 01", {"year": 2026}))  # Long An, merged in 2025
    files = {"file": ("bad.xlsx", bad.read_bytes(), "application/octet-stream")}
    r = api.post("/api/v1/imports/upload", files=files)
    assert r.status_code == 422
    (f,) = r.json()["findings"]
    assert (f["sheet"], f["cell"], f["type"]) == ("Biểu 01", "F1", "form-unit")


def test_the_official_templates_upload_reads_the_workbook_once(web_sqlite, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Before: the upload looked for the long table's «Số liệu» sheet (a pre-scan and a child
    parser), then read the workbook again as the official form."""
    from chitieu.collect import reader

    c = web_sqlite.browser("reporter")
    r = c.get(ENTRY + "/template.xlsx")
    own = next(str(x.value) for x in load_workbook(io.BytesIO(r.content)).worksheets[0][7]
               if x.value and "2026" in str(x.value))  # fmt: skip
    data, _cells = fill(r.content, {own: {"01": 77}})
    reads: list[str] = []
    parse = reader.parse

    def counted(request):  # type: ignore[no-untyped-def]
        reads.append(request.file)
        return parse(request)

    monkeypatch.setattr(reader, "parse", counted)
    files = {"file": ("bieu.xlsx", data, "application/octet-stream")}
    up = c.post(ENTRY + "/upload", data={"csrf_token": csrf(c, ENTRY)}, files=files)
    assert up.status_code in (200, 303), up.text[:2000]
    assert reads == ["bieu.xlsx"]


def _own_filled(c, value: float) -> bytes:  # type: ignore[no-untyped-def]
    r = c.get(ENTRY + "/template.xlsx")
    own = next(str(x.value) for x in load_workbook(io.BytesIO(r.content)).worksheets[0][7]
               if x.value and "2026" in str(x.value))  # fmt: skip
    return fill(r.content, {own: {"01": value}})[0]


def _uploads(monkeypatch) -> list:  # type: ignore[no-untyped-def]
    """What ``excel.read_upload`` gives the upload route, kept."""
    from chitieu.web import excel

    got: list = []
    real = excel.read_upload

    def kept(*args, **kwargs):  # type: ignore[no-untyped-def]
        got.append(real(*args, **kwargs))
        return got[-1]

    monkeypatch.setattr(excel, "read_upload", kept)
    return got


def test_the_official_upload_finds_the_hidden_sheet_by_the_templates_own_name(
    web_sqlite, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Before: the upload asked the reader for its own constant's sheet and looked the
    template's facts up under the template's: renamed in one place, the version and the bases
    were lost and the upload overwrote whatever was stored meanwhile."""
    from chitieu.collect.layouts import template

    monkeypatch.setattr(template, "LIST_SHEET", "Thông tin mẫu")
    c = web_sqlite.browser("reporter")
    data = _own_filled(c, 77)
    assert "Thông tin mẫu" in load_workbook(io.BytesIO(data)).sheetnames
    got = _uploads(monkeypatch)
    files = {"file": ("bieu.xlsx", data, "application/octet-stream")}
    up = c.post(ENTRY + "/upload", data={"csrf_token": csrf(c, ENTRY)}, files=files)
    assert up.status_code in (200, 303), up.text[:2000]
    (upload,) = got
    assert upload.version is not None and upload.parsed.base is not None


def test_the_official_upload_is_read_from_its_own_file_never_a_server_file_of_its_name(
    web_sqlite, monkeypatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """Before: the layout's source was built with the uploaded file's name as its path: a
    layout that looked at the file's bytes read a file of that name in the server's working
    directory."""
    from chitieu.collect.layouts import wide

    monkeypatch.chdir(tmp_path)
    (tmp_path / "bieu.xlsx").write_bytes(b"a file of the server's, never the upload")
    c = web_sqlite.browser("reporter")
    data = _own_filled(c, 78)
    seen: list[bytes] = []
    real = wide.read

    def looked(source):  # type: ignore[no-untyped-def]
        seen.append(source.head())
        seen.append(source.path.read_bytes())
        return real(source)

    monkeypatch.setattr(wide, "read", looked)
    files = {"file": ("bieu.xlsx", data, "application/octet-stream")}
    up = c.post(ENTRY + "/upload", data={"csrf_token": csrf(c, ENTRY)}, files=files)
    assert up.status_code in (200, 303), up.text[:2000]
    assert seen == [data[:4096], data]
