"""Form reads and saves run a few at a time per process (``CHITIEU_FORM_THREADS``), so that
under load each finishes sooner (docs/PERFORMANCE.md, web section); the other routes keep
the common thread pool and never wait behind them."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from tests.web.conftest import FORM, OWN, PERIOD

import chitieu.web.routes.api_v1 as api_v1

SUB = f"/api/v1/submissions/{FORM}/{OWN}/{PERIOD}"


def test_form_requests_wait_their_turn_and_other_routes_do_not(web_sqlite, monkeypatch):
    monkeypatch.setenv("CHITIEU_FORM_THREADS", "1")
    entered, release = threading.Event(), threading.Event()
    calls: list[int] = []
    real = api_v1.load_state

    def held(*args, **kwargs):  # the first form read holds its thread until released
        calls.append(1)
        if len(calls) == 1:
            entered.set()
            release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(api_v1, "load_state", held)
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
