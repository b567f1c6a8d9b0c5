#!/usr/bin/env bash
# Update the web application's message catalogues (gettext, through Babel):
#   bash scripts/i18n.sh          extract new messages, merge them into vi and en, compile
# Translate the new entries of src/chitieu/web/locale/vi/LC_MESSAGES/messages.po, then run
# again to compile. Both .po and .mo are committed (the package ships the .mo).
set -euo pipefail
cd "$(dirname "$0")/.."
W=src/chitieu/web
POT=$W/locale/messages.pot
.venv/bin/pybabel -q extract -F $W/babel.cfg -k _ -k N_ -k gettext -k ngettext:1,2 \
  --no-location --sort-output --project chitieu -o "$POT" $W
for lang in vi en; do
  if [ -f "$W/locale/$lang/LC_MESSAGES/messages.po" ]; then
    .venv/bin/pybabel -q update -N -i "$POT" -d $W/locale -l "$lang" --no-fuzzy-matching
  else
    .venv/bin/pybabel -q init -i "$POT" -d $W/locale -l "$lang"
  fi
done
.venv/bin/pybabel -q compile -d $W/locale --use-fuzzy
