#!/usr/bin/env bash
# Runs the official MCP conformance suite: the server scenarios (`--strict`: warnings fail too)
# against the fixture server built from examples/conformance-server.ts, then the client
# scenarios against the fixture client built from examples/conformance-client.ts (warnings fail
# client scenarios too).
# The runner scripts live in ../shared/conformance/ (beside the project in every session and
# in CI); they install the suite and a Node 22 for it into ~/.cache/mcp-conformance on first use.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${MCP_CONFORMANCE_DIR:-$root/../shared/conformance}"
[[ -f "$shared/run-server-suite.sh" ]] || { echo "conformance: $shared/run-server-suite.sh not found (set MCP_CONFORMANCE_DIR)" >&2; exit 2; }
[[ -f "$root/dist/conformance-server.js" && -f "$root/dist/conformance-client.js" ]] || { echo "conformance: build first (npm run build)" >&2; exit 2; }
bash "$shared/run-server-suite.sh" --strict --suite all "$@" "node $root/dist/conformance-server.js --port {port}"
# Every client scenario of the suite (26: the core ones and the 22 auth/* ones), one at a time.
exec bash "$shared/run-client-suite.sh" "node $root/dist/conformance-client.js"
