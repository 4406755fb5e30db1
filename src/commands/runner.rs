//! The widget's way to the JS that drives the demo, `demo.js` (written into the glue):
//! `tour.js`, imported at the first page command, runs the commands one after another and
//! asks the widget for the words and the navigation rule; the watch reports what the visitor
//! does in the demo. In the wasm, the runner, the bridge client and the watch were 3.4 KB of
//! every live-demo visit more than they are now: code that only calls the browser is smaller
//! as JS than as wasm and its glue.

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

/// What `tour.js` tells the widget (`tell`'s first argument).
pub mod tell {
    /// A step starts.
    pub const STARTED: u8 = 0;
    /// It failed; the text is its code.
    pub const FAILED: u8 = 1;
    /// The run is over.
    pub const OVER: u8 = 2;
    /// May a navigation go where the text says (answered with the refusal, or nothing)?
    pub const MAY_NAVIGATE: u8 = 3;
}

#[wasm_bindgen(module = "/src/commands/demo.js")]
extern "C" {
    #[wasm_bindgen(js_name = runTour)]
    fn run_tour(tour: &str, executor: &str, frame: &str, lines: &str, tell: &JsValue);

    /// The visitor pressed Stop (or the chat is going away): the queued commands go, the
    /// running one ends at its next step, the highlight goes.
    #[wasm_bindgen(js_name = stopTour)]
    pub fn stop(frame: &str);

    /// Reports what the visitor does in the demo (`frame`, a selector) as `report(event,
    /// selector, url, action, error)`; returns what stops watching.
    #[wasm_bindgen(js_name = watchDemo)]
    pub fn watch(frame: &str, report: &JsValue) -> js_sys::Function;
}

/// Queues commands (`lines`: their wire form, one a line; JSON escapes every newline inside a
/// string) behind any still running, in the iframe `frame` (a selector, looked up at each
/// step: the host page may replace the iframe). `tell` is called as `tour.js` says.
pub fn run(frame: &str, lines: &str, tell: &JsValue) {
    // Beside demo.js under dist/snippets/ (wasm-bindgen --split-linked-modules); demo.js
    // fetches executor.js, which tour.js imports, beside it rather than after it.
    let tour = wasm_bindgen::link_to!(module = "/src/commands/tour.js");
    let executor = wasm_bindgen::link_to!(module = "/src/commands/executor.js");
    run_tour(&tour, &executor, frame, lines, tell);
}
