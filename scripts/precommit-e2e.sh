#!/usr/bin/env bash
# The pre-commit framework (https://pre-commit.com) end to end, as a user meets it: a scratch repository whose
# .pre-commit-config.yaml points at this repository's commit (`repo:` a local path, `rev:` its HEAD) with
# `hooks: [{ id: comply }]`. pre-commit installs the hook from .pre-commit-hooks.yaml (npm install, npm pack,
# npm install -g of the tarball), then a commit that adds a cross-service import must be refused and a clean commit
# must go through. Exits non-zero with a message naming the step that failed.
#
#   scripts/precommit-e2e.sh [REPO]   REPO: a git checkout of comply (default: this one); its HEAD commit is used,
#                                     so commit first: uncommitted changes are not what pre-commit installs.
# Needs git, node, npm and pre-commit (Debian: apt-get install pre-commit). Prints the time of each step.
set -euo pipefail

fail() { echo "precommit-e2e: FAILED: $*" >&2; exit 1; }
command -v pre-commit >/dev/null 2>&1 || fail "pre-commit is not installed (apt-get install pre-commit, or pipx install pre-commit)"

repo="$(cd "${1:-$(dirname "$0")/..}" && pwd)"
rev="$(git -C "$repo" rev-parse HEAD)" || fail "$repo is not a git checkout"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# a hook environment of our own: installing the hook is part of what is tested, and nothing of the user's is touched
export PRE_COMMIT_HOME="$work/pre-commit-home"
scratch="$work/repo"
log="$work/log"
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f s", b - a }'; }

echo "precommit-e2e: $(pre-commit --version), comply at $repo @ ${rev:0:12}"
git init -q -b main "$scratch"
cd "$scratch"
git config user.name comply-e2e
git config user.email comply-e2e@example.invalid
git config commit.gpgsign false
cat > .pre-commit-config.yaml <<EOF
repos:
  - repo: $repo
    rev: $rev
    hooks: [{ id: comply }]
EOF
cat > compliance.config.json <<'EOF'
{
  "services": {
    "svc_a": { "paths": ["svc_a"] },
    "svc_b": { "paths": ["svc_b"] }
  }
}
EOF
mkdir svc_a svc_b
printf '' > svc_a/__init__.py
printf 'def total(xs):\n    return sum(xs)\n' > svc_a/core.py
printf '' > svc_b/__init__.py
printf 'def handle(request):\n    return request\n' > svc_b/api.py
git add -A
git commit -q -m "two services" # before the hook is installed

pre-commit install >"$log" 2>&1 || { cat "$log" >&2; fail "pre-commit install"; }
t="$(now)"
pre-commit install-hooks >"$log" 2>&1 || { cat "$log" >&2; fail "installing the comply hook (npm install / npm pack / npm install -g)"; }
echo "precommit-e2e: hook environment installed in $(since "$t")"

# a clean commit goes through
printf 'from svc_a.core import total\n\n\ndef mean(xs):\n    return total(xs) / len(xs)\n' > svc_a/stats.py
git add svc_a/stats.py
t="$(now)"
git commit -q -m "clean: svc_a uses its own code" >"$log" 2>&1 || { cat "$log" >&2; fail "a clean commit was refused"; }
echo "precommit-e2e: clean commit passed in $(since "$t")"

# a commit that adds a cross-service import is refused, naming the rule and the file
printf 'import svc_b.api\n\n\ndef forward(r):\n    return svc_b.api.handle(r)\n' > svc_a/bridge.py
git add svc_a/bridge.py
t="$(now)"
if git commit -q -m "bad: svc_a imports svc_b" >"$log" 2>&1; then
  cat "$log" >&2
  fail "a commit adding a cross-service import (svc_a/bridge.py -> svc_b.api) was not refused"
fi
grep -q 'cross-service-import' "$log" && grep -q 'svc_a/bridge.py' "$log" || { cat "$log" >&2; fail "the refused commit's output does not name cross-service-import and svc_a/bridge.py"; }
echo "precommit-e2e: cross-service commit refused in $(since "$t"); the hook said:"
head -n 20 "$log" | sed 's/^/  | /'
[ "$(git rev-list --count HEAD)" = 2 ] || fail "expected 2 commits in the scratch repo, found $(git rev-list --count HEAD)"
echo "precommit-e2e: passed"
