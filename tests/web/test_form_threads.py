"""Form reads and saves run a few at a time per process (``CHITIEU_FORM_THREADS``), so that
under load each finishes sooner (docs/PERFORMANCE.md, web section); the other routes keep
the common thread pool and never wait behind them."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import FORM, OWN, PERIOD

import chitieu.web.routes.api_v1 as api_v1

SUB = f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}"


def test_form_requests_wait_their_turn_and_other_routes_do_not(web_sqlite, monkeypatch):
    web_sqlite.app.state.form_threads = 1  # what CHITIEU_FORM_THREADS=1 gives the app
    entered, release = threading.Event(), threading.Event()
    calls: list[int] = []
    real = api_v1.locate_report

    def held(*args, **kwargs):  # the first form read holds its thread until released
        calls.append(1)
        if len(calls) == 1:
            entered.set()
            release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(api_v1, "locate_report", held)
    auth = {"Authorization": f"Bearer {web_sqlite.tokens['reporter']}"}
    with TestClient(web_sqlite.app, headers=auth) as c:  # one event loop for every request
        codes: list[int] = []
        first = threading.Thread(target=lambda: codes.append(c.get(SUB).status_code), daemon=True)
        second = threading.Thread(target=lambda: codes.append(c.get(SUB).status_code), daemon=True)
        try:
            first.start()
            assert entered.wait(10)
            second.start()
            # other routes answer while the form's one thread is taken
            assert c.get(f"/api/v1/periods/{PERIOD}").status_code == 200
            assert c.get("/api/v1/catalog").status_code == 200
            second.join(0.5)
            assert second.is_alive() and len(calls) == 1  # the second form read waits its turn
        finally:
            release.set()
            first.join(10)
            second.join(10)
    assert codes == [200, 200] and len(calls) == 2


def test_the_setting_is_read_when_the_app_starts_and_a_bad_one_refused():
    from chitieu.errors import InputFileError
    from chitieu.web.deps import FORM_THREADS, form_threads

    assert form_threads({}) == FORM_THREADS
    assert form_threads({"CHITIEU_FORM_THREADS": " 2 "}) == 2
    for bad in ("0", "-3", "four", "2.5"):
        with pytest.raises(InputFileError) as exc:
            form_threads({"CHITIEU_FORM_THREADS": bad})
        assert exc.value.code == "input-bad-limit"
        assert "CHITIEU_FORM_THREADS" in str(exc.value)
