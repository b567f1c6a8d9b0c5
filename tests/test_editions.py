"""The deck as PDF (headless LibreOffice) and editions of the review as adopted: frozen, made
again and checked file by file, a correction naming the facts it changed; PDF/A."""

import re
import shutil
import subprocess
import zlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from chitieu import open_store
from chitieu.errors import NotFound
from chitieu.report.edition_files import compare, settle_zip, sha256
from chitieu.report.editions import Request, fact_changes, issue_edition, reproduce_edition
from chitieu.report.render.office_pdf import OfficePdfError, office_pdf
from chitieu.report.slides_build import write_slides
from chitieu.store.editions import EditionRecords
from chitieu.store.rows import NewValue
from chitieu.store.values import Store

DAY = date(2023, 6, 30)
needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice (soffice) is not installed: run scripts/setup.sh",
)


def pdf_text(path: Path) -> str:
    """The PDF's words, lines joined (a label wrapped in its box reads as one line)."""
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return " ".join(done.stdout.decode("utf-8").split())


def fonts_embedded(path: Path) -> list[tuple[str, str]]:
    """(font, emb) of every font of the PDF (pdffonts)."""
    done = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True)
    rows = done.stdout.splitlines()[2:]
    return [(r.split()[0], r.split()[-5]) for r in rows if r.strip()]


def pdfa_part(path: Path) -> str | None:
    """The PDF/A part its XMP metadata claims (the stream compressed or not)."""
    data = path.read_bytes()
    for m in re.finditer(rb"/Subtype\s*/XML[^>]*>>\s*stream\r?\n", data):
        body = data[m.end() : data.find(b"endstream", m.end())]
        if b"/FlateDecode" in m.group(0):
            body = zlib.decompress(body)
        got = re.search(rb'pdfaid:part(?:="|>)(\d)', body)
        if got:
            return got.group(1).decode()
    return None


@needs_soffice
def test_the_deck_as_pdf_reads_back_with_its_figures_and_embedded_fonts(demo_sqlite, tmp_path):
    files = write_slides(Store(demo_sqlite), "2023S1", tmp_path, report_date=DAY, pdf=True)
    assert files["pdf"] == tmp_path / "slides-2023S1-vi.pdf"
    text = pdf_text(files["pdf"])
    assert "1.614.206 tỷ đồng" in text
    assert "Các chỉ tiêu chủ yếu 6 tháng đầu năm 2023" in text
    fonts = fonts_embedded(files["pdf"])
    assert fonts and all(emb == "yes" for _, emb in fonts), fonts
    assert not list(tmp_path.glob(".*")), "no temporary file left behind"


def test_no_libreoffice_is_a_bilingual_error_and_no_deck_is_written(
    demo_sqlite, tmp_path, monkeypatch
):
    monkeypatch.setenv("CHITIEU_SOFFICE", "no-such-soffice")
    with pytest.raises(OfficePdfError) as got:
        write_slides(Store(demo_sqlite), "2023S1", tmp_path, report_date=DAY, pdf=True)
    vi, en = got.value.text("vi"), got.value.text("en")
    assert "LibreOffice" in vi[0] and "scripts/setup.sh" in vi[1]
    assert "is not installed" in en[0] and "libreoffice-impress" in en[1]
    assert list(tmp_path.iterdir()) == []


def test_a_conversion_past_its_time_limit_is_stopped_and_leaves_no_pdf(tmp_path, monkeypatch):
    slow = tmp_path / "soffice"
    slow.write_text("#!/bin/sh\nexec sleep 600\n")
    slow.chmod(0o755)
    monkeypatch.setenv("CHITIEU_SOFFICE", str(slow))
    src = tmp_path / "deck.pptx"
    src.write_bytes(b"PK")
    with pytest.raises(OfficePdfError) as got:
        office_pdf(src, tmp_path / "deck.pdf", timeout_s=0.2)
    assert got.value.code == "soffice-timeout"
    assert "dừng" in got.value.text("vi")[0]
    assert not (tmp_path / "deck.pdf").exists()


def test_an_office_file_settled_to_an_instant_has_the_same_bytes(demo_sqlite, tmp_path):
    when = datetime(2026, 12, 7, 10, 0)
    a = write_slides(Store(demo_sqlite), "2023S1", tmp_path / "a", report_date=DAY)["pptx"]
    b = write_slides(Store(demo_sqlite), "2023S1", tmp_path / "b", report_date=DAY)["pptx"]
    settle_zip(a, when)
    settle_zip(b, when)
    assert sha256(a) == sha256(b)


def _row(n: int, facts: dict) -> dict:
    at = datetime(2026, 12, 7, 10, 0) + timedelta(minutes=n)
    return {
        "period": "2023S1", "unit": "VN", "lang": "vi", "as_of": at, "issued_at": at,
        "issued_by": "tester", "note": "", "options": {"formats": ["md"]}, "facts": facts,
        "facts_sha256": "0" * 64, "files": [{"name": "a.md", "bytes": 1, "sha256": "1" * 64}],
        "previous_id": n - 1 or None, "changes": [{"field": "value"}] if n > 1 else [],
    }  # fmt: skip


def test_editions_are_kept_and_read_back_on_both_backends(store):
    records = EditionRecords(store)
    assert records.latest("2023S1", "VN", "vi") is None
    one = records.add(_row(1, {"facts": [{"indicator": "X", "value": 1.0}]}))
    two = records.add(_row(2, {"facts": [{"indicator": "X", "value": 2.0}]}))
    latest = records.latest("2023S1", "VN", "vi")
    assert latest.id == two and latest.previous_id == one
    assert latest.facts == {"facts": [{"indicator": "X", "value": 2.0}]}
    assert latest.as_of == datetime(2026, 12, 7, 10, 2)
    assert [e.id for e in records.list()] == [one, two]
    assert records.list("2024S1") == []
    got = records.get(one)
    assert got.files == [{"name": "a.md", "bytes": 1, "sha256": "1" * 64}]
    assert got.options == {"formats": ["md"]} and got.issued_by == "tester"
    assert records.get(999) is None
    assert records.latest("2023S1", "VN", "en") is None


def test_a_correction_names_each_fact_and_field_that_changed():
    before = {"facts": [
        {"indicator": "A", "unit": "VN", "period": "2023S1", "value": 1.0, "kind": "estimate"},
        {"indicator": "B", "unit": "VN", "period": "2023S1", "value": 5.0},
    ]}  # fmt: skip
    after = {"facts": [
        {"indicator": "A", "unit": "VN", "period": "2023S1", "value": 2.0, "kind": "actual"},
        {"indicator": "C", "unit": "VN", "period": "2023S1", "value": 7.0},
    ]}  # fmt: skip
    got = {
        (c["indicator"], c["field"]): (c["before"], c["after"]) for c in fact_changes(before, after)
    }
    assert got == {
        ("A", "value"): (1.0, 2.0), ("A", "kind"): ("estimate", "actual"),
        ("B", "value"): (5.0, None), ("C", "value"): (None, 7.0),
    }  # fmt: skip
    assert fact_changes(None, after) == []


def test_a_file_made_again_is_same_same_in_content_or_different():
    kept = [{"name": "a", "sha256": "1"}, {"name": "b.pdf", "sha256": "2", "content_sha256": "c"},
            {"name": "c", "sha256": "3"}, {"name": "gone", "sha256": "4"}]  # fmt: skip
    made = [{"name": "a", "sha256": "1"}, {"name": "b.pdf", "sha256": "9", "content_sha256": "c"},
            {"name": "c", "sha256": "8"}, {"name": "new", "sha256": "5"}]  # fmt: skip
    assert [(f["name"], f["status"]) for f in compare(kept, made)] == [
        ("a", "same"), ("b.pdf", "same-content"), ("c", "differs"), ("gone", "missing"),
        ("new", "extra"),
    ]  # fmt: skip


@pytest.fixture
def demo_copy(demo_sqlite, tmp_path) -> str:
    """A store of its own with the demo (the session's demo store is read-only)."""
    src = Path(demo_sqlite.removeprefix("sqlite:///"))
    dst = tmp_path / "demo.db"
    shutil.copyfile(src, dst)
    return f"sqlite:///{dst}"


@needs_soffice
def test_an_edition_is_frozen_and_made_again_exactly(demo_copy, tmp_path):
    store = open_store(demo_copy)
    records = EditionRecords(store)
    req = Request("2023S1", formats=("docx", "pdf", "md"), report_date=DAY)
    done = issue_edition(store, records, req, tmp_path / "issued", by="tester")
    names = {f["name"] for f in done.described}
    assert {"report-2023S1-vi.docx", "report-2023S1-vi.pdf", "report-2023S1-vi.facts.json",
            "slides-2023S1-vi.pptx", "slides-2023S1-vi.pdf"} <= names  # fmt: skip
    for f in done.described:
        assert sha256(tmp_path / "issued" / f["name"]) == f["sha256"]
    for pdf in ("report-2023S1-vi.pdf", "slides-2023S1-vi.pdf"):  # PDF/A-2b for the archive
        assert pdfa_part(tmp_path / "issued" / pdf) == "2", pdf
    assert "1.614.206 tỷ đồng" in pdf_text(tmp_path / "issued" / "slides-2023S1-vi.pdf")
    kept = records.get(done.number)
    assert kept.as_of == done.as_of and kept.previous_id is None and kept.changes == []
    assert kept.facts["period"] == "2023S1"

    # a value written after the edition changes nothing of it: it is made again as of its instant
    store.write([NewValue("ICT_REVENUE", "VN", "2023S1", "estimate", 1620000.0)],
                source="test", created_by="tester")  # fmt: skip
    again = reproduce_edition(store, records, done.number, tmp_path / "again")
    statuses = {f["name"]: f["status"] for f in again.files}
    assert again.same and again.facts == [], again.files
    assert statuses["report-2023S1-vi.pdf"] == "same"  # WeasyPrint's PDF: the same bytes
    assert statuses["report-2023S1-vi.docx"] == statuses["slides-2023S1-vi.pptx"] == "same"
    assert statuses["slides-2023S1-vi.pdf"] in ("same", "same-content")  # LibreOffice's stamp


def test_a_correction_is_a_new_edition_that_says_what_changed(demo_copy, tmp_path):
    store = open_store(demo_copy)
    records = EditionRecords(store)
    req = Request("2023S1", formats=("md",), report_date=DAY, slides=False)
    first = issue_edition(store, records, req, tmp_path / "1", by="tester")
    store.write([NewValue("ICT_REVENUE", "VN", "2023S1", "estimate", 1620000.0)],
                source="test", created_by="tester")  # fmt: skip
    second = issue_edition(store, records, req, tmp_path / "2", by="tester")
    assert second.previous == first.number
    value = [c for c in second.changes if c["field"] == "value"]
    assert {"indicator": "ICT_REVENUE", "unit": "VN", "period": "2023S1", "field": "value",
            "before": 1614206.0, "after": 1620000.0} in value  # fmt: skip
    assert records.get(second.number).changes == second.changes
    # and the first edition is still what it was
    assert reproduce_edition(store, records, first.number, tmp_path / "1again").same
    with pytest.raises(NotFound):
        reproduce_edition(store, records, 999, tmp_path / "none")


def test_editions_cli_lists_and_reproduces(demo_copy, tmp_path):
    import json
    import os
    import sys

    exe = str(Path(sys.executable).parent / "chitieu")
    env = {**os.environ, "CHITIEU_DB": demo_copy}
    args = ["report", "--period", "2023S1", "-f", "md", "--date", "2023-06-30", "--issue",
            "--out", str(tmp_path / "o")]  # fmt: skip
    env_no_slides = {**env, "CHITIEU_SOFFICE": "no-such-soffice"}
    refused = subprocess.run([exe, *args], env=env_no_slides, capture_output=True, text=True)
    assert refused.returncode == 1 and "LibreOffice" in refused.stdout + refused.stderr
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed: run scripts/setup.sh")
    done = subprocess.run([exe, *args], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    listed = subprocess.run([exe, "editions", "--json"], env=env, capture_output=True, text=True)
    (one,) = json.loads(listed.stdout)["editions"]
    assert one["period"] == "2023S1" and one["corrects"] is None
    again = subprocess.run(
        [exe, "editions", "show", str(one["number"]), "--reproduce", "--json", "--out",
         str(tmp_path / "r")], env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert again.returncode == 0, again.stdout + again.stderr
    assert json.loads(again.stdout)["same"] is True
    assert datetime.fromisoformat(one["as_of"]).astimezone(UTC) < datetime.now(UTC)


def test_editions_survive_a_backup_and_restore_on_both_backends(store, tmp_path):
    """A correction points at the edition it corrects: the chain comes back whole."""
    from chitieu.store.backup import backup
    from chitieu.store.restore import restore

    records = EditionRecords(store)
    one = records.add(_row(1, {"facts": [{"indicator": "X", "value": 1.0}]}))
    two = records.add({**_row(2, {"facts": []}), "previous_id": one})
    url = store.engine.url.render_as_string(hide_password=False)
    backup(url, tmp_path / "b.zip")
    other = f"sqlite:///{tmp_path / 'other.db'}"
    restore(other, tmp_path / "b.zip", accept_unsigned=True)
    back = EditionRecords(open_store(other))
    assert [(e.id, e.previous_id) for e in back.list()] == [(one, None), (two, one)]
    assert back.get(one).facts == {"facts": [{"indicator": "X", "value": 1.0}]}
