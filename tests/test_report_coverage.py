"""The report states coverage and never what the coverage rule withholds (issue 17, items 1
and 6 through the report's phrasing): golden sentences on incomplete data, both backends."""

from datetime import date

from chitieu.catalog.units import registry
from chitieu.report import build_document, make_context
from chitieu.store.values import NewValue

OLD = [u.id for u in registry().provinces(date(2023, 6, 30))]
NEW = [u.id for u in registry().provinces(date(2026, 6, 30))]
KIEN_GIANG = "91@63"
DAY = date(2026, 7, 15)


def _write(store, rows):
    store.write(rows, source="test", created_by="t")


def _half(period, units, value=100.0):
    return [NewValue("ICT_REVENUE", u, period, "actual", value) for u in units]


def _doc(store, period, unit="VN", lang="vi"):
    ctx = make_context(store, period, unit, lang=lang, report_date=DAY, benchmark=False)
    return ctx, build_document(ctx).text()


def test_a_missing_predecessor_in_the_base_year_gives_no_change_and_no_strength(store):
    _write(store, _half("2023S1", OLD) + _half("2022S1", [u for u in OLD if u != KIEN_GIANG]))
    ctx, text = _doc(store, "2023S1", "An Giang")
    assert ctx.narrator.paragraph(ctx.group_facts("ict"), ctx.unit_text()) == (
        "Trong 6 tháng đầu năm 2023, trên địa bàn tỉnh An Giang, doanh thu toàn ngành TT&TT đạt "
        "200 tỷ đồng, chưa so sánh với cùng kỳ năm 2022 do số liệu hai kỳ không cùng các đơn vị "
        "báo cáo."
    )
    assert "tăng 100%" not in text and "Chưa có nhận định từ số liệu." in text


def test_a_nation_from_one_province_is_not_stated_and_nobody_is_first_of_one(store):
    _write(store, _half("2026S1", ["01@34"]) + _half("2025S1", OLD))
    ctx, text = _doc(store, "2026S1")
    assert ctx.narrator.paragraph(ctx.group_facts("ict")) == (
        "Doanh thu toàn ngành TT&TT chưa được công bố do chưa đủ số đơn vị báo cáo để công bố "
        "(1/34 tỉnh, thành phố có số liệu)."
    )
    _hanoi, hanoi_text = _doc(store, "2026S1", "Hà Nội")
    assert "đứng thứ" not in hanoi_text and "1/1" not in hanoi_text
    assert "đứng thứ" not in text and "Dẫn đầu cả nước" not in text


def test_a_nation_from_most_provinces_says_what_it_covers(store):
    _write(store, _half("2026S1", NEW[:31]) + _half("2025S1", OLD))
    ctx, _ = _doc(store, "2026S1")
    assert ctx.narrator.paragraph(ctx.group_facts("ict")) == (
        "Trong 6 tháng đầu năm 2026, doanh thu toàn ngành TT&TT đạt 3.100 tỷ đồng (số liệu của "
        "31/34 tỉnh, thành phố đã báo cáo), chưa so sánh với cùng kỳ năm 2025 do số liệu hai kỳ "
        "không cùng các đơn vị báo cáo."
    )
    ctx, _ = _doc(store, "2026S1", lang="en")
    assert ctx.narrator.paragraph(ctx.group_facts("ict")) == (
        "In H1 2026, ICT sector revenue reached 3,100 billion VND (31 of 34 provinces and "
        "cities reporting); no year-on-year comparison is made because the two figures do not "
        "cover the same reporting units."
    )
