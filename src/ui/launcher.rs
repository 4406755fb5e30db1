use super::dom::{find, hide, say, set};
use crate::texts;
use web_sys::Element;

/// Drawn, not an emoji (emoji fonts are missing on many systems); its path is set by
/// [`Launcher::update`].
pub const HTML: &str = concat!(
    r#"<button type="button" class="docent-launcher" data-testid="docent-launcher">"#,
    r#"<svg class="docent-launcher__icon" width="26" height="26" "#,
    icon!(),
    r#"><path/></svg><span class="docent-launcher__badge" data-testid="docent-unread" "#,
    r#"aria-hidden="true"></span></button>"#
);

/// The round button that opens and closes the chat window.
pub struct Launcher {
    pub element: Element,
    path: Element,
    badge: Element,
    /// What it shows: whether the window is open, and the replies unread.
    drawn: Option<(bool, usize)>,
}

impl Launcher {
    /// The launcher drawn from [`HTML`] as `element`.
    pub fn new(element: Element) -> Launcher {
        let path = find(&element, "path");
        let badge = find(&element, ".docent-launcher__badge");
        Launcher {
            element,
            path,
            badge,
            drawn: None,
        }
    }

    /// `unread`: replies that came while the window was closed: a badge, and in the
    /// launcher's name.
    pub fn update(&mut self, open: bool, unread: usize) {
        if self.drawn == Some((open, unread)) {
            return;
        }
        self.drawn = Some((open, unread));
        set(
            &self.element,
            "aria-expanded",
            if open { "true" } else { "false" },
        );
        let name = match (open, unread) {
            (true, _) => texts::get(texts::T::CloseChat),
            (false, 0) => texts::get(texts::T::OpenChat),
            (false, n) => texts::fill(texts::T::OpenChatUnread, &[("count", &texts::number(n))]),
        };
        set(&self.element, "aria-label", &name);
        let drawing = if open {
            "M6 6l12 12M18 6L6 18"
        } else {
            "M4 5h16v11H9l-5 4z"
        };
        set(&self.path, "d", drawing);
        hide(&self.badge, open || unread == 0);
        // Empty while there is nothing unread (it is hidden then): the first `Intl` number
        // format costs ~30 ms (the locale's data), which is not start-up's to pay.
        match unread {
            0 => say(&self.badge, ""),
            n => say(&self.badge, &texts::number(n)),
        }
    }
}
