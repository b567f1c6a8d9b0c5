"""The API against its own OpenAPI document (issue 11): schemathesis generates requests for
every operation; 0 server errors, and every response as documented (status code, content
type, body schema). Run on SQLite and PostgreSQL; the count of cases is printed at the end."""

from __future__ import annotations

import os
import uuid
import warnings

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from sqlalchemy import create_engine, text
from tests.faults import say
from tests.web.conftest import make_env

warnings.filterwarnings("ignore", message=".*httpx2.*")

TALLY: dict[str, int] = {"cases": 0, "server_errors": 0}
#: server errors and conformance to the document (status codes, content types, bodies,
#: headers); not whether a schema-valid request must succeed (the domain's rules — a
#: period that exists, a unit in scope — are more than a schema says)
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
EXAMPLES = int(os.environ.get("CHITIEU_FUZZ_EXAMPLES", "15"))


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def env(request, tmp_path_factory):
    drop = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('st') / 'st.db'}"
    else:
        pg = request.getfixturevalue("pg_server")
        schema_name = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema_name}"'))
        url, drop = f"{pg}?options=-csearch_path%3D{schema_name}", (admin, schema_name)
    e = make_env(url)
    yield e
    e.store.engine.dispose()
    if drop is not None:
        with drop[0].connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{drop[1]}" CASCADE'))
        drop[0].dispose()


def test_the_api_keeps_its_document(env, request):
    schema = schemathesis.openapi.from_asgi("/openapi.json", env.app)
    token = env.tokens["analyst"]
    failures: list[str] = []
    operations = 0
    TALLY.update(cases=0, server_errors=0)
    for result in schema.get_all_operations():
        _check_operation(result.ok(), token, failures)
        operations += 1
    line = (
        f"\nschemathesis ({env.store.dialect}): {operations} operations, {TALLY['cases']} "
        f"cases, {TALLY['server_errors']} server errors, {len(failures)} failed checks"
    )
    say(request, line)
    assert not failures, "\n".join(sorted(set(failures)))


def _check_operation(op, token: str, failures: list[str]) -> None:
    """Generate and send ``EXAMPLES`` requests of one operation; record each failed check."""

    @given(case=op.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def run(case) -> None:
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        TALLY["cases"] += 1
        if response.status_code >= 500:
            TALLY["server_errors"] += 1
        try:
            case.validate_response(
                response, checks=CHECKS, excluded_checks=[checks.positive_data_acceptance]
            )
        except Exception as exc:  # a failed check: collected, reported together
            failures.append(f"{op.label}: {str(exc).splitlines()[0][:200]}")
            raise

    try:
        run()
    except Exception as exc:  # a shrunk failure is in `failures` already
        if not failures or not failures[-1].startswith(op.label):
            failures.append(f"{op.label}: {type(exc).__name__}: {str(exc)[:300]}")
