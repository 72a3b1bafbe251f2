#!/usr/bin/env bash
# Installs everything greentour and its tests need on a fresh Debian machine:
# Debian packages (chromium for browser tests, gdal-bin as GIS client, npm for axe-core) and a venv in .venv
# with the pinned Python packages (constraints.txt keeps protobuf compatible with OR-Tools).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v ogrinfo >/dev/null 2>&1 || need_apt+=(gdal-bin)
command -v pg_ctlcluster >/dev/null 2>&1 || need_apt+=(postgresql)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)   # axe-core for the accessibility tests
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" fonts-dejavu-core >/dev/null
  else
    echo "setup: please install as root: apt-get install ${need_apt[*]}" >&2
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -c constraints.txt -e '.[dev,postgres]'
.venv/bin/python -m pip check

# axe-core (accessibility checks in the browser tests, tests/web/a11y.py) from the npm registry,
# pinned, into .tools/ (not committed)
AXE_VERSION=4.11.0
if [ ! -f .tools/node_modules/axe-core/axe.min.js ] || \
   ! grep -q "\"version\": \"$AXE_VERSION\"" .tools/node_modules/axe-core/package.json; then
  if command -v npm >/dev/null 2>&1; then
    npm install --silent --no-audit --no-fund --prefix .tools "axe-core@$AXE_VERSION"
  else
    echo "setup: please install npm (apt-get install npm) for the accessibility tests" >&2
  fi
fi
