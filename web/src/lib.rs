//! The wasm that `docent.js` loads. Only a leaf: the widget and its JS-facing API
//! ([`docent::mount`], [`docent::Widget`]) live in the `docent` crate, which stays an rlib
//! for its tests. A separate cdylib crate keeps full link-time optimisation: the same
//! crate built as both rlib and cdylib came out 24 KB (brotli) bigger.

pub use docent::{mount, Widget};
