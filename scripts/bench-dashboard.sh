#!/usr/bin/env bash
# The dashboard's figures for one generated data set: `make bench` runs it for a county
# and for a province. Usage: scripts/bench-dashboard.sh LABEL ORGS MEMBERS VOTES
# The data set lives in a database of its own, campaign_bench_LABEL, made on first use
# and kept: generate_scale does nothing when it already holds a data set of that size
# (and makes it anew, emptying the database, when the size asked for changed).
set -euo pipefail
label=$1 orgs=$2 members=$3 votes=$4
database=campaign_bench_$label
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$database
python=${PYTHON:-.venv/bin/python}

psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='$database'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE $database" >/dev/null
"$python" manage.py migrate -v 0
echo "== $label: $orgs organizations, $members members, $votes votes ($database)"
"$python" manage.py generate_scale --orgs "$orgs" --members "$members" --votes "$votes" --reset
"$python" manage.py bench_dashboard
