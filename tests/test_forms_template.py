"""Templates in the official layout (issue 18, Deliver 5): `chitieu template` and the web's
official template write the layout the descriptor reads; a filled template round-trips
exactly through `chitieu import` and through the web's upload."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from tests.test_cli import run

#: form, unit, period, round → {column header: {code: value}} to type, and what is stored
CASES = {
    "half": ("TTTT-6T", "Long An", "2023S1", "estimate", "80@63",
             {"Ước thực hiện 6 tháng đầu năm 2023": {"01": 1234.5, "02": 42, "03": 330, "04": 5200},
              "Thực hiện 6 tháng đầu năm 2022": {"01": 1000, "02": 40}},
             {("ICT_REVENUE", "2023S1", "estimate"): 1234.5,
              ("ICT_BUDGET", "2023S1", "estimate"): 42, ("ICT_GDP", "2023S1", "estimate"): 330,
              ("ICT_LABOUR", "2023S1", "estimate"): 5200,
              ("ICT_REVENUE", "2022S1", "actual"): 1000, ("ICT_BUDGET", "2022S1", "actual"): 40}),
    "nation": ("TTTT-6T-TQ", "VN", "2024S1", "actual", "VN",
               {"Thực hiện 6 tháng đầu năm 2024": {"01": 1_800_000, "02": 40_000}},
               {("ICT_REVENUE", "2024S1", "actual"): 1_800_000,
                ("ICT_BUDGET", "2024S1", "actual"): 40_000}),
    "month": ("TTTT-T", "Hà Nội", "202306", "actual", "01@63",
              {"Thực hiện tháng 6/2023": {"01": 900, "02": 30}},
              {("ICT_REVENUE", "202306", "actual"): 900, ("ICT_BUDGET", "202306", "actual"): 30}),
    "publishing": ("XB-N", "VN", "2023", "actual", "VN",
                   {"Thực hiện năm 2023": {"01": 57, "02": 50000, "03": 600_000_000,
                                           "04": 9000, "05": 3200}},
                   {("PUB_PUBLISHERS", "2023", "actual"): 57,
                    ("PUB_TITLES", "2023", "actual"): 50000,
                    ("PUB_COPIES", "2023", "actual"): 600_000_000,
                    ("PUB_EPUBS", "2023", "actual"): 9000,
                    ("PUB_REVENUE", "2023", "actual"): 3200}),
}  # fmt: skip


def fill(data: bytes, typed: dict[str, dict[str, float]]) -> tuple[bytes, list[str]]:
    """The template with values typed under the headers named, by the rows' "Mã số"; the
    cells typed."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    cols = {str(c.value): c.column for row in ws.iter_rows(min_row=6, max_row=7) for c in row
            if c.value}  # fmt: skip
    rows = {str(ws.cell(r, 3).value): r for r in range(8, ws.max_row + 1) if ws.cell(r, 3).value}
    typed_at = []
    for header, by_code in typed.items():
        for code, value in by_code.items():
            cell = ws.cell(rows[code], cols[header])
            cell.value = value
            typed_at.append(cell.coordinate)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), typed_at


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_filled_template_round_trips_through_the_cli(case: str, tmp_path: Path) -> None:
    form, unit, period, rnd, uid, typed, stored = CASES[case]
    db = f"sqlite:///{tmp_path / 't.db'}"
    out = tmp_path / "bieu.xlsx"
    run("template", "--form", form, "--unit", unit, "--period", period, "--round", rnd,
        "--out", str(out), "--db", db)  # fmt: skip
    wb = load_workbook(out)
    ws = wb.worksheets[0]
    assert ws.protection.sheet and ws["A1"].value.startswith("Biểu số:")
    assert ws["A3"].value == "Trạng thái số liệu:" and ws.data_validations.dataValidation
    assert wb.sheetnames[1] == "Hướng dẫn" and wb["Danh mục"].sheet_state == "hidden"
    assert ws.cell(8 if case in ("half", "nation") else 7, 1).value == "A"  # column numbers
    data, _ = fill(out.read_bytes(), typed)
    out.write_bytes(data)
    got = json.loads(run("import", str(out), "--db", db, "--json").stdout)
    assert got["valid"] and got["layout"] == "form", got["findings"]
    assert {(v["indicator"], v["period"], v["kind"]): v["value"] for v in got["values"]} == stored
    assert {v["unit"] for v in got["values"]} == {uid}
    # a template made again carries the stored values; imported as it is, it changes nothing
    again = tmp_path / "again.xlsx"
    run("template", "--form", form, "--unit", unit, "--period", period, "--round", rnd,
        "--out", str(again), "--db", db)  # fmt: skip
    back = json.loads(run("import", str(again), "--db", db, "--json").stdout)
    assert back["valid"] and back["written"] == 0 and back["counts"]["deleted"] == 0
    assert back["counts"]["ignored"] == len(stored)


def test_forms_lists_the_layouts(tmp_path: Path) -> None:
    got = json.loads(run("forms", "--json").stdout)
    with_layout = {f["code"] for f in got["forms"] if f["layout"]}
    assert {"TTTT-6T", "TTTT-6T-TQ", "TTTT-T", "XB-N"} <= with_layout
    assert {x["name"] for x in got["layouts"]} >= {"long", "form"}
    bad = run("template", "--form", "TTTT-KH", "--unit", "VN", "--period", "2023",
              "--out", str(tmp_path / "x.xlsx"), check=False)  # fmt: skip
    assert bad.returncode == 3 and not (tmp_path / "x.xlsx").exists()
