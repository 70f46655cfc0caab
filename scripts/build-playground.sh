#!/usr/bin/env bash
# Builds the playground into web/pkg: stsim compiled to WebAssembly
# (crates/stsim-wasm) and wasm-bindgen's JavaScript glue. Then serve web/
# with any static server, e.g. `python3 -m http.server -d web 8000`.
#
# Needs the wasm32-unknown-unknown target and wasm-bindgen-cli of the same
# version as the wasm-bindgen crate (installed here if missing: a few
# minutes the first time).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=0.2.130 # = the wasm-bindgen pin in crates/stsim-wasm/Cargo.toml

rustup target add wasm32-unknown-unknown >/dev/null
if ! wasm-bindgen --version 2>/dev/null | grep -q " $VERSION\$"; then
  cargo install wasm-bindgen-cli --version "$VERSION"
fi
cargo build --manifest-path crates/stsim-wasm/Cargo.toml --release --target wasm32-unknown-unknown
wasm-bindgen --target web --no-typescript --out-dir web/pkg \
  crates/stsim-wasm/target/wasm32-unknown-unknown/release/stsim_wasm.wasm
echo "built web/pkg ($(du -h web/pkg/stsim_wasm_bg.wasm | cut -f1) of WebAssembly)"
