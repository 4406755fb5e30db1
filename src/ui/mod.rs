//! Leptos components. They read signals and emit callbacks; none of them knows a wire format.
//! Every element carries a documented `docent-…` class (see style/docent.css).

mod composer;
mod launcher;
mod lead_form;
mod message_list;
mod rich_text;
mod status_line;
mod suggestion_chips;
pub mod transcript;
mod widget;

pub use composer::Composer;
pub use launcher::Launcher;
pub use lead_form::LeadFormView;
pub use message_list::{should_follow, MessageList};
pub use status_line::StatusLine;
pub use suggestion_chips::SuggestionChips;
pub use transcript::Transcript;
pub use widget::ChatWidget;
