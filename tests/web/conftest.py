"""Fixtures of the web tests: an app on a fresh store (SQLite and PostgreSQL) with one account
per role, their bearer tokens, and signed-in clients."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from chitieu.store.values import NewValue, Store
from chitieu.web.accounts import Accounts

warnings.filterwarnings("ignore", message=".*httpx2.*")
from fastapi.testclient import TestClient  # noqa: E402

from chitieu.web.app import create_app  # noqa: E402

FORM, PERIOD = "TTTT-6T", "2026S1"
OWN, FOREIGN = "01@34", "79@34"
PASSWORD = "correct horse battery"
#: user name → (role, units)
USERS = {
    "admin": ("admin", ()),
    "analyst": ("analyst", ()),
    "reporter": ("reporter", (OWN,)),
    "head": ("head", (OWN,)),
    "viewer": ("viewer", ()),
}


@dataclass
class WebEnv:
    """An app, its store, tokens per user, and helpers."""

    store: Store
    app: object
    tokens: dict[str, str] = field(default_factory=dict)

    def api(self, user: str | None = None) -> TestClient:
        """A client sending ``user``'s bearer token (anonymous if None)."""
        headers = {"Authorization": f"Bearer {self.tokens[user]}"} if user else {}
        return TestClient(self.app, headers=headers)  # type: ignore[arg-type]

    def browser(self, user: str | None = None) -> TestClient:
        """A client with a session cookie, signed in as ``user`` through the login form."""
        c = TestClient(self.app)  # type: ignore[arg-type]
        if user:
            r = c.post(
                "/login",
                data={"username": user, "password": PASSWORD, "csrf_token": csrf(c, "/login")},
                follow_redirects=False,
            )
            assert r.status_code == 303, r.text
        return c


def csrf(client: TestClient, path: str = "/") -> str:
    """The CSRF token of the client's session, read from a page's form."""
    page = client.get(path)
    m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert m, page.text[:500]
    return m.group(1)


def make_env(url: str) -> WebEnv:
    """An app on ``url`` with the users, and a few values for the own and the foreign unit."""
    store = Store(url)
    accounts = Accounts(store)
    env = WebEnv(store, create_app(store=store))
    for name, (role, units) in USERS.items():
        accounts.add(name, PASSWORD, role, units=list(units))
        env.tokens[name] = accounts.add_token(name, "tests")
    store.write(
        [
            NewValue("ICT_REVENUE", u, "2025S1", "actual", v)
            for u, v in ((OWN, 1000.0), (FOREIGN, 2000.0))
        ],
        source="test",
        created_by="test",
    )
    return env


@pytest.fixture
def web(db_url: str) -> Iterator[WebEnv]:
    """The web app on an empty store, on SQLite and on PostgreSQL."""
    env = make_env(db_url)
    yield env
    env.store.engine.dispose()


@pytest.fixture
def web_sqlite(tmp_path) -> Iterator[WebEnv]:  # type: ignore[no-untyped-def]
    """The web app on an SQLite store (for page tests that need no second backend)."""
    env = make_env(f"sqlite:///{tmp_path / 'web.db'}")
    yield env
    env.store.engine.dispose()
