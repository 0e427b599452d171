#!/usr/bin/env bash
# Run every notebook top to bottom in a Jupyter kernel, as "Run All" in JupyterLab does: every cell,
# including the ones marked #| notest that nbdev_test skips. Executed copies go to a temporary folder;
# nothing in nbs/ changes. Usage: bash tools/run_notebooks.sh [NOTEBOOK ...]   (default: all of nbs/)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
nbs=("$@"); [ ${#nbs[@]} -eq 0 ] && nbs=(nbs/[0-9]*.ipynb nbs/index.ipynb)
failed=0; t0=$SECONDS
for nb in "${nbs[@]}"; do
  t=$SECONDS
  if jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=1800 --output-dir "$out" "$nb" >"$out/log" 2>&1
  then echo "ok    $nb  $((SECONDS - t))s"
  else echo "FAIL  $nb  $((SECONDS - t))s"; tail -25 "$out/log"; failed=$((failed + 1)); fi
done
echo "${#nbs[@]} notebook(s), $failed failed, $((SECONDS - t0))s"
[ "$failed" -eq 0 ]
