//! What the visitor sees: DOM nodes made once and kept in step with the conversation
//! ([`View::update`] after every change). The views read the conversation and call back
//! with events; none of them knows a wire format. Every element carries a documented
//! `docent-…` class (see style/docent.css).
//!
//! Written against `web_sys` directly, without a UI framework: the widget's dozen views
//! are small, and a framework's renderer and reactive graph cost every visitor about a
//! third of the wasm (docs/SIZE-PLAN.md, step 7).

/// The attributes of every icon, for the markup: a 24-unit box, stroked in the text colour.
macro_rules! icon {
    () => {
        r#"viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round""#
    };
}

mod composer;
mod dom;
mod launcher;
mod lead_form;
mod message_list;
mod rich_text;
mod status_line;
mod suggestion_chips;
pub mod transcript;
mod widget;

use composer::Composer;
use launcher::Launcher;
use lead_form::LeadFormView;
pub use message_list::should_follow;
use message_list::MessageList;
use status_line::{Action, StatusLine};
use suggestion_chips::SuggestionChips;
pub use widget::View;
