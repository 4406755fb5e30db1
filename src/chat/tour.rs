//! Page commands in the demo iframe: queued, run one after another with a pause a person
//! can follow, on whichever origin the demo is, and stopped when the visitor says so.

//!
//! Only builds with the `page-commands` feature (live-demo's) run them; the others refuse any
//! that reach them, in words (their platforms send none).

use super::Chat;
use crate::conversation::Event;
use docent_protocol::PageCommand;
use std::collections::VecDeque;
#[cfg(feature = "page-commands")]
use {
    crate::browser::*,
    crate::commands::{self, dom},
    wasm_bindgen::JsCast,
    web_sys::HtmlIFrameElement,
};

/// A pause between page commands, so a person can follow what the agent shows.
#[cfg(feature = "page-commands")]
const STEP_PAUSE_MS: i32 = 450;

/// Page commands waiting to run, and whether they are running. `generation` changes when
/// the visitor presses Stop, which tells a running command to give up.
#[derive(Default)]
pub(super) struct Tour {
    pub(super) queue: VecDeque<PageCommand>,
    #[cfg(feature = "page-commands")]
    pub(super) running: bool,
    #[cfg(feature = "page-commands")]
    pub(super) done: usize,
    pub(super) generation: u64,
    #[cfg(feature = "page-commands")]
    pub(super) last_click_ms: f64,
    /// The demo page the visitor was last seen on, so only real navigations are reported.
    #[cfg(feature = "page-commands")]
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
    /// The iframe the agent drives, found afresh each time (the host page may replace it).
    pub(super) fn demo_frame(self) -> Option<HtmlIFrameElement> {
        let selector = self.config.with_value(|c| c.demo_frame.clone());
        let frame = document().query_selector(&selector).ok().flatten()?;
        (frame.tag_name() == "IFRAME").then(|| frame.unchecked_into())
    }

    /// Ends the running page command at its next step and removes the highlight, on
    /// whichever origin the demo is (the widget's own runner is told through the tour's
    /// generation, which `cancelled` reads).
    pub(super) fn stop_demo(self) {
        dom::clear_highlight();
        if let Some(frame) = self.demo_frame() {
            commands::bridge::stop(&frame);
        }
    }

    /// Queues commands; starts the runner unless it is already going.
    pub(super) fn run_commands(self, commands: Vec<PageCommand>) {
        let start = self.tour.try_update_value(|t| {
            t.queue.extend(commands);
            !std::mem::replace(&mut t.running, true)
        });
        if start == Some(true) {
            wasm_bindgen_futures::spawn_local(self.run_tour());
        }
    }

    /// Runs queued commands one after another, each after the previous one finished.
    pub(super) async fn run_tour(self) {
        let generation = self.tour.with_value(|t| t.generation);
        // A destroyed chat's values may already be gone: that cancels too.
        let cancelled = move || {
            self.tour
                .try_with_value(|t| t.generation != generation)
                .unwrap_or(true)
        };
        let allowed = self.config.with_value(|c| c.allowed_origins.clone());
        let mut shown_last = false;
        loop {
            let next = self.tour.try_update_value(|t| {
                let command = t.queue.pop_front()?;
                t.done += 1;
                Some((command, t.done, t.done + t.queue.len()))
            });
            let Some(Some((command, step, total))) = next else {
                break;
            };
            // Only after a step the visitor could see: failed steps show nothing to follow.
            if shown_last {
                dom::sleep(STEP_PAUSE_MS).await;
            }
            if cancelled() {
                break;
            }
            self.dispatch(Event::CommandStarted {
                step,
                total,
                description: commands::describe(&command),
            });
            let result = match self.demo_frame() {
                // A demo on another origin is driven through its bridge script; navigation
                // stays with the widget, which may set any iframe's src.
                Some(frame)
                    if frame.content_document().is_none()
                        && !matches!(command, PageCommand::Navigate { .. }) =>
                {
                    commands::bridge::run(&frame, &command).await
                }
                Some(frame) => dom::run(&frame, &command, &allowed, cancelled).await,
                None => Err("this page has no demo iframe for the agent to use".to_string()),
            };
            shown_last = result.is_ok();
            if let Err(error) = result {
                self.dispatch(Event::CommandFailed {
                    action: command.action().to_string(),
                    selector: command.selector().map(str::to_string),
                    error,
                });
            }
        }
        self.tour.try_update_value(|t| {
            t.running = false;
            t.done = 0;
        });
        self.dispatch(Event::CommandsDone);
        // Commands queued while a Stop was in flight start a fresh run.
        if self.alive() && self.tour.with_value(|t| !t.queue.is_empty()) {
            self.run_commands(Vec::new());
        }
    }
}
