#!/usr/bin/env bash
# The main job on the embedded default: install into .venv, load the demo data into an SQLite
# file (./chitieu.db), show the H1/2023 review figures, and say where to look next.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CHITIEU_DB="${CHITIEU_DB:-sqlite:///$PWD/chitieu.db}"
rm -f chitieu.db chitieu.db-wal chitieu.db-shm
.venv/bin/chitieu demo
.venv/bin/chitieu summary --period 2023S1 --unit VN
# The H1/2023 review report (báo cáo sơ kết), dated the conference day, in all four formats.
.venv/bin/chitieu report --period 2023S1 --format docx,pdf,html,md --out out --date 2023-06-30
echo "Báo cáo / report: $PWD/out/report-2023S1-vi.{docx,pdf,html,md} (open the .html in a browser)"
cat <<'MSG'

Next:
  .venv/bin/chitieu summary --period 2023S1 --unit all      # every province, ranked (34, today's boundaries)
  .venv/bin/chitieu summary --period 2023S1 --boundaries as_reported --unit "Long An"
  .venv/bin/chitieu import FILE.csv --dry-run               # check a file (indicator,unit,period,value,kind)
  .venv/bin/chitieu report --period 2023 --lang en --out out # the 2023 annual review, in English
  .venv/bin/chitieu tasks list --period 2023S2 --date 2023-12-05   # key tasks and their status
  .venv/bin/chitieu workflow queue --as analyst             # reports waiting for the ministry
  .venv/bin/chitieu completeness --period 2026S1 --round estimate   # who reported H1/2026's estimates
  .venv/bin/chitieu --help                                  # every command

Web application (same database):
  .venv/bin/chitieu serve --port 8000                       # then open http://127.0.0.1:8000/
  Sign in with a demo account (user / password):
    admin    / admin-demo-2023      administrator
    analyst  / analyst-demo-2023    ministry analyst: approves (level 2), returns, the board
    hanoi    / hanoi-demo-2023      reporter for Thành phố Hà Nội (01@34): enters and submits
    hanoi-head / hanoi-head-demo-2023  head of Hà Nội's department: accepts its reports (level 1)
    viewer   / viewer-demo-2023     read-only
  API: TOKEN=$(.venv/bin/chitieu tokens add analyst)
       curl -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:8000/api/v1/summary?period=2023S1"
MSG
