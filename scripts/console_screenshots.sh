#!/usr/bin/env bash
# The screenshots in docs/console/ are what the browser tests see: run them with
# CAPMATCH_SCREENSHOTS pointing there (needs chromium: apt-get install -y chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
CAPMATCH_SCREENSHOTS=docs/console .venv/bin/python -m pytest tests/console -m browser -q -p no:cacheprovider
