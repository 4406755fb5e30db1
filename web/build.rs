//! A 64 KiB stack for the shipped wasm instead of Rust's default 1 MiB: the widget's data
//! then starts at 64 KiB, so a fresh widget's memory is 2 pages (0.125 MiB) rather than 17
//! (docs/SIZE-PLAN.md). Only this cdylib, only on wasm: the docent crate's tests and native
//! builds keep their defaults.
//!
//! How much it needs, measured by reading the stack's bytes after use: 4 KB through a chat with
//! a tour, markdown and the lead form; 25.5 KB for a frame nested as deep as the JSON parser
//! takes (128 levels, about 190 bytes each), the deepest the widget recurses (markdown's spans
//! stop at 6). The chaos test's server sends that frame, and a 16 KiB stack fails it. The
//! stack sits below the data, so an overflow would leave the memory and trap, not overwrite
//! the widget's data.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-cdylib=-zstack-size=65536");
    }
}
