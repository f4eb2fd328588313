#!/usr/bin/env bash
# Refreshes assets/ from the npm versions pinned in package.json: installs them in a scratch folder,
# copies the browser bundles the page loads, and writes SHA256SUMS (TestAssetsMatchChecksums checks
# the embedded files against it). Run after changing a version in package.json, then commit assets/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$work/"
(cd "$work" && npm install --no-audit --no-fund --ignore-scripts --silent)
m="$work/node_modules"
a="$here/assets"
cp "$m/graphiql/graphiql.min.js" "$m/graphiql/graphiql.min.css" "$a/"
cp "$m/react/umd/react.production.min.js" "$m/react-dom/umd/react-dom.production.min.js" "$a/"
cp "$m/graphql-ws/umd/graphql-ws.min.js" "$a/"
(cd "$a" && sha256sum graphiql.min.js graphiql.min.css react.production.min.js react-dom.production.min.js \
  graphql-ws.min.js > SHA256SUMS)
node -e 'const p=require(process.argv[1]).dependencies; for (const n of Object.keys(p)) console.log(n+"@"+p[n])' \
  "$here/package.json" > "$a/VERSIONS"
echo "assets/ updated:"; (cd "$a" && du -ch *.js *.css | tail -1)
