#!/usr/bin/env bash
# Install what chitieu needs on a fresh Debian/Ubuntu machine: system packages (Chromium for
# browser tests and chart images, poppler for PDF checks, fonts with Vietnamese glyphs,
# LibreOffice Impress for the slide deck's PDF) and
# the Python package with its test extras into .venv. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
for pkg in chromium poppler-utils fonts-liberation2 fonts-dejavu-core fonts-noto-core libreoffice-impress; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "setup: installing system packages: ${need_apt[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# pip's "Location ... is ignored" warnings (a preconfigured local index that is absent) are noise.
quiet() { "$@" 2> >(grep -v "is ignored: it is neither" >&2); }
quiet .venv/bin/python -m pip install -q --upgrade pip >/dev/null
quiet .venv/bin/python -m pip install -q -e ".[test,bench]"
