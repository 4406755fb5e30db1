#!/bin/sh
# Where one platform's wasm spends its bytes: builds it as `cargo xtask dist` does but keeps
# the function names (wasm-bindgen --keep-debug, wasm-opt -g: the same code as shipped, plus a
# names section; the import and export names stay wasm-bindgen's long ones, which the shipped
# build shortens), runs twiggy, and groups by crate and by Docent's modules.
#   sh tests/bench/attribute.sh [live-demo|aui|amigo]
# Needs twiggy (`cargo install twiggy --locked`); run from the workspace root.
set -eu
dialect=${1:-live-demo}
out=target/bench/attribution-$dialect
mkdir -p "$out"
cargo build --release --lib -p docent-web --target wasm32-unknown-unknown --no-default-features --features "$dialect"
wasm-bindgen --target web --no-typescript --split-linked-modules --keep-debug --out-name named \
  --out-dir "$out" target/wasm32-unknown-unknown/release/docent_web.wasm
node_modules/.bin/wasm-opt -Os -g --zero-filled-memory --low-memory-unused --strip-producers --strip-target-features --enable-bulk-memory --enable-reference-types \
  --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-multivalue \
  --output "$out/named_bg.wasm" "$out/named_bg.wasm"
twiggy top -n 1000000 --format csv "$out/named_bg.wasm" > "$out/top.csv"
twiggy dominators -d 2 -r 40 "$out/named_bg.wasm" > "$out/dominators.txt"
node tests/bench/attribute.mjs "$out/top.csv"
