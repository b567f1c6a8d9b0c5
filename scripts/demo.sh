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
cat <<'MSG'

Next:
  .venv/bin/chitieu summary --period 2023S1 --unit all      # every province, ranked (34, today's boundaries)
  .venv/bin/chitieu summary --period 2023S1 --boundaries as_reported --unit "Long An"
  .venv/bin/chitieu import FILE.csv --dry-run               # check a file (indicator,unit,period,value,kind)
  .venv/bin/chitieu --help                                  # every command
MSG
