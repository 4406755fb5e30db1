//! Page commands in the demo iframe: handed to `tour.js`, which runs them one after another
//! with a pause a person can follow, on whichever origin the demo is, and stops when the
//! visitor says so; it asks the widget what each step is called, why one failed, and
//! whether a navigation may go where it leads (the protocol's rule).
//!
//! Only builds with the `page-commands` feature (live-demo's) run them; the others refuse any
//! that reach them, in words (their platforms send none).

use super::Chat;
use crate::conversation::Event;
use docent_protocol::PageCommand;
#[cfg(feature = "page-commands")]
use {
    crate::commands::{self, runner, runner::tell},
    wasm_bindgen::closure::Closure,
};

/// Whether commands are running (what the visitor does in the demo meanwhile is the
/// agent's doing, not theirs), and what the demo watch last saw.
#[cfg(feature = "page-commands")]
#[derive(Default)]
pub(super) struct Tour {
    pub(super) running: bool,
    pub(super) last_click_ms: f64,
    /// The demo page the visitor was last seen on, so only real navigations are reported.
    pub(super) last_url: Option<String>,
}

#[cfg(not(feature = "page-commands"))]
impl Chat {
    /// This build's platform sends no page commands; should any reach it (another tab's
    /// note), each is refused in words, none dropped unsaid.
    pub(super) fn run_commands(self, commands: Vec<PageCommand>) {
        for command in commands {
            self.dispatch(Event::CommandFailed {
                action: command.action().to_string(),
                selector: command.selector().map(str::to_string),
                error: "this chat's platform cannot drive a demo".to_string(),
            });
        }
        self.dispatch(Event::CommandsDone);
    }

    pub(super) fn stop_demo(self) {}
}

#[cfg(feature = "page-commands")]
impl Chat {
    /// The selector of the iframe the agent drives (the host page's `data-demo-frame`).
    pub(super) fn demo_selector(self) -> String {
        self.config.with_value(|c| c.demo_frame.clone())
    }

    /// Ends the running page command at its next step, drops the queued ones and removes
    /// the highlight, on whichever origin the demo is.
    pub(super) fn stop_demo(self) {
        runner::stop(&self.demo_selector());
    }

    /// Queues commands behind any still running (`tour.js` runs them); the widget says what
    /// each step is called and why one failed, and whether a navigation may go where it
    /// leads.
    pub(super) fn run_commands(self, commands: Vec<PageCommand>) {
        if commands.is_empty() {
            // Nothing to run (another tab's note may carry none): the tour is not waited for.
            self.dispatch(Event::CommandsDone);
            return;
        }
        let allowed = self.config.with_value(|c| c.allowed_origins.clone());
        let frame = self.demo_selector();
        let lines: Vec<String> = commands.iter().map(|c| c.to_json().to_json()).collect();
        // `index`: the command's place in this batch, as `tour.js` hands it back.
        let told = move |kind: u8, step: u32, total: u32, index: u32, text: Option<String>| {
            let text = text.unwrap_or_default();
            if kind == tell::OVER {
                self.tour.try_update_value(|t| t.running = false);
                self.dispatch(Event::CommandsDone);
                return None;
            }
            if kind == tell::MAY_NAVIGATE {
                return commands::navigation_refused(&text, &allowed);
            }
            let command = commands.get(index as usize)?;
            if kind == tell::STARTED {
                self.tour.try_update_value(|t| t.running = true);
                self.dispatch(Event::CommandStarted {
                    step: step as usize,
                    total: total as usize,
                    description: commands::describe(command),
                });
            } else {
                self.dispatch(Event::CommandFailed {
                    action: command.action().to_string(),
                    selector: command.selector().map(str::to_string),
                    error: commands::failure_sentence(command, &text),
                });
            }
            None
        };
        let told =
            Closure::<dyn FnMut(u8, u32, u32, u32, Option<String>) -> Option<String>>::new(told);
        self.tour.try_update_value(|t| t.running = true);
        runner::run(&frame, &lines.join("\n"), &told.into_js_value());
    }
}
