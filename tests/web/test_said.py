"""web/said.py: how the web tells a value's finding (issue 19, "Messages"), without a browser."""

from __future__ import annotations

import pytest

from chitieu.check.findings import Finding
from chitieu.web import i18n
from chitieu.web.said import said, value_text


@pytest.mark.parametrize(
    ("value", "vi", "en"),
    [
        (-300.0, "-300", "-300"),
        ("-300.0", "-300", "-300"),  # the core's spelling of a number it read
        (-1234.5, "-1.234,5", "-1,234.5"),
        ("-1.000", "-1.000", "-1.000"),  # a typed text stays as typed (a thousand in vi)
        ("abc", "abc", "abc"),
    ],
)
def test_values_are_written_the_page_languages_way(value, vi, en):
    assert (value_text(value, "vi"), value_text(value, "en")) == (vi, en)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_row_of_another_unit_names_both_units_in_the_page_language(lang):
    i18n.set_lang(lang)
    expected = {"expected_unit": "01@34", "expected_period": "2026S1"}
    f = Finding("outside-form", row=2, column="unit", indicator="ICT_REVENUE", unit="79@34",
                period="2026S1", params=expected)  # fmt: skip
    s = said({**f.to_dict(), "params": f.params}, lang)
    city = "Thành phố Hồ Chí Minh" if lang == "vi" else "Ho Chi Minh City"
    assert city in s.message and "(79@34)" in s.message and "ICT_REVENUE" not in s.message
    f = Finding("out-of-domain", value="-1234.5", indicator="ICT_REVENUE")
    s = said(f.to_dict(), lang)
    assert ("-1.234,5" if lang == "vi" else "-1,234.5") in s.message
    assert s.link == "/dashboard/indicator/ICT_REVENUE" and "chitieu" not in s.hint
    i18n.set_lang("vi")
