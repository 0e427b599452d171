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
  # nbdev_docs also rewrites README.md with nbdev_readme when nbs/index.ipynb is newer; README.md belongs to
  # tools/readme.py (the same bytes with or without Quarto, which CI checks), so it is put back as it was
  keep=$(mktemp -d); cp -p README.md "$keep/" 2>/dev/null || true
  [ -d README_files ] && cp -rp README_files "$keep/"
  nbdev_docs
  if [ -f "$keep/README.md" ]; then cp -p "$keep/README.md" README.md; fi
  rm -rf README_files; [ -d "$keep/README_files" ] && cp -rp "$keep/README_files" .
  rm -rf "$keep"
else
  python tools/docs.py "$@"
fi
echo "docs: done in $((SECONDS - start))s: open _docs/index.html, or: python -m http.server -d _docs"
