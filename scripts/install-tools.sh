#!/usr/bin/env bash
# Installs the pinned tools, from package registries only, in one of two sets:
#   scripts/install-tools.sh run    what building and running the Worker needs (make dev): the
#                                   wasm32 target, worker-build, wasm-bindgen-cli and the npm
#                                   packages; writes .tools.env.
#   scripts/install-tools.sh test   what only the tests add (make test): clippy and rustfmt,
#                                   cargo-fuzz and Debian's Chromium; writes .tools-test.env.
# They are apart because the test set is most of a bare machine's wait: cargo-fuzz builds for
# minutes and Chromium is a large download, and make dev uses neither.
# Cargo-built tools take minutes to compile, so they live in a per-user cache keyed
# by version (reused across clones and CI runs) and are only built when missing.
# Prints nothing but progress; exits non-zero when something cannot be installed.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS_DIR="${EIP_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/edge-image-proxy/tools}"

# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock to the patch
# version, or the generated JS glue does not fit the Wasm module.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}
worker_build_version() {
  awk '/^name = "worker"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

cargo_tool() { # crate version binary
  local crate=$1 version=$2 bin=$3 root="$TOOLS_DIR/$1-$2"
  if [ ! -x "$root/bin/$bin" ]; then
    echo "install-tools: building $crate $version into $root (once per machine)" >&2
    # Not --locked: these crates' lockfiles pin versions that no longer build on
    # current toolchains; the version itself is pinned.
    cargo install --quiet --root "$root" --version "=$version" "$crate"
  fi
  echo "$root/bin/$bin"
}

install_run_tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    echo "install-tools: rustup target add wasm32-unknown-unknown" >&2
    rustup target add wasm32-unknown-unknown >&2
  fi

  local wasm_bindgen_bin worker_build_bin
  wasm_bindgen_bin=$(cargo_tool wasm-bindgen-cli "$(wasm_bindgen_version)" wasm-bindgen)
  worker_build_bin=$(cargo_tool worker-build "$(worker_build_version)" worker-build)

  if [ ! -x node_modules/.bin/wrangler ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    # Not `npm ci`: the lockfile holds only the platform packages this registry serves (no
    # macOS or Windows builds of workerd), which `npm ci` calls out of sync. `npm install
    # --no-save` installs from the same lockfile and leaves it as it is.
    echo "install-tools: npm install (from package-lock.json)" >&2
    npm install --no-save --no-audit --no-fund --loglevel=error >&2
  fi

  # The file the Makefile sources: where each tool is.
  cat > .tools.env <<ENV
WASM_BINDGEN_BIN=$wasm_bindgen_bin
WORKER_BUILD_BIN=$worker_build_bin
WASM_BINDGEN_TEST_RUNNER=$(dirname "$wasm_bindgen_bin")/wasm-bindgen-test-runner
ENV
}

install_test_tools() {
  for component in clippy rustfmt; do
    if ! rustup component list --installed | grep -q "^$component"; then
      echo "install-tools: rustup component add $component" >&2
      rustup component add "$component" >&2
    fi
  done

  # Fuzzing (make fuzz, make fuzz-smoke); runs on stable with --sanitizer none.
  local cargo_fuzz_bin
  cargo_fuzz_bin=$(cargo_tool cargo-fuzz 0.13.2 cargo-fuzz)

  # The browser tests drive Debian's Chromium (playwright-core never downloads a browser here).
  if [ ! -x /usr/bin/chromium ]; then
    echo "install-tools: apt-get install chromium" >&2
    local sudo_if_needed=""
    [ "$(id -u)" -eq 0 ] || sudo_if_needed="sudo"
    $sudo_if_needed apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo_if_needed apt-get install -y -qq chromium >&2
  fi

  cat > .tools-test.env <<ENV
CARGO_FUZZ_BIN=$cargo_fuzz_bin
ENV
}

case "${1:-}" in
  run) install_run_tools ;;
  test) install_test_tools ;;
  *)
    echo "usage: scripts/install-tools.sh run|test" >&2
    exit 2
    ;;
esac
