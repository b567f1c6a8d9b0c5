"""Golden narrative: the seed paragraph byte for byte, and every period kind phrased right.

Expectations are written by hand from the stored figures (arithmetic in the comments).
"""

import re
from datetime import date
from pathlib import Path

from chitieu.report import build_document, make_context
from chitieu.store.values import NewValue, Store

SEED = Path("/work/shared/seed/000_ff351964fabefcbd.txt")
GOLDEN = Path(__file__).parent / "golden"
HEADLINE = ("ICT_REVENUE", "ICT_BUDGET", "ICT_GDP", "ICT_LABOUR")


def seed_paragraph() -> str:
    """The source document's four sentences (kept in tests/golden, checked against the seed)."""
    text = (GOLDEN / "seed_paragraph_vi.txt").read_text(encoding="utf-8").strip()
    if SEED.exists():
        m = re.search(
            r"Trong 6 tháng đầu năm 2023, doanh thu.*?so với kế hoạch năm\.", SEED.read_text()
        )
        assert m and m.group(0) == text
    return text


def headline(store: Store, period: str, lang: str = "vi") -> str:
    ctx = make_context(store, period, lang=lang, report_date=date(2024, 1, 15))
    facts = ctx.group_facts("ict")
    return ctx.narrator.paragraph(facts)


def put(store: Store, rows: list[tuple]) -> None:
    store.write([NewValue(*r) for r in rows], source="test", created_by="test")


def test_demo_h1_2023_is_the_source_documents_paragraph(demo_sqlite):
    store = Store(demo_sqlite)
    assert headline(store, "2023S1") == seed_paragraph()


def test_demo_h1_2023_in_english(demo_sqlite):
    assert headline(Store(demo_sqlite), "2023S1", "en") == (
        "In H1 2023, ICT sector revenue is estimated at 1,614,206 billion VND, down 8.66% year "
        "on year, reaching 39.6% of the 2023 plan. State budget contribution is estimated at "
        "45,405 billion VND, down 8.8% year on year, reaching 43.66% of the 2023 plan. ICT "
        "sector contribution to GDP is estimated at 389,792 billion VND, down 7.2% year on year, "
        "reaching 41.24% of the 2023 plan. ICT sector employment at the end of June 2023 is "
        "estimated at 1,512,144 workers, up 1.96% year on year, reaching 99.17% of the annual "
        "plan."
    )


def test_month_estimate_flat_change_stock_above_plan(store):
    put(
        store,
        [
            ("ICT_REVENUE", "VN", "202306", "estimate", 250_000),  # 250000/240000 → +4,17%
            ("ICT_REVENUE", "VN", "202206", "actual", 240_000),
            ("ICT_REVENUE", "VN", "2023", "plan", 4_000_000),  # 6,25%
            ("ICT_BUDGET", "VN", "202306", "actual", 8_000),  # = last year → "bằng"
            ("ICT_BUDGET", "VN", "202206", "actual", 8_000),
            ("ICT_LABOUR", "VN", "202306", "actual", 1_500_000),  # /1480000 → +1,35%
            ("ICT_LABOUR", "VN", "202206", "actual", 1_480_000),
            ("ICT_LABOUR", "VN", "2023", "plan", 1_490_000),  # 100,67% → vượt kế hoạch
        ],
    )
    assert headline(store, "202306") == (
        "Trong tháng 6/2023, doanh thu toàn ngành TT&TT ước đạt 250.000 tỷ đồng, tăng 4,17% so "
        "với cùng kỳ năm 2022, đạt 6,25% so với kế hoạch năm 2023. Nộp ngân sách nhà nước đạt "
        "8.000 tỷ đồng, bằng cùng kỳ năm trước. Tổng số lao động toàn ngành tính đến tháng "
        "6/2023 là 1.500.000 lao động, tăng 1,35% so với cùng kỳ năm trước, đạt 100,67% so với "
        "kế hoạch năm, vượt kế hoạch."
    )
    assert headline(store, "202306", "en").startswith(
        "In June 2023, ICT sector revenue is estimated at 250,000 billion VND, up 4.17% year on "
        "year, reaching 6.25% of the 2023 plan. State budget contribution reached 8,000 billion "
        "VND, unchanged year on year."
    )


def test_quarter_rolled_up_from_months(store):
    put(
        store,
        [
            ("ICT_REVENUE", "VN", "202304", "actual", 100),  # Q2/2023 = 100+110+120 = 330
            ("ICT_REVENUE", "VN", "202305", "actual", 110),
            ("ICT_REVENUE", "VN", "202306", "actual", 120),
            ("ICT_REVENUE", "VN", "2022Q2", "actual", 300),  # +10%
            ("ICT_REVENUE", "VN", "2023", "plan", 1_320),  # 25%
            ("ICT_GDP", "VN", "2023Q2", "actual", 90),  # −10%
            ("ICT_GDP", "VN", "2022Q2", "actual", 100),
        ],
    )
    assert headline(store, "2023Q2") == (
        "Trong quý II/2023, doanh thu toàn ngành TT&TT đạt 330 tỷ đồng, tăng 10% so với cùng kỳ "
        "năm 2022, đạt 25% so với kế hoạch năm 2023. Đóng góp vào GDP của ngành TTTT đạt 90 tỷ "
        "đồng, giảm 10% so với cùng kỳ năm trước."
    )


def test_nine_months_cumulative_with_an_estimated_part(store):
    put(
        store,
        [
            ("ICT_REVENUE", "VN", "2023S1", "estimate", 1_000),  # 9 months = 1000 + 600 (estimate)
            ("ICT_REVENUE", "VN", "2023Q3", "actual", 600),
            ("ICT_REVENUE", "VN", "2022S1", "actual", 900),  # 1480 → 1600/1480 = +8,11%
            ("ICT_REVENUE", "VN", "2022Q3", "actual", 580),
            ("ICT_REVENUE", "VN", "2023", "plan", 2_000),  # 80%
        ],
    )
    assert headline(store, "2023YTD09") == (
        "Tính chung 9 tháng năm 2023, doanh thu toàn ngành TT&TT ước đạt 1.600 tỷ đồng, tăng "
        "8,11% so với cùng kỳ năm 2022, đạt 80% so với kế hoạch năm 2023."
    )
    assert headline(store, "2023YTD09", "en") == (
        "In the first 9 months of 2023, ICT sector revenue is estimated at 1,600 billion VND, up "
        "8.11% year on year, reaching 80% of the 2023 plan."
    )


def test_full_year_with_only_national_figures(store):
    put(
        store,
        [
            ("ICT_REVENUE", "VN", "2023", "actual", 3_300),  # +10% on 2022
            ("ICT_REVENUE", "VN", "2022", "actual", 3_000),
            ("ICT_REVENUE", "VN", "2023", "plan", 3_200),  # 103,125 → 103,13% (half up)
            ("ICT_BUDGET", "VN", "2023", "actual", 95),  # −5%
            ("ICT_BUDGET", "VN", "2022", "actual", 100),
            ("ICT_BUDGET", "VN", "2023", "plan", 100),  # 95%
        ],
    )
    assert headline(store, "2023") == (
        "Tính chung cả năm 2023, doanh thu toàn ngành TT&TT đạt 3.300 tỷ đồng, tăng 10% so với "
        "năm 2022, đạt 103,13% so với kế hoạch năm 2023, vượt kế hoạch. Nộp ngân sách nhà nước "
        "đạt 95 tỷ đồng, giảm 5% so với năm trước, đạt 95% so với kế hoạch năm 2023."
    )
    doc = build_document(make_context(store, "2023", report_date=date(2024, 1, 15)))
    text = doc.text()
    assert (
        "Số liệu doanh thu toàn ngành TT&TT là số liệu toàn quốc; chưa có số liệu của 34 tỉnh, "
        "thành phố." in text
    )
    assert "TỔNG KẾT" not in text and "I. KẾT QUẢ THỰC HIỆN NHIỆM VỤ NĂM 2023" in text
    assert doc.meta.title == (
        "Tổng kết công tác thông tin và truyền thông năm 2023 và phương hướng, nhiệm vụ năm 2024"
    )
    provinces = next(s for s in doc.sections if s.name == "provinces")
    table = provinces.blocks[-1]
    assert [r[1] for r in table.rows] == ["Cả nước"]  # no province rows, the national total


def test_no_data_says_so(store):
    text = build_document(make_context(store, "2023S1", report_date=date(2023, 6, 30))).text()
    assert "Chưa có số liệu của 6 tháng đầu năm 2023." in text


def test_a_month_says_its_change_on_the_month_before_and_then_the_year_to_date(store):
    # 2023: January–August 100 each, September 106 (+6% on August); 2022: 95 a month
    rows = [("ICT_REVENUE", "VN", f"2023{m:02d}", "actual", 100) for m in range(1, 9)]
    rows += [("ICT_REVENUE", "VN", "202309", "actual", 106)]
    rows += [("ICT_REVENUE", "VN", f"2022{m:02d}", "actual", 95) for m in range(1, 10)]
    rows += [("ICT_REVENUE", "VN", "2023", "plan", 1_200)]
    put(store, rows)
    # September: 106/95 → +11,58%; 9 months: 906 / 855 → +5,96%; 906 / 1200 → 75,5%
    assert headline(store, "202309") == (
        "Trong tháng 9/2023, doanh thu toàn ngành TT&TT đạt 106 tỷ đồng, tăng 6% so với tháng "
        "trước và tăng 11,58% so với cùng kỳ năm 2022, đạt 8,83% so với kế hoạch năm 2023. "
        "Lũy kế 9 tháng năm 2023, doanh thu toàn ngành TT&TT đạt 906 tỷ đồng, tăng 5,96% so "
        "với cùng kỳ năm trước, đạt 75,5% so với kế hoạch năm 2023."
    )
    assert headline(store, "202309", "en") == (
        "In September 2023, ICT sector revenue reached 106 billion VND, up 6% on the previous "
        "month and up 11.58% year on year, reaching 8.83% of the 2023 plan. In the first 9 "
        "months of 2023, ICT sector revenue reached 906 billion VND, up 5.96% year on year, "
        "reaching 75.5% of the 2023 plan."
    )
