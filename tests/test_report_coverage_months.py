"""Issue 17, Done when (incomplete data, the report's text): a missing month in a half — no
change %, rank or assessment line the coverage rule withholds, and golden sentences stating
the coverage; both backends, Vietnamese and English."""

from datetime import date

import pytest

from chitieu.catalog.units import registry
from chitieu.report import build_document, make_context
from chitieu.store.values import NewValue

OLD = [u.id for u in registry().provinces(date(2023, 6, 30))]
NEW = [u.id for u in registry().provinces(date(2026, 6, 30))]
KIEN_GIANG = "91@63"
DAY = date(2026, 7, 15)


@pytest.fixture
def months_store(store):
    """Every province's months of H1 2026 but Hà Nội's June; every old province's months of
    H1 2023 but Kiên Giang's June; the halves of the year before complete."""
    rows = [NewValue("ICT_REVENUE", u, f"2026{m:02d}", "actual", 10.0)
            for u in NEW for m in range(1, 7) if (u, m) != ("01@34", 6)]  # fmt: skip
    rows += [NewValue("ICT_REVENUE", u, f"2023{m:02d}", "actual", 10.0)
             for u in OLD for m in range(1, 7) if (u, m) != (KIEN_GIANG, 6)]  # fmt: skip
    rows += [NewValue("ICT_REVENUE", u, p, "actual", 60.0) for u in OLD
             for p in ("2025S1", "2022S1")]  # fmt: skip
    store.write(rows, source="test", created_by="t")
    return store


def _doc(store, period, unit="VN", lang="vi"):
    ctx = make_context(store, period, unit, lang=lang, report_date=DAY, benchmark=False)
    return ctx, build_document(ctx).text()


def test_a_nation_missing_a_provinces_month_states_its_coverage(months_store):
    ctx, text = _doc(months_store, "2026S1")
    assert ctx.narrator.paragraph(ctx.group_facts("ict")) == (
        "Trong 6 tháng đầu năm 2026, doanh thu toàn ngành TT&TT đạt 1.980 tỷ đồng (số liệu của "
        "33/34 tỉnh, thành phố đã báo cáo), chưa so sánh với cùng kỳ năm 2025 do số liệu hai kỳ "
        "không cùng các đơn vị báo cáo."
    )
    assert (
        "Mức độ đầy đủ của số liệu doanh thu toàn ngành TT&TT: 33/34 tỉnh, thành phố có số liệu, "
        "trong đó 0 đơn vị số ước tính; 1 đơn vị chưa có số liệu (Hà Nội)." in text
    )
    assert "Chưa có nhận định từ số liệu." in text  # no strength from a withheld change
    assert "so với cùng kỳ năm 2025" not in text.replace("chưa so sánh với cùng kỳ năm 2025", "")
    ctx, _ = _doc(months_store, "2026S1", lang="en")
    assert ctx.narrator.paragraph(ctx.group_facts("ict")) == (
        "In H1 2026, ICT sector revenue reached 1,980 billion VND (33 of 34 provinces and "
        "cities reporting); no year-on-year comparison is made because the two figures do not "
        "cover the same reporting units."
    )


def test_a_province_missing_a_month_has_no_half_and_no_rank(months_store):
    _, text = _doc(months_store, "2026S1", "Hà Nội")
    head = text.split("3. ")[0]
    assert "Chưa có số liệu của 6 tháng đầu năm 2026." in head
    assert "đứng thứ" not in text and "Dẫn đầu" not in text


def test_a_merged_province_missing_an_old_provinces_month(months_store):
    """An Giang of today, H1 2023: Kiên Giang's June is missing — the figure says what it
    covers, no change on 2022, no rank, no strength; the completeness line names it."""
    ctx, text = _doc(months_store, "2023S1", "An Giang")
    assert ctx.narrator.paragraph(ctx.group_facts("ict"), ctx.unit_text()) == (
        "Trong 6 tháng đầu năm 2023, trên địa bàn tỉnh An Giang, doanh thu toàn ngành TT&TT đạt "
        "110 tỷ đồng (số liệu đầy đủ của 1/2 tỉnh cũ hợp thành), chưa so sánh với cùng kỳ năm "
        "2022 do số liệu hai kỳ không cùng các đơn vị báo cáo."
    )
    assert "đứng thứ" not in text and "Chưa có nhận định từ số liệu." in text
    ctx, nation = _doc(months_store, "2023S1")
    assert (
        "Mức độ đầy đủ của số liệu doanh thu toàn ngành TT&TT: 33/34 tỉnh, thành phố có số liệu, "
        "trong đó 0 đơn vị số ước tính; 0 đơn vị chưa có số liệu; 1 đơn vị số liệu chưa đầy đủ "
        "(An Giang)." in nation
    )  # (before: "34/34 … 0 đơn vị chưa có số liệu", beside a headline of 62/63)
    assert "(số liệu của 62/63 tỉnh, thành phố đã báo cáo)" in nation
    ctx, _ = _doc(months_store, "2023S1", "An Giang", lang="en")
    assert ctx.narrator.paragraph(ctx.group_facts("ict"), ctx.unit_text()) == (
        "In H1 2023, in An Giang province, ICT sector revenue reached 110 billion VND (complete "
        "figures for 1 of the 2 former provinces it comprises); no year-on-year comparison is "
        "made because the two figures do not cover the same reporting units."
    )
