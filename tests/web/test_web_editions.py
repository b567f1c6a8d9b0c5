"""The report page's "Issue as adopted" button: an edition recorded, its files as a zip, the
list in the API; ministry accounts only."""

import io
import json
import shutil
import zipfile

import pytest
from tests.web.conftest import csrf


def test_only_the_ministry_sees_and_may_press_issue(web_sqlite):
    viewer = web_sqlite.browser("viewer")
    page = viewer.get("/report?period=2025S1")
    assert page.status_code == 200 and 'id="report-issue"' not in page.text
    token = csrf(viewer, "/report?period=2025S1")
    r = viewer.post("/report/issue", data={"period": "2025S1", "csrf_token": token})
    assert r.status_code == 403
    assert web_sqlite.api("viewer").get("/api/v1/editions").status_code == 403
    assert 'id="report-issue"' in web_sqlite.browser("analyst").get("/report?period=2025S1").text


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_issue_records_an_edition_and_answers_with_its_files(web_sqlite):
    analyst = web_sqlite.browser("analyst")
    token = csrf(analyst, "/report?period=2025S1")
    r = analyst.post("/report/issue", data={"period": "2025S1", "unit": "VN", "csrf_token": token})
    assert r.status_code == 200, r.text[:500]
    number = int(r.headers["X-Chitieu-Edition"])
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        names = set(z.namelist())
        manifest = json.loads(z.read(f"edition-{number}.json"))
    assert {"report-2025S1-vi.pdf", "slides-2025S1-vi.pptx", "slides-2025S1-vi.pdf"} <= names
    assert {f["name"] for f in manifest["files"]} <= names
    listed = web_sqlite.api("analyst").get("/api/v1/editions").json()["editions"]
    assert [(e["number"], e["period"], e["issued_by"]) for e in listed] == [
        (number, "2025S1", "analyst")
    ]


def test_the_report_page_offers_the_deck_as_pptx_and_pdf(web_sqlite):
    from pptx import Presentation

    viewer = web_sqlite.browser("viewer")
    page = viewer.get("/report?period=2025S1").text
    assert 'id="slides-pptx"' in page and 'id="slides-pdf"' in page
    r = viewer.get("/report/slides", params={"period": "2025S1", "fmt": "pptx"})
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="slides-2025S1-VN-vi.pptx"' in r.headers["content-disposition"]
    prs = Presentation(io.BytesIO(r.content))
    assert "6 tháng đầu năm 2025" in prs.slides[0].shapes.title.text
    assert (
        viewer.get("/report/slides", params={"period": "2025S1", "fmt": "key"}).status_code == 404
    )
    reporter = web_sqlite.browser("reporter")
    assert reporter.get("/report/slides", params={"period": "2025S1"}).status_code == 403


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_the_deck_as_pdf_from_the_page(web_sqlite):
    r = web_sqlite.browser("analyst").get(
        "/report/slides", params={"period": "2025S1", "fmt": "pdf"}
    )
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")
