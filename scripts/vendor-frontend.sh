#!/usr/bin/env bash
# Vendor GOV.UK Frontend's compiled CSS, JS and assets into static/vendor/govuk-frontend/.
# Usage: scripts/vendor-frontend.sh [VERSION]   (default 6.6.0). Needs npm (only to re-vendor;
# running the service never does). Idempotent: the old copy is removed first.
# See docs/vendoring.md.
set -euo pipefail
version="${1:-6.6.0}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/static/vendor/govuk-frontend"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

command -v npm >/dev/null || { echo "npm is needed to re-vendor GOV.UK Frontend" >&2; exit 1; }

# npm pack downloads the published tarball (no install scripts run) and prints its file name.
tarball="$(cd "$work" && npm pack --silent "govuk-frontend@$version" | tail -n 1)"
tar xzf "$work/$tarball" -C "$work"
dist="$work/package/dist/govuk"
actual="$(node -p "require('$work/package/package.json').version" 2>/dev/null || echo "$version")"

rm -rf "$dest"
mkdir -p "$dest"
# Only what the pages use: the compiled stylesheet, the ES module bundle and the assets
# (fonts, images, manifest.json). No source maps, Sass or Nunjucks.
cp "$dist/govuk-frontend.min.css" "$dist/govuk-frontend.min.js" "$dest/"
cp -R "$dist/assets" "$dest/assets"

css="$dest/govuk-frontend.min.css"
# The stylesheet asks for /assets/... (the site root). Served from
# /static/vendor/govuk-frontend/ it must be relative to itself: url(assets/...).
sed -i -E 's#url\((["'"'"']?)/assets/#url(\1assets/#g' "$css"
# Drop the source map comments: the maps are not vendored (and browsers would 404 on them).
sed -i -E 's#/\*\# sourceMappingURL=[^*]*\*/##g' "$css"
sed -i -E 's#//\# sourceMappingURL=[^ ]*$##' "$dest/govuk-frontend.min.js"
echo "$actual" > "$dest/VERSION"

# Checks: no absolute asset URL remains, and every url(assets/...) points at a vendored file.
if grep -Eq "url\([\"']?/assets/" "$css"; then
  echo "absolute asset URLs remain in the stylesheet" >&2
  exit 1
fi
missing=0
while read -r ref; do
  if [ ! -f "$dest/$ref" ]; then
    echo "the stylesheet refers to $ref, which is not vendored" >&2
    missing=1
  fi
done < <(grep -Eo "url\([\"']?assets/[^)\"']+" "$css" | sed -E "s#url\([\"']?##" | sort -u)
[ "$missing" -eq 0 ] || exit 1
grep -q 'export *{' "$dest/govuk-frontend.min.js" || {
  echo "govuk-frontend.min.js is not an ES module" >&2
  exit 1
}

echo "Vendored govuk-frontend $actual into ${dest#"$root"/} ($(du -sh "$dest" | cut -f1))"
