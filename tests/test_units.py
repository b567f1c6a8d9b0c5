"""Tests for chitieu.catalog.units: the 63/34 province systems and the 2025 crosswalk."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from chitieu.catalog.units import Unit, UnitRegistry, normalise_name, registry
from chitieu.errors import UnitError

BEFORE = date(2025, 6, 30)
AFTER = date(2025, 7, 1)
OLD_PERIOD = date(2023, 6, 30)
NEW_PERIOD = date(2026, 6, 30)

# Official resolution (expected values, hand-written here only): new unit <- old units other
# than the one of the same name, which every new unit also absorbs.
MERGERS: dict[str, list[str]] = {
    "Tuyên Quang": ["Hà Giang"],
    "Lào Cai": ["Yên Bái"],
    "Thái Nguyên": ["Bắc Kạn"],
    "Phú Thọ": ["Vĩnh Phúc", "Hòa Bình"],
    "Bắc Ninh": ["Bắc Giang"],
    "Hưng Yên": ["Thái Bình"],
    "Hải Phòng": ["Hải Dương"],
    "Ninh Bình": ["Hà Nam", "Nam Định"],
    "Quảng Trị": ["Quảng Bình"],
    "Đà Nẵng": ["Quảng Nam"],
    "Quảng Ngãi": ["Kon Tum"],
    "Gia Lai": ["Bình Định"],
    "Khánh Hòa": ["Ninh Thuận"],
    "Lâm Đồng": ["Đắk Nông", "Bình Thuận"],
    "Đắk Lắk": ["Phú Yên"],
    "TP HCM": ["Bình Dương", "Bà Rịa\u2011Vũng Tàu"],
    "Đồng Nai": ["Bình Phước"],
    "Tây Ninh": ["Long An"],
    "Cần Thơ": ["Sóc Trăng", "Hậu Giang"],
    "Vĩnh Long": ["Bến Tre", "Trà Vinh"],
    "Đồng Tháp": ["Tiền Giang"],
    "Cà Mau": ["Bạc Liêu"],
    "An Giang": ["Kiên Giang"],
}
UNCHANGED = ["Hà Nội", "Cao Bằng", "Điện Biên", "Lai Châu", "Sơn La", "Lạng Sơn", "Quảng Ninh",
             "Thanh Hóa", "Nghệ An", "Hà Tĩnh", "Huế"]  # fmt: skip


@pytest.fixture(scope="module")
def reg() -> UnitRegistry:
    """The shared registry."""
    return registry()


def test_counts_and_order(reg: UnitRegistry) -> None:
    """63 old + 34 new provinces + the nation, nation first."""
    systems = [u.system for u in reg.all()]
    assert systems.count("63") == 63 and systems.count("34") == 34 and systems.count("nation") == 1
    assert reg.all()[0].id == "VN"
    assert len({u.id for u in reg.all()}) == 98
    assert len(reg.units()) == 98
    assert len(reg.provinces(BEFORE)) == 63 and len(reg.provinces(AFTER)) == 34
    assert reg.units(AFTER)[0].id == "VN" and len(reg.units(AFTER)) == 35


def test_unit_fields(reg: UnitRegistry) -> None:
    """Ids, validity, names and parents follow the model."""
    long_an = reg.get("80@63")
    assert long_an == Unit("80@63", "80", "Tỉnh Long An", "Long An", "Long An", 1, "VN", None,
                           BEFORE, "63")  # fmt: skip
    tay_ninh = reg.get("80@34")
    assert (tay_ninh.name, tay_ninh.valid_from, tay_ninh.valid_to) == ("Tỉnh Tây Ninh", AFTER, None)
    assert long_an.valid_on(BEFORE) and not long_an.valid_on(AFTER)
    assert tay_ninh.valid_on(AFTER) and not tay_ninh.valid_on(BEFORE)
    nation = reg.get("VN")
    assert (nation.level, nation.parent, nation.name, nation.short_name) == (
        0, None, "Việt Nam", "Toàn quốc")  # fmt: skip
    assert reg.get("48@34").name_en == "Da Nang"
    for unit in reg.all():
        assert unicodedata.is_normalized("NFC", unit.name)
        assert unit.name_en.isascii()


def test_get_unknown_id(reg: UnitRegistry) -> None:
    """Unknown ids raise UnitError with a hint."""
    with pytest.raises(UnitError) as err:
        reg.get("80@99")
    assert err.value.hint


def test_every_old_unit_maps_to_exactly_one_new(reg: UnitRegistry) -> None:
    """The crosswalk is a function from the 63-set onto the 34-set."""
    pairs = reg.crosswalk()
    assert len(pairs) == 63 and len({old for old, _ in pairs}) == 63
    assert {old for old, _ in pairs} == {u.id for u in reg.all() if u.system == "63"}
    assert {new for _, new in pairs} == {u.id for u in reg.all() if u.system == "34"}
    for old, new in pairs:
        assert reg.successor(old).id == new
        assert old in [u.id for u in reg.predecessors(new)]


def test_crosswalk_matches_resolution(reg: UnitRegistry) -> None:
    """The crosswalk from the data equals the official resolution table."""
    expected: dict[str, set[str]] = {}
    for new, olds in MERGERS.items():
        new_id = reg.resolve(new, NEW_PERIOD).id
        expected[new_id] = {reg.resolve(o, OLD_PERIOD).id for o in [*olds, new]}
    for name in UNCHANGED:
        expected[reg.resolve(name, NEW_PERIOD).id] = {reg.resolve(name, OLD_PERIOD).id}
    assert len(expected) == 34 and sum(len(v) for v in expected.values()) == 63
    actual: dict[str, set[str]] = {}
    for old, new in reg.crosswalk():
        actual.setdefault(new, set()).add(old)
    assert actual == expected


@pytest.mark.parametrize(
    ("text", "on", "expected"),
    [
        ("80", OLD_PERIOD, "80@63"),
        ("80", NEW_PERIOD, "80@34"),
        ("52", OLD_PERIOD, "52@63"),
        ("52", NEW_PERIOD, "52@34"),
        ("91", OLD_PERIOD, "91@63"),
        ("91", NEW_PERIOD, "91@34"),
        ("80", BEFORE, "80@63"),
        ("80", AFTER, "80@34"),
        ("8", NEW_PERIOD, "08@34"),
        (" 01 ", OLD_PERIOD, "01@63"),
        ("80@63", OLD_PERIOD, "80@63"),
        ("VN", NEW_PERIOD, "VN"),
        ("vn", OLD_PERIOD, "VN"),
        ("Việt Nam", NEW_PERIOD, "VN"),
        ("Toàn quốc", NEW_PERIOD, "VN"),
        ("cả nước", OLD_PERIOD, "VN"),
        ("Long An", OLD_PERIOD, "80@63"),
        (unicodedata.normalize("NFD", "Tỉnh Long An"), OLD_PERIOD, "80@63"),
        ("TỈNH LONG AN", OLD_PERIOD, "80@63"),
        ("  long   an ", OLD_PERIOD, "80@63"),
        ("Tây Ninh", OLD_PERIOD, "72@63"),
        ("Tây Ninh", NEW_PERIOD, "80@34"),
        ("Bình Định", OLD_PERIOD, "52@63"),
        ("Gia Lai", OLD_PERIOD, "64@63"),
        ("Gia Lai", NEW_PERIOD, "52@34"),
        ("Kiên Giang", OLD_PERIOD, "91@63"),
        ("An Giang", NEW_PERIOD, "91@34"),
        ("TP. Hồ Chí Minh", NEW_PERIOD, "79@34"),
        ("Thành phố Hồ Chí Minh", OLD_PERIOD, "79@63"),
        ("tp hcm", NEW_PERIOD, "79@34"),
        ("TP.HCM", NEW_PERIOD, "79@34"),
        ("Sài Gòn", NEW_PERIOD, "79@34"),
        ("Thừa Thiên Huế", OLD_PERIOD, "46@63"),
        ("Thừa Thiên - Huế", NEW_PERIOD, "46@34"),
        ("Huế", NEW_PERIOD, "46@34"),
        ("Bà Rịa - Vũng Tàu", OLD_PERIOD, "77@63"),
        ("Bà Rịa–Vũng Tàu", OLD_PERIOD, "77@63"),
        ("Ba Ria Vung Tau", OLD_PERIOD, "77@63"),
        ("T. Đắk Lắk", NEW_PERIOD, "66@34"),
        ("dak lak", NEW_PERIOD, "66@34"),
        ("Đà Nẵng", NEW_PERIOD, "48@34"),
    ],
)
def test_resolve(reg: UnitRegistry, text: str, on: date, expected: str) -> None:
    """Ids, codes and names resolve to the unit valid on the period's end date."""
    assert reg.resolve(text, on).id == expected


@pytest.mark.parametrize(
    ("text", "on", "in_hint"),
    [
        ("Long An", NEW_PERIOD, "merged into Tỉnh Tây Ninh (80@34) from Jul 1, 2025"),
        ("Bình Định", AFTER, "merged into Tỉnh Gia Lai (52@34)"),
        ("Bà Rịa-Vũng Tàu", NEW_PERIOD, "Thành phố Hồ Chí Minh (79@34)"),
        ("72", NEW_PERIOD, "Tỉnh Tây Ninh (80@34)"),
        ("80@63", NEW_PERIOD, "Tỉnh Tây Ninh (80@34)"),
        ("80@34", OLD_PERIOD, "Tỉnh Long An (80@63)"),
        ("99", NEW_PERIOD, "valid codes"),
    ],
)
def test_resolve_not_valid(reg: UnitRegistry, text: str, on: date, in_hint: str) -> None:
    """Units used outside their validity give an error naming the successor/predecessors."""
    with pytest.raises(UnitError) as err:
        reg.resolve(text, on)
    assert in_hint in err.value.hint


def test_long_an_hint_text(reg: UnitRegistry) -> None:
    """The merged-name error reads as documented, in Vietnamese and in English (CLDR dates)."""
    with pytest.raises(UnitError) as err:
        reg.resolve("Long An", NEW_PERIOD)
    assert err.value.hint == (
        "Long An was merged into Tỉnh Tây Ninh (80@34) from Jul 1, 2025; "
        "use that unit for periods after Jun 30, 2025"
    )
    assert err.value.text("vi") == (
        f"Tỉnh Long An (80@63) không còn tồn tại vào ngày {NEW_PERIOD:%d/%m/%Y}",
        "Long An đã hợp nhất vào Tỉnh Tây Ninh (80@34) từ ngày 01/07/2025; "
        "dùng đơn vị này cho các kỳ sau ngày 30/06/2025",
    )


def test_unit_errors_cross_processes_whole(reg: UnitRegistry) -> None:
    """A unit error pickled (as from a worker process) keeps its code and both languages."""
    import pickle

    with pytest.raises(UnitError) as err:
        reg.resolve("Lông Ănn", NEW_PERIOD)
    back = pickle.loads(pickle.dumps(err.value))
    assert (back.code, back.text("vi"), back.text("en")) == (
        "unit-unknown-name",
        ("không có đơn vị tên 'Lông Ănn'", "Tên gần giống: Long An, Nghệ An, Lạng Sơn, Đồng Nai"),
        ("unknown unit 'Lông Ănn'", "closest names: Long An, Nghệ An, Lạng Sơn, Đồng Nai"),
    )


@pytest.mark.parametrize(
    ("text", "close"), [("Lông Ănn", "Long An"), ("Quang Ngaii", "Quảng Ngãi")]
)
def test_garbage_name_gives_close_matches(reg: UnitRegistry, text: str, close: str) -> None:
    """Unknown names raise UnitError listing the closest names."""
    with pytest.raises(UnitError) as err:
        reg.resolve(text, NEW_PERIOD)
    assert "closest names" in err.value.hint and close in err.value.hint


def test_nonsense_name(reg: UnitRegistry) -> None:
    """Text with no close match still gets a hint."""
    with pytest.raises(UnitError) as err:
        reg.resolve("xyzzy plugh", NEW_PERIOD)
    assert err.value.hint


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tỉnh Long An", "long an"),
        (unicodedata.normalize("NFD", "Tỉnh Long An"), "long an"),
        ("Thành phố Hồ Chí Minh", "ho chi minh"),
        ("TP. Đà Nẵng", "da nang"),
        ("TP Cần Thơ", "can tho"),
        ("Bà Rịa - Vũng Tàu", "ba ria vung tau"),
        ("Bà Rịa–Vũng Tàu", "ba ria vung tau"),
        ("Ba Ria Vung Tau", "ba ria vung tau"),
        ("  THANH   HÓA ", "thanh hoa"),
    ],
)
def test_normalise_name(text: str, expected: str) -> None:
    """Names normalise to a casefolded, unaccented, prefix-free form."""
    assert normalise_name(text) == expected


def test_successor_predecessors(reg: UnitRegistry) -> None:
    """successor/predecessors follow the crosswalk; identity where nothing changed."""
    assert reg.successor("80@63").id == "80@34"
    assert reg.successor("72@63").id == "80@34"
    assert reg.successor("80@34").id == "80@34"
    assert reg.successor("VN").id == "VN"
    assert [u.id for u in reg.predecessors("80@34")] == ["72@63", "80@63"]
    assert [u.id for u in reg.predecessors("01@34")] == ["01@63"]


@pytest.mark.parametrize(
    ("unit_id", "system", "expected"),
    [
        ("80@63", "34", "80@34"),
        ("74@63", "34", "79@34"),
        ("80@34", "34", "80@34"),
        ("80@63", "63", "80@63"),
        ("01@34", "63", "01@63"),
        ("80@63", "nation", "VN"),
        ("VN", "nation", "VN"),
    ],
)
def test_on_boundaries(reg: UnitRegistry, unit_id: str, system: str, expected: str) -> None:
    """on_boundaries maps a unit to the containing unit of another system."""
    assert reg.on_boundaries(unit_id, system) == expected


def test_on_boundaries_ambiguous(reg: UnitRegistry) -> None:
    """A merged new province has no single containing old province."""
    with pytest.raises(UnitError):
        reg.on_boundaries("80@34", "63")


def test_registry_is_cached() -> None:
    """registry() returns one shared instance."""
    assert registry() is registry()


def test_every_error_is_phrased_in_both_languages_with_the_same_placeholders() -> None:
    import string

    from chitieu.catalog.messages import _errors

    def names(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    for code, entry in _errors().items():
        for part in ("message", "hint"):
            vi, en = entry[part]["vi"], entry[part]["en"]
            assert vi and en, (code, part)
            assert names(vi) == names(en), (code, part)
