#!/usr/bin/env bash
# Build the documentation site into _docs/ from the notebooks in nbs/. Run from anywhere:
#     bash tools/docs.sh [--n_workers N]
# With Quarto on PATH this is nbdev's own `nbdev_docs`. Without it (as on our machines, where Quarto cannot
# be installed) tools/docs.py builds the site offline: every notebook is run once, nbdev's docs processors
# turn it into a page (show_doc API reference included), and smalldocs renders the site, with search and
# KaTeX served from the site itself. Exits non-zero on a notebook error, a render warning or a broken link.
# Then: python tools/check_site.py  (loads every page in headless Chromium), or open _docs/index.html.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ -z "${VIRTUAL_ENV:-}" ] && [ -x .venv/bin/python ]; then . .venv/bin/activate; fi
start=$SECONDS
nbdev_export
if command -v quarto >/dev/null 2>&1; then
  echo "docs: quarto found: nbdev_docs"
  nbdev_docs
else
  python tools/docs.py "$@"
fi
echo "docs: done in $((SECONDS - start))s: open _docs/index.html, or: python -m http.server -d _docs"
