//! A 128 KiB stack for the shipped wasm instead of Rust's default 1 MiB: the widget's data
//! then starts at 128 KiB, so a fresh widget's memory is 0.88 MiB smaller and addresses are
//! shorter (docs/SIZE-PLAN.md). Only this cdylib, only on wasm: the docent crate's tests and
//! native builds keep their defaults. Nothing recurses deeper than serde_json's nesting limit
//! (128) and markdown's span depth (6); the bench runs 2,000 messages on it.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-cdylib=-zstack-size=131072");
    }
}
