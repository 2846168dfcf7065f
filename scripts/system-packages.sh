#!/usr/bin/env bash
# Installs the Debian packages the app needs, only those missing, so a second run is instant.
#   WeasyPrint: Pango (text layout), HarfBuzz's subsetter and a CJK font; Python 3.11's venv module;
#   for `make test` also Chromium, which the browser tests drive through Playwright, and
#   for `make test`, `make backup` and `make restore` PostgreSQL's client (pg_dump).
set -euo pipefail
want_browser=${1:-}
missing=()

# Read the lists first: `grep -q` in a pipe would close it early, and under pipefail
# the writer's SIGPIPE would look like "not installed".
libraries=$(ldconfig -p 2>/dev/null || true)
fonts=$(fc-list : family 2>/dev/null || true)
python3.11 -c "import ensurepip, venv" 2>/dev/null || missing+=(python3.11-venv)
grep -q 'libpango-1.0.so' <<<"$libraries" || missing+=(libpango-1.0-0)
grep -q 'libpangoft2-1.0.so' <<<"$libraries" || missing+=(libpangoft2-1.0-0)
# HarfBuzz's subsetter: WeasyPrint subsets fonts with it, and campaign/infra/documents.py
# renumbers the CJK subsets with it (much smaller PDFs).
grep -q 'libharfbuzz-subset.so' <<<"$libraries" || missing+=(libharfbuzz-subset0)
grep -q 'Noto Serif CJK' <<<"$fonts" || missing+=(fonts-noto-cjk fontconfig)
[ "$want_browser" = "--browser" ] && ! command -v chromium >/dev/null && missing+=(chromium)
# pg_dump and pg_restore: for make backup and make restore, and the tests of both.
{ [ "$want_browser" = "--browser" ] || [ "$want_browser" = "--backup" ]; } && ! command -v pg_dump >/dev/null \
  && missing+=(postgresql-client)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "安装系统软件包: ${missing[*]}"
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
