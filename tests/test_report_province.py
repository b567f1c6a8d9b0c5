"""A province's own report (issue 17, items 6 and 7): heading block, title, signer and
recipients of its department on the report's date, capitalisation, rank, the note on merged
boundaries; old names and codes on today's boundaries; the issuer by date."""

import json
import os
from datetime import date

import pytest
from typer.testing import CliRunner

from chitieu.catalog.organisations import in_text, issuer, ministry
from chitieu.catalog.periods import parse_period
from chitieu.catalog.unit_scope import report_scope
from chitieu.catalog.units import registry
from chitieu.cli.main import app
from chitieu.errors import UnitError
from chitieu.report import build_report
from chitieu.store.values import Store
from test_report_narrative import GOLDEN

#: (period, report date, golden file) of An Giang's report on today's boundaries
CASES = [
    ("2023S1", date(2026, 7, 15), "report_2023S1_an_giang_vi.md"),
    ("2026S1", date(2026, 7, 15), "report_2026S1_an_giang_vi.md"),
]


@pytest.mark.parametrize(("period", "day", "name"), CASES)
def test_an_giang_report_matches_golden(demo_sqlite, tmp_path, period, day, name):
    out = build_report(
        Store(demo_sqlite), period, unit="An Giang", out_dir=tmp_path, report_date=day
    )
    md = out["md"].read_text(encoding="utf-8")
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(md, encoding="utf-8")
    assert md == golden.read_text(encoding="utf-8")


def test_an_giang_2023_is_its_departments_report_on_merged_boundaries(demo_sqlite, tmp_path):
    out = build_report(
        Store(demo_sqlite), "2023S1", unit="An Giang", out_dir=tmp_path,
        report_date=date(2026, 7, 15),
    )  # fmt: skip
    md = out["md"].read_text(encoding="utf-8")
    head = md.split("## I.")[0]
    assert head.startswith("UBND TỈNH AN GIANG\n**SỞ KHOA HỌC VÀ CÔNG NGHỆ**")
    assert "BỘ THÔNG TIN" not in head and "/BC-SKHCN" in head
    assert "_An Giang, ngày 15 tháng 7 năm 2026_" in head
    assert "6 tháng đầu năm 2023 trên địa bàn tỉnh An Giang và phương hướng" in head
    assert "trên địa bàn tỉnh An Giang, doanh thu toàn ngành TT&TT ước đạt" in md
    assert "tt&tt" not in md and "Tỉnh An Giang," not in md
    assert "gồm tỉnh An Giang và tỉnh Kiên Giang cũ." in md
    assert "Tỉnh An Giang đứng thứ 24/34 tỉnh, thành phố về doanh thu toàn ngành TT&TT" in md
    assert "**GIÁM ĐỐC**" in md and "- UBND tỉnh An Giang (để b/c);" in md
    assert "- Bộ Khoa học và Công nghệ (để b/c);" in md
    # its own tasks: the ministry's tasks are not the department's
    assert "Cục Xuất bản, In và Phát hành" not in md
    assert "PHỤ LỤC III" not in md  # the publishing benchmark is the ministry's annex


def test_as_reported_2023_is_issued_by_the_old_department(demo_sqlite, tmp_path):
    out = build_report(
        Store(demo_sqlite), "2023S1", unit="An Giang", boundaries="as_reported",
        out_dir=tmp_path, report_date=date(2023, 6, 30),
    )  # fmt: skip
    md = out["md"].read_text(encoding="utf-8")
    assert md.startswith("UBND TỈNH AN GIANG\n**SỞ THÔNG TIN VÀ TRUYỀN THÔNG** — Số:")
    assert "/BC-STTTT" in md.split("\n")[1]
    assert "- Bộ Thông tin và Truyền thông (để b/c);" in md
    assert "địa giới hành chính hiện nay" not in md
    assert "/63 tỉnh, thành phố về doanh thu" in md


@pytest.mark.parametrize(
    ("text", "merged_into"),
    [("Kiên Giang", "An Giang (91@34)"), ("91", "An Giang (91@34)"), ("89", "An Giang (91@34)")],
)
def test_an_old_name_or_code_on_todays_boundaries_is_refused(text, merged_into):
    with pytest.raises(UnitError) as err:
        report_scope(text, parse_period("2023S1"), "current", registry())
    message, hint = err.value.text("vi")
    assert merged_into in message and "--boundaries as_reported" in hint
    assert err.value.exit_code == 2


def test_the_old_province_on_its_own_boundaries_is_its_own():
    scope = report_scope("Kiên Giang", parse_period("2023S1"), "as_reported", registry())
    assert scope.unit.id == "91@63" and not scope.warnings


def test_a_code_whose_meaning_changed_draws_a_warning_naming_both():
    scope = report_scope("91", parse_period("2025"), "current", registry())
    assert scope.unit.id == "91@34"
    ((code, params),) = scope.warnings
    assert code == "unit-code-changed"
    assert "Kiên Giang (91@63)" in params["old"] and "An Giang (91@34)" in params["new"]
    by_name = report_scope("An Giang", parse_period("2025"), "current", registry())
    assert not by_name.warnings  # a name is not a code: no doubt what was meant


def test_cli_refuses_old_name_and_warns_on_changed_code(demo_sqlite, tmp_path):
    runner = CliRunner()
    args = ["report", "--period", "2023S1", "--format", "md", "--out", str(tmp_path)]
    got = runner.invoke(app, [*args, "--unit", "Kiên Giang", "--db", demo_sqlite])
    assert got.exit_code == 2
    assert "as_reported" in got.output and "An Giang" in got.output
    args[2] = "2026S1"
    got = runner.invoke(app, [*args, "--unit", "91", "--db", demo_sqlite, "--json"])
    assert got.exit_code == 0, got.output
    (warning,) = json.loads(got.stdout)["warnings"]
    assert "Kiên Giang" in warning["warning"] and "An Giang" in warning["warning"]


def test_issuer_follows_the_date():
    ag = registry().get("91@34")
    assert ministry(date(2025, 2, 28)).name == "Bộ Thông tin và Truyền thông"
    assert ministry(date(2025, 3, 1)).name == "Bộ Khoa học và Công nghệ"
    assert ministry(date(2025, 3, 1), "en").name == "Ministry of Science and Technology"
    assert issuer(ag, date(2026, 1, 1)).heading == "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    assert issuer(registry().get("89@63"), date(2024, 1, 1)).short == "Sở TT&TT"
    assert issuer(None, date(2023, 6, 30)).signer_title == "BỘ TRƯỞNG"


def test_organisation_data_is_configurable_without_templates(tmp_path, monkeypatch):
    f = tmp_path / "org.yaml"
    f.write_text(
        "ministry:\n  - vi: {parent: '', name: 'Bộ Thử nghiệm', short: 'Bộ TN',"
        " number: 'Số: /BC-TN', place: 'Hà Nội', signer_title: 'BỘ TRƯỞNG',"
        " recipients: ['- Lưu: VT.']}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CHITIEU_ORGANISATIONS", str(f))
    assert ministry(date(2026, 1, 1)).heading == "BỘ THỬ NGHIỆM"


def test_province_names_in_running_text():
    reg = registry()
    assert in_text(reg.get("91@34")) == "tỉnh An Giang"
    assert in_text(reg.get("01@34")) == "thành phố Hà Nội"
    assert in_text(reg.get("79@34")) == "Thành phố Hồ Chí Minh"  # a person's name
    assert in_text(reg.get("79@34"), "en") == "Ho Chi Minh City"
    assert in_text(reg.get("91@34"), "en") == "An Giang province"
