#!/usr/bin/env bash
# Render three pages of the built documentation site to PNG with headless Chromium, to look at
# them as a reader would (not run in CI). Build first: make -C docs html
#
# Usage: tools/screenshot_docs.sh [out_dir]   (default docs/_screenshots, which git ignores)
# Pages: the index, one API page (QuantileRegressor) and one gallery page (the Engel fan).
set -euo pipefail
cd "$(dirname "$0")/.."

site="$PWD/docs/_build/html"
out="${1:-docs/_screenshots}"
chromium="${CHROMIUM:-/usr/bin/chromium}"
mkdir -p "$out"
if [ ! -f "$site/index.html" ]; then
  echo "no built site at $site: run make -C docs html first" >&2
  exit 1
fi

shoot() {  # shoot <page relative to the site> <png name> [window height]
  local profile
  profile=$(mktemp -d)
  "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --user-data-dir="$profile" --screenshot="$out/$2" --window-size="1400,${3:-1000}" \
    "file://$site/$1" >/dev/null 2>&1
  rm -rf "$profile"
  echo "$out/$2"
}

shoot index.html docs_index.png
shoot generated/sklearn_lad.QuantileRegressor.html docs_api_QuantileRegressor.png 2400
shoot auto_examples/plot_engel_quantile_fan.html docs_gallery_engel.png 2400
