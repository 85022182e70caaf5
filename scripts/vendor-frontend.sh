#!/usr/bin/env bash
# Vendor GOV.UK Frontend's compiled CSS, JS and assets into static/vendor/govuk-frontend/.
# Usage: scripts/vendor-frontend.sh [VERSION]   (default 6.6.0). Needs npm (only to re-vendor;
# running the service never does). See docs/vendoring.md.
set -euo pipefail
version="${1:-6.6.0}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/static/vendor/govuk-frontend"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "govuk-frontend@$version" >/dev/null && tar xzf "govuk-frontend-$version.tgz")
dist="$work/package/dist/govuk"

rm -rf "$dest"
mkdir -p "$dest"
cp "$dist/govuk-frontend.min.css" "$dist/govuk-frontend.min.js" "$dest/"
cp -r "$dist/assets" "$dest/assets"
# The stylesheet asks for /assets/...; served from /static/vendor/govuk-frontend/ it must be relative.
sed -i 's#url(/assets/#url(assets/#g' "$dest/govuk-frontend.min.css"
# Drop the source map comments: the maps are not vendored.
sed -i 's#/\*\# sourceMappingURL=[^*]*\*/##; s#//\# sourceMappingURL=.*$##' \
  "$dest/govuk-frontend.min.css" "$dest/govuk-frontend.min.js"
echo "$version" > "$dest/VERSION"
if grep -q 'url(/assets/' "$dest/govuk-frontend.min.css"; then
  echo "absolute asset URLs remain in the stylesheet" >&2
  exit 1
fi
echo "Vendored govuk-frontend $version into ${dest#"$root"/}"
