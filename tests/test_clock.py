"""The one clock: CHITIEU_NOW fixes "now" for every rule that depends on today."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chitieu import clock


def test_unset_is_the_real_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHITIEU_NOW", raising=False)
    before = datetime.now(UTC).replace(tzinfo=None)
    got = clock.now()
    assert got.tzinfo is None and got >= before.replace(microsecond=0)


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-12-07", datetime(2026, 12, 7, 5, 0)),  # noon in Vietnam
        ("2026-12-07T09:30", datetime(2026, 12, 7, 2, 30)),  # Vietnam time
        ("2026-12-07T09:30+07:00", datetime(2026, 12, 7, 2, 30)),
        ("2026-12-07T02:30Z", datetime(2026, 12, 7, 2, 30)),
    ],
)
def test_fixed(monkeypatch: pytest.MonkeyPatch, text: str, utc: datetime) -> None:
    monkeypatch.setenv("CHITIEU_NOW", text)
    assert clock.now() == utc


def test_today_is_vietnams_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHITIEU_NOW", "2026-12-07T23:30Z")  # 06:30 on the 8th in Vietnam
    assert clock.today() == date(2026, 12, 8)


def test_a_bad_setting_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHITIEU_NOW", "next tuesday")
    with pytest.raises(clock.ClockSettingError) as err:
        clock.now()
    assert err.value.exit_code == 2 and "CHITIEU_NOW" in err.value.hint
