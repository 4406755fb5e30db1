use super::dom::{append, closest, hide, make_text, on};
use web_sys::Element;

/// Its markup, for the window's.
pub const HTML: &str = concat!(
    r#"<div class="docent-chips" data-testid="docent-chips" role="group" "#,
    r#"aria-label="{suggested-replies}" hidden></div>"#
);

/// Replies the visitor can send with one click.
pub struct SuggestionChips {
    pub element: Element,
    /// The chips shown, in the agent's order.
    drawn: Option<Vec<String>>,
}

impl SuggestionChips {
    /// The chips' group drawn from [`HTML`] as `element`; `on_pick` is called with a chip's
    /// text when it is clicked.
    pub fn new(element: Element, on_pick: impl Fn(String) + 'static) -> SuggestionChips {
        on(&element, "click", move |ev| {
            if let Some(text) = closest(&ev, ".docent-chip").and_then(|chip| chip.text_content()) {
                on_pick(text);
            }
        });
        SuggestionChips {
            element,
            drawn: None,
        }
    }

    pub fn update(&mut self, suggestions: &[String]) {
        if self.drawn.as_deref() == Some(suggestions) {
            return;
        }
        self.element.set_text_content(None);
        for text in suggestions {
            let chip = make_text(
                "button",
                &[("type", "button"), ("class", "docent-chip")],
                text,
            );
            append(&self.element, &[&chip]);
        }
        hide(&self.element, suggestions.is_empty());
        self.drawn = Some(suggestions.to_vec());
    }
}
