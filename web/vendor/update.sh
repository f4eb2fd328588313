#!/usr/bin/env bash
# Refreshes the vendored ES modules from the npm versions pinned in package.json: installs them in a
# scratch folder, copies the browser builds the apps import, rewrites the one bare import ("preact"
# in hooks) to the file beside it (browsers resolve no bare names without an import map, and an
# inline import map would need a CSP hash), and writes SHA256SUMS and VERSIONS
# (web.TestVendoredModulesMatchChecksums checks the embedded files against them). Run after changing a
# version in package.json, then commit the folder.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$work/"
(cd "$work" && npm install --no-audit --no-fund --ignore-scripts --silent)
m="$work/node_modules"
cp "$m/preact/dist/preact.mjs" "$here/preact.mjs"
sed 's#from"preact"#from"./preact.mjs"#g; s#from "preact"#from "./preact.mjs"#g' "$m/preact/hooks/dist/hooks.mjs" > "$here/hooks.mjs"
cp "$m/htm/dist/htm.module.js" "$here/htm.mjs"
if grep -q 'from *"preact"' "$here/hooks.mjs"; then echo "hooks.mjs still imports a bare name" >&2; exit 1; fi
{
  echo "preact $(node -p 'require(process.argv[1]).version' "$m/preact/package.json") MIT $(node -p 'require(process.argv[1]).repository.url || ""' "$m/preact/package.json")"
  echo "htm $(node -p 'require(process.argv[1]).version' "$m/htm/package.json") Apache-2.0 https://github.com/developit/htm"
} > "$here/VERSIONS"
cat "$m/preact/LICENSE" > "$here/LICENSE.preact"
cat "$m/htm/LICENSE" > "$here/LICENSE.htm" 2>/dev/null || echo "htm is Apache-2.0 licensed: https://github.com/developit/htm/blob/master/LICENSE" > "$here/LICENSE.htm"
(cd "$here" && sha256sum preact.mjs hooks.mjs htm.mjs > SHA256SUMS)
echo "vendor/ updated:"; (cd "$here" && for f in preact.mjs hooks.mjs htm.mjs; do printf '%s %s bytes, %s gzipped\n' "$f" "$(wc -c < $f)" "$(gzip -9c $f | wc -c)"; done)
