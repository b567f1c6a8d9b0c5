"""Hostile input files on every path that reads one (issue 11, "Nothing lost, nobody let in"):
each is refused before the expensive work with an error naming its place and how to fix it
(exit 2), or reported as findings at their rows (exit 1); nothing is written; no traceback.

The files are made here (tests/hostile.py), none is committed.
"""

from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests import hostile as h

from chitieu.collect.importer import import_file
from chitieu.collect.limits import MIB, Limits, body_limit, check_body, limits
from chitieu.collect.reader import read_table
from chitieu.errors import InputFileError

EXE = shutil.which("chitieu", path=str(Path(sys.executable).parent)) or "chitieu"
CSV_HEAD = ",".join(h.HEADER) + "\n"


def put(tmp_path: Path, name: str, data: bytes | str) -> Path:
    p = tmp_path / name
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    return p


def refused(path: Path, code: str, **place: object) -> InputFileError:
    """The import of ``path`` raises ``code``, naming ``place``, in both languages."""
    with pytest.raises(InputFileError) as got:
        import_file(path, None, created_by="t", dry_run=True)
    exc = got.value
    assert exc.code == code, (exc.code, str(exc))
    assert exc.exit_code == 2
    for k, v in place.items():
        assert exc.params.get(k) == v, (k, exc.params)
    for lang in ("vi", "en"):
        message, hint = exc.text(lang)
        assert path.name in message and hint, (lang, message, hint)
    return exc


# --- finding 1: a sheet that claims the whole grid ---------------------------------------


def test_one_cell_at_xfd1048576_is_refused_before_calamine_builds_the_range(tmp_path):
    data = h.far_cell_xlsx()
    assert len(data) < 2500  # the 1.7 KB file of the issue
    p = put(tmp_path, "x.xlsx", data)
    t0 = time.monotonic()
    exc = refused(p, "input-dimension-too-big", sheet="Số liệu", ref="A1:XFD1048576")
    assert time.monotonic() - t0 < 5
    assert "17,179,869,184" in exc.message and "17.179.869.184" in exc.text("vi")[0]


@pytest.mark.parametrize(
    ("body", "code", "cell"),
    [
        # no <dimension>: the cells' own references
        ('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "input-sheet-columns",
         "XFD1048576"),
        ('<row r="2"><c r="A2" r="XFD2"><v>1</v></c></row>', "input-sheet-columns", "XFD2"),
        ('<row r="2"><c x="a&lt;b" r = \'AAAA2\'><v>1</v></c></row>', "input-sheet-columns",
         "AAAA2"),
        ('<row r="900000"><c r="Z900000"><v>1</v></c></row>', "input-sheet-too-big", "Z900000"),
        # cells without a reference follow each other: counted in order
        ("<row>" + "<c><v>1</v></c>" * 1100 + "</row>", "input-sheet-columns", None),
    ],
)  # fmt: skip
def test_a_sheets_extent_is_taken_from_its_cells_however_they_are_written(
    tmp_path, body, code, cell
):
    p = put(tmp_path, "far.xlsx", h.xlsx(h.sheet_xml(h.cells_xml([h.HEADER]) + body)))
    exc = refused(p, code, sheet="Số liệu")
    if cell:
        assert exc.params["cell"] == cell and cell in exc.message


def test_a_workbook_within_the_limits_reads_as_before(tmp_path):
    rows = [h.GOOD_ROW, ["ICT_LABOUR", "VN", "2023S1", "1512144", "estimate", "ghi chú"]]
    t = read_table(put(tmp_path, "ok.xlsx", h.good_xlsx(rows)))
    assert (t.sheet, t.header, [n for n, _ in t.rows]) == ("Số liệu", h.HEADER, [2, 3])
    assert t.rows[1][1][5] == "ghi chú"


# --- finding 7: zip bombs, lying headers, size limits ------------------------------------


def test_a_zip_bomb_is_refused_from_its_declared_sizes_without_inflating_it(tmp_path):
    p = put(tmp_path, "bomb.xlsx", h.zip_bomb(64))
    t0 = time.monotonic()
    exc = refused(p, "input-zip-ratio", entry="xl/worksheets/sheet1.xml")
    assert time.monotonic() - t0 < 1
    assert "zip bomb" in exc.message


def test_the_sum_of_the_unzipped_sizes_has_a_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("CHITIEU_MAX_ZIP_RATIO", "100000")
    monkeypatch.setenv("CHITIEU_MAX_UNZIPPED_MB", "32")
    p = put(tmp_path, "bomb.xlsx", h.zip_bomb(64))
    exc = refused(p, "input-unzipped-too-big", limit="32")
    assert "CHITIEU_MAX_UNZIPPED_MB" in exc.hint


def test_a_lying_header_is_caught_by_reading_no_more_than_it_declares(tmp_path):
    p = put(tmp_path, "liar.xlsx", h.zip_bomb(64, declared=1000))
    assert zipfile.ZipFile(p).getinfo("xl/worksheets/sheet1.xml").file_size == 1000
    t0 = time.monotonic()
    refused(p, "input-zip-lying", entry="xl/worksheets/sheet1.xml")
    assert time.monotonic() - t0 < 1


def test_the_file_size_has_a_limit_checked_before_reading(tmp_path, monkeypatch):
    monkeypatch.setenv("CHITIEU_MAX_FILE_MB", "0.001")
    exc = refused(put(tmp_path, "big.csv", CSV_HEAD + "x" * 2000), "input-too-big")
    assert "CHITIEU_MAX_FILE_MB" in exc.hint
    refused(put(tmp_path, "big.xlsx", h.good_xlsx([h.GOOD_ROW] * 40)), "input-too-big")


def test_a_read_has_a_time_budget(tmp_path, monkeypatch):
    monkeypatch.setenv("CHITIEU_MAX_READ_SECONDS", "0.000001")
    refused(put(tmp_path, "slow.xlsx", h.good_xlsx()), "input-too-slow")


# --- finding 6: what used to be a traceback ----------------------------------------------


@pytest.mark.parametrize(
    ("name", "make", "code"),
    [
        ("entities.xlsx", h.entity_bomb_xlsx, "input-xml-dtd"),
        ("broken.xlsx", h.malformed_xlsx, "input-xml-bad"),
        ("macros.xlsx", h.macro_xlsx, "input-macros"),
        ("csv.xlsx", lambda: (CSV_HEAD + "a,b\n").encode(), "input-not-zip"),
        ("old.xlsx", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "input-ole2"),
        ("cut.xlsx", lambda: h.good_xlsx()[:900], "input-zip-truncated"),
        ("old.xls", lambda: b"\xd0\xcf\x11\xe0" + bytes(60), "input-old-format"),
        ("sheet.ods", lambda: h.good_xlsx(), "input-old-format"),
        ("word.xlsx", lambda: h.good_xlsx().replace(b"xl/workbook.xml", b"xl/workbooo.xml"),
         "input-no-workbook"),
    ],
)  # fmt: skip
def test_broken_and_disguised_workbooks_give_a_clear_error(tmp_path, name, make, code):
    refused(put(tmp_path, name, make()), code)


def test_a_damaged_part_fails_its_crc(tmp_path):
    data = bytearray(h.xlsx(h.sheet_xml(h.cells_xml([h.HEADER, h.GOOD_ROW])),
                            compression=zipfile.ZIP_STORED))  # fmt: skip
    at = data.find(b"ICT_REVENUE")
    data[at] = ord("X")
    refused(put(tmp_path, "crc.xlsx", bytes(data)), "input-zip-damaged",
            entry="xl/worksheets/sheet1.xml")  # fmt: skip


def test_a_malformed_sheet_names_its_sheet(tmp_path):
    exc = refused(put(tmp_path, "broken.xlsx", h.malformed_xlsx()), "input-xml-bad")
    assert exc.params["sheet"] == "Số liệu" and "Số liệu" in exc.text("vi")[0]


def test_a_macro_workbook_named_xlsm_is_read_its_macros_never_run(tmp_path):
    t = read_table(put(tmp_path, "macros.xlsm", h.macro_xlsx()))
    assert t.header == h.HEADER and len(t.rows) == 1


def test_a_csv_cell_over_128_kib_names_its_line_and_column(tmp_path):
    big = CSV_HEAD + "ICT_REVENUE,VN,2023S1,1,estimate," + "x" * 200_000 + "\n"
    exc = refused(put(tmp_path, "long.csv", big), "input-csv-cell-too-long", row=2,
                  column="comment")  # fmt: skip
    assert "200,000" in exc.message


def test_a_csv_cell_longer_than_excel_allows_in_a_big_file_is_refused_on_both_paths(tmp_path):
    good = "ICT_REVENUE,VN,2023S1,1,estimate,\n"
    body = CSV_HEAD + good + 'ICT_LABOUR,VN,2023S1,1,estimate,"' + "y" * 40_000 + '"\n'
    small = put(tmp_path, "small.csv", body)
    big = put(tmp_path, "big.csv", body + "\n".join(["#"] * 600_000))  # over 1 MiB: columns
    assert big.stat().st_size > MIB
    for p in (small, big):
        refused(p, "input-csv-cell-too-long", row=3, column="comment")


def test_a_sheet_cell_longer_than_excel_allows_names_its_cell(tmp_path):
    rows = [["ICT_REVENUE", "VN", "2023S1", "1", "estimate", "z" * 40_000]]
    exc = refused(put(tmp_path, "long.xlsx", h.good_xlsx(rows)), "input-cell-too-long",
                  sheet="Số liệu", cell="F2")  # fmt: skip
    assert "40.000" in exc.text("vi")[0]


def test_a_control_character_in_a_sheet_is_a_finding_at_its_cell(tmp_path):
    rows = [["ICT_REVENUE", "VN", "2023S1", "1", "estimate", "a_x0000_b"]]
    res = import_file(put(tmp_path, "ctl.xlsx", h.good_xlsx(rows)), None, created_by="t")
    [f] = res.report.findings
    assert (f.sheet, f.row, f.column) == ("Số liệu", 2, "comment") and not res.report.valid


def test_more_than_18278_columns_is_refused_at_the_header(tmp_path):
    exc = refused(put(tmp_path, "wide.csv", h.wide_csv() + "a\n"), "input-csv-columns", row=1)
    assert "18,279" in exc.message


def test_a_very_long_line_is_refused_before_the_csv_module_reads_it(tmp_path):
    line = "ICT_REVENUE," * 100_000  # 1.2 MB, one line
    refused(put(tmp_path, "line.csv", CSV_HEAD + "ICT_REVENUE,VN,2023S1,1,estimate,\n" + line),
            "input-line-too-long", row=3)  # fmt: skip


def test_utf16_text_is_told_as_such(tmp_path):
    refused(put(tmp_path, "u16.csv", (CSV_HEAD).encode("utf-16")), "input-utf16")


def test_nul_and_control_characters_are_findings_at_their_cell(tmp_path, store):
    body = CSV_HEAD + "ICT_REVENUE,VN,2023S1,1,estimate,a\x00b\x1bc\n"
    res = import_file(put(tmp_path, "nul.csv", body), store, created_by="t")
    assert not res.report.valid and res.written == 0 and store.count() == 0
    [f] = [f for f in res.report.findings if f.severity == "error"]
    assert (f.file, f.row, f.column) == ("nul.csv", 2, "comment")


def test_a_multi_line_record_is_reported_at_the_line_where_it_starts(tmp_path):
    body = (CSV_HEAD + 'ICT_REVENUE,VN,2023S1,abc,estimate,"line one\nline two\nline three"\n'
            "ICT_REVENUE,VN,2022S1,xyz,estimate,\n")  # fmt: skip
    res = import_file(put(tmp_path, "multi.csv", body), None, created_by="t")
    assert [(f.row, f.column) for f in res.report.findings] == [(2, "value"), (5, "value")]


# --- nothing written, on both backends; the CLI's exit codes -----------------------------


def run_cli(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHITIEU_USER": "tester", "CHITIEU_DB": db}
    return subprocess.run([EXE, *args], capture_output=True, text=True, env=env, timeout=120)


def test_the_cli_refuses_a_hostile_workbook_with_exit_2_and_writes_nothing(tmp_path, store, db_url):
    far = put(tmp_path, "x.xlsx", h.far_cell_xlsx())
    for extra in (["--dry-run"], []):
        proc = run_cli("import", str(far), *extra, db=db_url)
        assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr[-2000:])
        assert "Traceback" not in proc.stderr and "XFD1048576" in proc.stderr
        assert "x.xlsx" in proc.stderr and "Số liệu" in proc.stderr
    assert store.count() == 0


def test_the_cli_reports_row_findings_with_exit_1(tmp_path, store, db_url):
    body = CSV_HEAD + 'ICT_REVENUE,VN,2023S1,abc,estimate,"a\nb"\n'
    proc = run_cli("import", str(put(tmp_path, "m.csv", body)), "--json", db=db_url)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert '"row": 2' in proc.stdout and store.count() == 0


def test_key_tasks_and_peer_references_read_through_the_same_guards(tmp_path):
    from chitieu.benchmark.reference import import_reference
    from chitieu.workflow.tasks import read_tasks

    far = put(tmp_path, "x.xlsx", h.far_cell_xlsx())
    with pytest.raises(InputFileError, match="XFD1048576"):
        read_tasks(far)
    with pytest.raises(InputFileError, match="XFD1048576"):
        import_reference(far, None, created_by="t", dry_run=True)


# --- the limits themselves ---------------------------------------------------------------


def test_every_limit_has_a_default_and_an_environment_variable(monkeypatch):
    from dataclasses import fields

    base = Limits()
    for f in fields(Limits):
        monkeypatch.setenv(f"CHITIEU_{f.name.upper()}", "3")
        assert getattr(limits(), f.name) == 3 and getattr(base, f.name) > 3
        monkeypatch.delenv(f"CHITIEU_{f.name.upper()}")
    source = (Path(__file__).parents[1] / "src/chitieu/collect/limits.py").read_text()
    for f in fields(Limits):  # each field is documented
        assert "#: " in source.split(f"    {f.name}:")[0].rsplit("\n", 2)[-2]
    monkeypatch.setenv("CHITIEU_MAX_FILE_MB", "lots")
    with pytest.raises(InputFileError) as got:
        limits()
    assert got.value.code == "input-bad-limit" and "CHITIEU_MAX_FILE_MB" in got.value.message


def test_upload_limits_and_the_body_limit_for_json(monkeypatch):
    up = Limits().for_upload()
    assert (up.max_file_mb, up.max_cells) == (Limits.max_upload_mb, Limits.max_upload_cells)
    assert body_limit() == 10 * MIB
    check_body(None)
    check_body(10 * MIB)
    with pytest.raises(InputFileError) as got:
        check_body(10 * MIB + 1)
    assert got.value.code == "input-body-too-big"
    monkeypatch.setenv("CHITIEU_MAX_BODY_MB", "1")
    assert body_limit() == MIB


# --- issue 15: every sheet the relationships name is measured ------------------------------

SHEET_IDS = [entry for _t, entry in h.SHEET_PATHS]


def prescan(path: Path, lim: Limits | None = None):  # type: ignore[no-untyped-def]
    """The pre-scan alone (what stands before calamine: never calamine itself)."""
    from chitieu.collect.zipscan import scan_workbook

    lim = lim or limits()
    return scan_workbook(path, path.name, lim, lim.deadline())


@pytest.mark.parametrize(("target", "entry"), h.SHEET_PATHS, ids=SHEET_IDS)
def test_a_far_cell_is_measured_wherever_the_relationships_put_the_sheet(tmp_path, target, entry):
    from chitieu.collect.zipscan import check_extent

    p = put(tmp_path, "far.xlsx", h.far_cell_at(target, entry))
    scan = prescan(p)
    with pytest.raises(InputFileError) as got:  # before calamine could build the range
        check_extent(scan, "Số liệu", p.name, limits())
    exc = got.value
    assert (exc.code, exc.params["cell"], exc.params["sheet"]) == (
        "input-sheet-columns", "XFD1048576", "Số liệu",
    )  # fmt: skip
    for lang in ("vi", "en"):
        assert "XFD1048576" in exc.text(lang)[0] and "far.xlsx" in exc.text(lang)[0]


@pytest.mark.parametrize(("target", "entry"), h.SHEET_PATHS, ids=SHEET_IDS)
def test_a_good_sheet_at_any_of_those_paths_reads_as_before(tmp_path, target, entry):
    body = h.sheet_xml(h.cells_xml([h.HEADER, h.GOOD_ROW]))
    t = read_table(put(tmp_path, "ok.xlsx", h.sheet_at(target, entry, body)))
    assert (t.sheet, t.header, t.rows) == ("Số liệu", h.HEADER, [(2, h.GOOD_ROW)])


def _in_book_folder(data: bytes) -> bytes:
    """The workbook moved from xl/ to book/, the package's relationship following it."""
    z, moved = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(moved, "w") as out:
        for info in z.infolist():
            raw = z.read(info).replace(b"xl/workbook.xml", b"book/workbook.xml")
            out.writestr(info.filename.replace("xl/", "book/"), raw)
    return moved.getvalue()


def test_a_workbook_outside_xl_is_found_through_the_package_relationships(tmp_path):
    good = h.sheet_xml(h.cells_xml([h.HEADER, h.GOOD_ROW]))
    data = _in_book_folder(h.sheet_at("worksheets/s.xml", "xl/worksheets/s.xml", good))
    assert read_table(put(tmp_path, "book.xlsx", data)).rows == [(2, h.GOOD_ROW)]
    data = _in_book_folder(h.far_cell_at("worksheets/s.xml", "xl/worksheets/s.xml"))
    refused(put(tmp_path, "far.xlsx", data), "input-sheet-columns", cell="XFD1048576")


def test_a_sheet_part_the_zip_does_not_hold_refuses_the_file(tmp_path):
    body = h.sheet_xml(h.cells_xml([h.HEADER, h.GOOD_ROW]))
    data = h.sheet_at("worksheets/elsewhere.xml", "xl/worksheets/sheet1.xml", body)
    exc = refused(put(tmp_path, "gone.xlsx", data), "input-sheet-part-missing",
                  sheet="Số liệu", entry="xl/worksheets/elsewhere.xml")  # fmt: skip
    assert "xl/worksheets/elsewhere.xml" in exc.text("vi")[0]


def test_a_sheet_without_an_id_is_measured_through_the_empty_id(tmp_path):
    # calamine looks a <sheet> without r:id up by the empty id: a relationship Id="" is read
    data = h.far_cell_at("worksheets/sub/s.xml", "xl/worksheets/sub/s.xml")
    z, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as w:
        for info in z.infolist():
            raw = z.read(info).replace(b' r:id="rId1"', b"").replace(b'Id="rId1"', b'Id=""')
            w.writestr(info.filename, raw)
    from chitieu.collect.zipscan import check_extent

    p = put(tmp_path, "noid.xlsx", out.getvalue())
    with pytest.raises(InputFileError, match="XFD1048576"):
        check_extent(prescan(p), "Số liệu", p.name, limits())


def test_two_parts_of_one_name_but_case_refuse_the_file(tmp_path):
    body = h.sheet_xml(h.cells_xml([h.HEADER, h.GOOD_ROW]))
    far = h.sheet_xml(h.cells_xml([h.HEADER]) + h.FAR_CELL)
    data = h.sheet_at("worksheets/sheet1.xml", "xl/worksheets/sheet1.xml", body,
                      extra={"xl/Worksheets/Sheet1.xml": far})  # fmt: skip
    refused(put(tmp_path, "twice.xlsx", data), "input-zip-duplicate")


def test_an_entry_renamed_by_its_unicode_path_field_counts_under_both_names(tmp_path):
    body = h.sheet_xml(h.cells_xml([h.HEADER, h.GOOD_ROW]))
    alias = b"xl/worksheets/sheet1.xml"
    info = zipfile.ZipInfo("a.bin")
    info.extra = struct.pack("<HHB", 0x7075, 5 + len(alias), 1) + bytes(4) + alias
    data = h.sheet_at("worksheets/sheet1.xml", "xl/worksheets/sheet1.xml", body)
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a") as z:
        z.writestr(info, h.sheet_xml(h.cells_xml([h.HEADER]) + h.FAR_CELL))
    refused(put(tmp_path, "alias.xlsx", buf.getvalue()), "input-zip-duplicate")


# --- issue 15: shared strings, styles and the other parts are limited like cells --------------


def test_shared_strings_are_counted_like_cells(tmp_path, monkeypatch):
    p = put(tmp_path, "strings.xlsx", h.shared_strings_xlsx(1001))
    assert read_table(p).rows == [(2, h.GOOD_ROW)]  # within the limit: read as before
    monkeypatch.setenv("CHITIEU_MAX_CELLS", "1000")
    exc = refused(p, "input-shared-strings", entry="xl/sharedStrings.xml")
    assert "1.001" in exc.text("vi")[0] and "CHITIEU_MAX_CELLS" in exc.hint


def test_thirty_million_shared_strings_of_the_issue_are_refused(tmp_path):
    p = put(tmp_path, "sst.xlsx", h.shared_strings_xlsx(9_000_000))  # over the 8 M cells
    exc = refused(p, "input-shared-strings", entry="xl/sharedStrings.xml")
    assert "9,000,000" in exc.message


def test_a_part_calamine_holds_whole_has_a_size_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("CHITIEU_MAX_PART_MB", "0.001")
    exc = refused(put(tmp_path, "s.xlsx", h.shared_strings_xlsx(400, stored=False)),
                  "input-part-too-big", entry="xl/sharedStrings.xml")  # fmt: skip
    assert "CHITIEU_MAX_PART_MB" in exc.hint


def test_styles_have_a_limit_of_elements(tmp_path, monkeypatch):
    styles = ('<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              "<cellXfs>" + "<xf/>" * 300 + "</cellXfs></styleSheet>")  # fmt: skip
    data = h.good_xlsx(extra={"xl/styles.xml": styles})
    assert read_table(put(tmp_path, "ok.xlsx", data)).rows == [(2, h.GOOD_ROW)]
    monkeypatch.setenv("CHITIEU_MAX_PART_ELEMENTS", "200")
    exc = refused(put(tmp_path, "styles.xlsx", data), "input-part-elements",
                  entry="xl/styles.xml")  # fmt: skip
    assert "CHITIEU_MAX_PART_ELEMENTS" in exc.hint


# --- issue 15: the child parser --------------------------------------------------------------


def test_a_parser_that_aborts_costs_the_file_and_not_the_process(tmp_path, monkeypatch):
    from chitieu.collect.childparser import TEST_FAULT

    p = put(tmp_path, "ok.xlsx", h.good_xlsx())
    monkeypatch.setenv(TEST_FAULT, "1")  # the child calls os.abort()
    exc = refused(p, "input-parser-failed")
    assert exc.params["signal"] == "SIGABRT" and "SIGABRT" in exc.text("vi")[0]
    monkeypatch.delenv(TEST_FAULT)
    assert read_table(p).rows == [(2, h.GOOD_ROW)]  # this process goes on; the next file reads


def test_calamines_own_allocation_failure_is_caught_by_the_address_space_limit(
    tmp_path, monkeypatch
):
    from chitieu.collect.childparser import TEST_FAULT

    # the far cell with the pre-scan's check left out: calamine asks for 512 GiB and aborts
    monkeypatch.setenv(TEST_FAULT, "unchecked")
    exc = refused(put(tmp_path, "far.xlsx", h.far_cell_at("sheet1.xml", "xl/sheet1.xml")),
                  "input-parser-failed")  # fmt: skip
    assert exc.params["signal"] == "SIGABRT"


def test_the_child_has_an_address_space_limit(tmp_path, monkeypatch):
    from chitieu.collect.childparser import TEST_FAULT

    monkeypatch.setenv(TEST_FAULT, "memory")  # the child allocates its whole limit at once
    monkeypatch.setenv("CHITIEU_MAX_PARSER_MB", "512")
    exc = refused(put(tmp_path, "ok.xlsx", h.good_xlsx()), "input-parser-memory", limit="512")
    assert "CHITIEU_MAX_PARSER_MB" in exc.hint


def test_a_child_that_hangs_is_killed_when_the_reads_time_runs_out(tmp_path, monkeypatch):
    from chitieu.collect.childparser import TEST_FAULT

    monkeypatch.setenv(TEST_FAULT, "hang")
    monkeypatch.setenv("CHITIEU_MAX_READ_SECONDS", "1")
    refused(put(tmp_path, "ok.xlsx", h.good_xlsx()), "input-too-slow")
    import multiprocessing

    assert not [c for c in multiprocessing.active_children() if c.name == "chitieu-parser"]


def test_a_script_without_a_main_guard_can_read_a_workbook(tmp_path):
    """The child does not import the caller's main module again (multiprocessing's
    forkserver would, running an unguarded script a second time)."""
    p = put(tmp_path, "ok.xlsx", h.good_xlsx())
    script = tmp_path / "unguarded.py"
    script.write_text(
        "from pathlib import Path\nfrom chitieu.collect.reader import read_table\n"
        f"print(read_table(Path({str(p)!r})).rows)\n"
    )
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == str([(2, h.GOOD_ROW)])


def _limited() -> None:  # the CLI's address space in the subprocess: never the machine's
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


@pytest.mark.parametrize(("target", "entry"), h.SHEET_PATHS, ids=SHEET_IDS)
def test_the_cli_refuses_the_far_cell_at_any_path_with_exit_2(tmp_path, target, entry):
    far = put(tmp_path, "x.xlsx", h.far_cell_at(target, entry))
    env = {**os.environ, "CHITIEU_USER": "tester"}
    proc = subprocess.run([EXE, "import", str(far), "--dry-run"], capture_output=True,
                          text=True, env=env, timeout=120, preexec_fn=_limited)  # fmt: skip
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])  # was 134 (SIGABRT)
    assert "XFD1048576" in proc.stderr and "Số liệu" in proc.stderr
    assert "Traceback" not in proc.stderr


# --- issue 15: formulas without a result; invisible characters; UTF-16/32 without a BOM -------


def test_a_formula_without_a_result_is_a_finding_at_its_cell(tmp_path):
    res = import_file(put(tmp_path, "f.xlsx", h.formula_xlsx()), None, created_by="t")
    [f] = res.report.findings
    assert (f.type, f.sheet, f.row, f.column, f.value) == (
        "formula-no-result", "Số liệu", 2, "value", "D2",
    )  # fmt: skip
    assert "D2" in f.message("vi") and "Excel" in f.hint("vi") and "LibreOffice" in f.hint("en")
    assert not res.report.valid and not res.values
    ok = import_file(put(tmp_path, "g.xlsx", h.formula_xlsx(cached="3")), None, created_by="t")
    assert ok.report.valid and [v.value for v in ok.values] == [3.0]


@pytest.mark.parametrize("char", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
def test_an_invisible_character_in_a_cell_is_named(tmp_path, char):
    body = CSV_HEAD + f"ICT_REVENUE{char},VN,2023S1,1,estimate,\n"
    res = import_file(put(tmp_path, "inv.csv", body), None, created_by="t")
    [f] = res.report.findings
    code = f"U+{ord(char):04X}"
    assert (f.type, f.row, f.column) == ("invisible-text", 2, "indicator")
    assert code in f.message("vi") and code in f.message("en") and f"<{code}>" in f.message("en")
    rows = [["ICT_REVENUE", "VN", "2023S1", "1", "estimate", f"ghi{char}chú"]]
    res = import_file(put(tmp_path, "inv.xlsx", h.good_xlsx(rows)), None, created_by="t")
    [f] = res.report.findings
    assert (f.type, f.sheet, f.row, f.column) == ("invisible-text", "Số liệu", 2, "comment")


def test_an_invisible_character_in_a_header_is_named_not_a_missing_column(tmp_path):
    body = "indicator,unit\ufeff,period,value,kind\nICT_REVENUE,VN,2023S1,1,estimate\n"
    res = import_file(put(tmp_path, "h.csv", body), None, created_by="t")
    [f] = res.report.findings
    assert (f.type, f.row, f.params["position"]) == ("invisible-header", 1, 2)
    assert "U+FEFF" in f.message("vi") and "unit<U+FEFF>" in f.message("en")


@pytest.mark.parametrize(
    ("last", "column"),
    [("PUB_TITLES,VN,2023,5,actual,a\u200bb", "comment"),
     ("PUB_TITLES,VN\u2060,2023,5,actual,", "unit"),
     ("PUB_TITLES\ufeff,VN,2023,5,actual,", "indicator")],
)  # fmt: skip
def test_a_big_csv_with_an_invisible_character_leaves_the_column_path(tmp_path, last, column):
    from tests.test_domains import _big_csv

    from chitieu.collect.columns import check_columns

    path = tmp_path / "big.csv"
    row = _big_csv(path, last)
    assert check_columns(path) is None  # the row path names it
    res = import_file(path, None, created_by="t")
    errors = [(f.row, f.column, f.type) for f in res.report.findings if f.severity == "error"]
    assert errors == [(row, column, "invisible-text")]


@pytest.mark.parametrize(
    ("codec", "name"),
    [("utf-16-le", "UTF-16 LE"), ("utf-16-be", "UTF-16 BE"), ("utf-32-le", "UTF-32 LE"),
     ("utf-32-be", "UTF-32 BE")],
)  # fmt: skip
def test_utf16_and_utf32_without_a_bom_are_told_as_such(tmp_path, codec, name):
    text = CSV_HEAD + "ICT_REVENUE,Phú Thọ,2023S1,1,estimate,\n"
    exc = refused(put(tmp_path, "wide.csv", text.encode(codec)), "input-utf16-no-bom",
                  encoding=name)  # fmt: skip
    assert "UTF-8" in exc.hint and name in exc.text("vi")[0]
    with_bom = text.encode(
        codec.rsplit("-", 1)[0]
    )  # "utf-16", "utf-32": a BOM, this machine's order
    refused(put(tmp_path, "bom.csv", with_bom), "input-utf16", encoding=name[:6] + " LE")


_CELL_KINDS = {  # a cell's XML → does it hold a formula without a result
    'f': ('<c r="{ref}"><f>1+1</f></c>', True),
    'fv': ('<c r="{ref}"><f>1+1</f><v>2</v></c>', False),
    'fe': ('<c r="{ref}" t="str"><f>A1</f><v></v></c>', True),
    'shared': ('<c r="{ref}"><f t="shared" si="0"/></c>', True),
    'v': ('<c r="{ref}" t="s"><v>0</v></c>', False),
    'is': ('<c r="{ref}" t="inlineStr"><is><t>x</t></is></c>', False),
    'empty': ('<c r="{ref}" s="1"/>', False),
}  # fmt: skip


@given(
    kinds=st.lists(st.sampled_from(sorted(_CELL_KINDS)), min_size=1, max_size=30),
    cuts=st.sets(st.integers(min_value=1, max_value=400)),
)
def test_formula_cells_are_found_wherever_the_pieces_are_cut(kinds, cuts):
    from chitieu.collect.formulas import FormulaCells
    from chitieu.collect.zipscan import column_letters

    cells = [(2 + i // 5, 1 + i % 5) for i in range(len(kinds))]
    body = "".join(
        _CELL_KINDS[k][0].format(ref=f"{column_letters(c)}{r}")
        for k, (r, c) in zip(kinds, cells, strict=True)
    )
    xml = f"<sheetData><row>{body}</row></sheetData>".encode()
    starts = [i for i in range(1, len(xml)) if xml[i] == ord("<")]
    bounds = sorted({starts[i % len(starts)] for i in cuts})
    found = FormulaCells()
    for a, b in zip([0, *bounds], [*bounds, len(xml)], strict=True):
        found.feed(xml[a:b])
    want = [cell for k, cell in zip(kinds, cells, strict=True) if _CELL_KINDS[k][1]]
    assert (found.cells, found.count) == (want, len(want))
