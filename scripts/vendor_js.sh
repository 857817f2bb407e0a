#!/usr/bin/env bash
# Re-vendor the JavaScript libraries under static/vendor/<name>-<version>/.
# Uses `npm pack` (a tarball from the registry, no node_modules, no build) in a
# temporary directory, then copies the minified build and the licence.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
UPLOT_VERSION="1.6.32"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

vendor_uplot() {
  local dest="$ROOT/static/vendor/uplot-$UPLOT_VERSION"
  (cd "$tmp" && npm pack --silent "uplot@$UPLOT_VERSION" >/dev/null && tar xzf "uplot-$UPLOT_VERSION.tgz")
  mkdir -p "$dest"
  cp "$tmp/package/dist/uPlot.iife.min.js" "$tmp/package/dist/uPlot.min.css" "$tmp/package/LICENSE" "$dest/"
  echo "uPlot $UPLOT_VERSION -> ${dest#"$ROOT"/}"
}

vendor_uplot
