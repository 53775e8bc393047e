#!/usr/bin/env bash
# A new user's first run: `git clone`, `npm ci`, `npm test` in a temporary folder with nothing beside the clone
# (no shared/ folder beside it) and no Chromium (CHROMIUM_PATH names a path that does not exist, so the browser test must skip and
# say why). Fails when the suite fails, or when the browser test did not skip visibly.
#
#   scripts/fresh-clone-test.sh [REPO]   REPO: a git checkout of comply (default: this one); its HEAD is cloned,
#                                        so uncommitted changes are not tested.
set -euo pipefail

fail() { echo "fresh-clone-test: FAILED: $*" >&2; exit 1; }
repo="$(cd "${1:-$(dirname "$0")/..}" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
clone="$work/comply"
start=$(date +%s)

git clone -q "$repo" "$clone"
[ ! -e "$work/shared" ] || fail "$work/shared exists: the clone must have nothing beside it"
cd "$clone"
echo "fresh-clone-test: $clone @ $(git rev-parse --short HEAD), no shared/ beside it, no Chromium"
npm ci --no-audit --no-fund >"$work/npm-ci.log" 2>&1 || { cat "$work/npm-ci.log" >&2; fail "npm ci in the fresh clone"; }
results="$work/results.json"
set +e
env -u COMPLY_REQUIRE_BROWSER CHROMIUM_PATH="$work/no-chromium" \
  npm test -- --reporter=default --reporter=json --outputFile="$results" >"$work/test.log" 2>&1
code=$?
set -e
[ "$code" = 0 ] || { cat "$work/test.log" >&2; fail "npm test in the fresh clone exited $code"; }
grep -q "test/html.test.ts: skipped, no Chromium at CHROMIUM_PATH=$work/no-chromium" "$work/test.log" \
  || { cat "$work/test.log" >&2; fail "the browser test did not print why it skipped"; }
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const html = r.testResults.find((f) => f.name.endsWith("/test/html.test.ts"));
  const states = html ? [...new Set(html.assertionResults.map((t) => t.status))] : [];
  if (!html || states.join() !== "skipped") { console.error(`fresh-clone-test: FAILED: the browser tests were ${states.join() || "not found"}, not skipped`); process.exit(1); }
  console.log(`fresh-clone-test: green in ${process.argv[2]} s (${r.numPassedTests} tests passed; ${r.numPendingTests} skipped, ${html.assertionResults.length} of them the browser test)`);
' "$results" "$(( $(date +%s) - start ))"
