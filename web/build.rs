//! A 16 KiB stack for the shipped wasm instead of Rust's default 1 MiB: the widget's data
//! then starts at 16 KiB, so a fresh widget's memory is 1 page (64 KiB) rather than 17, and
//! the widget opens in it (docs/SIZE-PLAN.md). Only this cdylib, only on wasm: the docent
//! crate's tests and native builds keep their defaults.
//!
//! How much it needs, measured by reading the stack's bytes after use: 4 KB, the same at the
//! start, through a chat with a tour, markdown and the lead form, and through the chaos
//! test's malformed frames, one nested as deep as the JSON parser takes (128 levels) and one
//! far deeper. The parser does not recurse (protocol/src/json.rs); when it did, that frame
//! took 25.4 KB of stack and a 16 KiB stack failed the chaos test. Markdown's spans stop at
//! 6 levels. The stack sits below the data, so an overflow would leave the memory and trap,
//! not overwrite the widget's data.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-cdylib=-zstack-size=16384");
    }
}
