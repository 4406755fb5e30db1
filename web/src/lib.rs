//! The wasm that `docent.js` loads. Only a leaf: the widget and its JS-facing API
//! ([`docent::start`], [`docent::Widget`]) live in the `docent` crate, which stays an rlib
//! for its tests. A separate cdylib crate keeps full link-time optimisation: the same
//! crate built as both rlib and cdylib came out 24 KB (brotli) bigger.

// The allocator is raw memory by nature: the crate's only unsafe code.
#[cfg(any(target_arch = "wasm32", test))]
#[allow(unsafe_code)]
mod heap;

pub use docent::{start, Widget};
