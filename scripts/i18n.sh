#!/usr/bin/env bash
# Refresh the translation catalogs after changing user-facing texts:
#   scripts/i18n.sh          extract strings into locales/messages.pot and merge them into
#                            every locales/<locale>/LC_MESSAGES/messages.po
# Then translate the new entries (empty msgstr) in each .po file; tests/test_catalogs.py
# fails while any entry is missing or its {placeholders} differ. There is no compile step:
# the bot compiles the .po files in memory when it starts.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
"$PYBABEL" extract -F babel.cfg -k N_ --add-location=file --sort-by-file \
  --project=owners-club-bot -o locales/messages.pot .
for locale in zh_Hans en; do
  po=locales/$locale/LC_MESSAGES/messages.po
  if [ -f "$po" ]; then
    "$PYBABEL" update -i locales/messages.pot -D messages -d locales -l "$locale" \
      --no-fuzzy-matching --ignore-obsolete
  else
    "$PYBABEL" init -i locales/messages.pot -D messages -d locales -l "$locale"
  fi
done
"${PYTHON:-.venv/bin/python}" scripts/fill_source_catalog.py locales/en/LC_MESSAGES/messages.po
