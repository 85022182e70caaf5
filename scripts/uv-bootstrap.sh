#!/usr/bin/env bash
# Put uv into a new venv (ADR 0034, ADR 0038): `make` calls this when no uv is on PATH.
# Usage: scripts/uv-bootstrap.sh PYTHON VENV REQUIREMENT   (e.g. python3.12 .venv 'uv>=0.5,<1')
#
# 1. A copy kept by an earlier clone, ${XDG_CACHE_HOME:-~/.cache}/sourcing-decisions/uv-<version>/uv,
#    is linked (or copied) into VENV/bin when it is a 0.x uv saved within the last 30 days and
#    `uv --version` answers with that version; the newest such version wins.
# 2. Otherwise PYTHON's own pip installs REQUIREMENT from PyPI into the venv (`pip --python`),
#    or, when PYTHON has no pip, the venv's through ensurepip; the uv installed is then kept in
#    the cache for the next clone (nothing is kept if the cache cannot be written).
# 3. If uv cannot be had, it says so and exits 0: pip installs the requirements instead.
set -u
python=$1 venv=$2 requirement=$3
cache="${XDG_CACHE_HOME:-$HOME/.cache}/sourcing-decisions"
target="$venv/bin/uv"

# The version a uv binary reports ("uv 0.13.9 (...)" -> 0.13.9), empty when it does not run.
uv_version() { "$1" --version 2>/dev/null | awk '$1 == "uv" { print $2; exit }'; }

for dir in $(find "$cache" -mindepth 1 -maxdepth 1 -type d -name 'uv-0.*' -mtime -30 2>/dev/null | sort -rV); do
  version=${dir##*/uv-}
  if [ -x "$dir/uv" ] && [ "$(uv_version "$dir/uv")" = "$version" ]; then
    ln -f "$dir/uv" "$target" 2>/dev/null || cp -f "$dir/uv" "$target" || continue
    exit 0
  fi
done

"$python" -m pip --python "$venv/bin/python" install -q "$requirement" 2>/dev/null \
  || { "$venv/bin/python" -m ensurepip >/dev/null && "$venv/bin/python" -m pip install -q "$requirement"; } \
  || { echo "uv could not be installed: pip installs the requirements."; exit 0; }

# Keep a copy for the next clone: written under a temporary name, then renamed into place.
version=$(uv_version "$target")
if [ -n "$version" ]; then
  { mkdir -p "$cache/uv-$version" \
      && cp -f "$target" "$cache/uv-$version/uv.$$" \
      && mv -f "$cache/uv-$version/uv.$$" "$cache/uv-$version/uv"; } 2>/dev/null \
    || rm -f "$cache/uv-$version/uv.$$" 2>/dev/null
fi
exit 0
