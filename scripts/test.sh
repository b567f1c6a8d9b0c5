#!/usr/bin/env bash
# The whole test suite, on SQLite and PostgreSQL (started here if it is down), plus ruff (with
# its complexity rule), mypy and the import contracts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# PostgreSQL: the suite needs a server at 127.0.0.1:5432 (CHITIEU_TEST_PG to use another).
if [ -z "${CHITIEU_TEST_PG:-}" ] && ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "test: starting PostgreSQL" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
fi

.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
.venv/bin/lint-imports --no-cache  # the architecture's import contracts (pyproject.toml)
.venv/bin/mypy src  # 0 errors, no unused `type: ignore` ([tool.mypy] in pyproject.toml)
# Plain `pytest` from the project root collects every test: no collection error, and never
# "no tests collected" (MIN_TESTS: raise it as the suite grows).
MIN_TESTS=900
if ! collected=$(.venv/bin/pytest --collect-only -q -p no:cacheprovider 2>&1); then
  printf '%s\n' "$collected" | tail -n 30 >&2
  echo "test: plain pytest cannot collect the suite (above)" >&2
  exit 1
fi
n=$(printf '%s\n' "$collected" | tail -n 1 | grep -oE '^[0-9]+' || echo 0)
if [ "$n" -le "$MIN_TESTS" ]; then
  echo "test: plain pytest collected $n tests; more than $MIN_TESTS expected" >&2
  exit 1
fi
echo "test: plain pytest collects $n tests" >&2
.venv/bin/python -m pytest "$@"
