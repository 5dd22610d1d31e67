#!/usr/bin/env bash
# Regenerate the initial migration 0001 from schema.py (later hand-written
# revisions such as 0002 are set aside meanwhile and put back). Only while
# nothing is released: once a database exists in the field, add a revision.
set -euo pipefail
cd "$(dirname "$0")/.."
versions=src/detente/store/migrations/versions
aside=$(mktemp -d)
for f in "$versions"/*.py; do
    case "$(basename "$f")" in
        __init__.py|0001_*) ;;
        *) mv "$f" "$aside/" ;;
    esac
done
rm -f "$versions"/0001_initial_schema.py
.venv/bin/python -c "
from alembic import command
from detente.store.engine import open_admin_engine
from detente.store.migrate import alembic_config
e = open_admin_engine('sqlite:///$aside/ag.sqlite')
command.revision(alembic_config(e), message='initial schema', autogenerate=True, rev_id='0001')
" >/dev/null
rm -f "$aside/ag.sqlite"
mv "$aside"/*.py "$versions"/ 2>/dev/null || true
rm -rf "$aside"
.venv/bin/ruff format -q src/detente/store/migrations
.venv/bin/ruff check --fix -q src/detente/store/migrations || true
