use super::dom::{find, flag, hide, on, say, set};
use crate::conversation::check_visitor_text;
use crate::texts;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlTextAreaElement};

/// Its markup, for the window's ([`super::dom::markup`] fills in the words).
pub const HTML: &str = concat!(
    r#"<form class="docent-composer" data-testid="docent-composer">"#,
    r#"<textarea class="docent-composer__input" data-testid="docent-input" rows="1" "#,
    r#"placeholder="{type-a-message}" aria-label="{message}" aria-invalid="false"></textarea>"#,
    r#"<button type="submit" class="docent-composer__send" data-testid="docent-send" "#,
    r#"aria-label="{send-message}">{send}</button>"#,
    r#"<div class="docent-composer__hint" role="alert" hidden></div>"#,
    r#"<div class="docent-composer__count" hidden></div></form>"#
);

/// Where the visitor types. Enter sends, Shift+Enter starts a new line; empty or oversized
/// text is refused with a reason and stays in the box, so nothing typed is lost. The text
/// being typed lives in the box itself.
pub struct Composer {
    input: HtmlTextAreaElement,
    send: Element,
    count: Element,
    /// The refused message last given back (its id), so it is put in the box once.
    returned: Option<u64>,
    disabled: bool,
}

impl Composer {
    /// The composer drawn from [`HTML`] as `element`. `on_send` is called with the trimmed
    /// text when the visitor sends; `max` is the longest message the platform takes, in
    /// characters.
    pub fn new(element: Element, max: usize, on_send: impl Fn(String) + 'static) -> Composer {
        let input: HtmlTextAreaElement = find(&element, "textarea").unchecked_into();
        let send = find(&element, ".docent-composer__send");
        let hint = find(&element, ".docent-composer__hint");
        let count = find(&element, ".docent-composer__count");

        let on_send = std::rc::Rc::new(on_send);
        let send_it = {
            let (input, hint, count) = (input.clone(), hint.clone(), count.clone());
            let on_send = on_send.clone();
            move || match check_visitor_text(&input.value(), max) {
                Ok(message) => {
                    show_problem(&input, &hint, None);
                    input.set_value("");
                    show_count(&count, &input, max);
                    on_send(message);
                }
                Err(reason) => show_problem(&input, &hint, Some(&reason)),
            }
        };
        let send_now = send_it.clone();
        on(&element, "submit", move |ev| {
            ev.prevent_default();
            send_now();
        });
        on(&input, "keydown", move |ev| {
            let key: &web_sys::KeyboardEvent = ev.unchecked_ref();
            // While an input method is composing, Enter confirms the composition.
            if key.key() == "Enter" && !key.shift_key() && !key.is_composing() {
                ev.prevent_default();
                send_it();
            }
        });
        let (typed, counted) = (input.clone(), count.clone());
        on(&input, "input", move |_| {
            show_problem(&typed, &hint, None);
            show_count(&counted, &typed, max);
        });
        Composer {
            input,
            send,
            count,
            returned: None,
            disabled: false,
        }
    }

    /// `disabled`: the chat cannot take messages now (it ended). `returned`: a message the
    /// platform refused comes back here, to be changed and sent again.
    pub fn update(&mut self, disabled: bool, returned: &Option<(u64, String)>, max: usize) {
        if disabled != self.disabled {
            self.disabled = disabled;
            flag(&self.input, "disabled", disabled);
            flag(&self.send, "disabled", disabled);
        }
        if let Some((id, text)) = returned {
            if self.returned != Some(*id) {
                self.returned = Some(*id);
                self.input.set_value(text);
                show_count(&self.count, &self.input, max);
            }
        }
    }
}

/// "1,850 / 2,000" once the text is near the platform's limit.
fn show_count(count: &Element, input: &HtmlTextAreaElement, max: usize) {
    let typed = input.value().chars().count();
    let near = typed > max * 9 / 10;
    hide(count, !near);
    if near {
        say(
            count,
            &format!("{} / {}", texts::number(typed), texts::number(max)),
        );
    }
}

fn show_problem(input: &HtmlTextAreaElement, hint: &Element, problem: Option<&str>) {
    set(
        input,
        "aria-invalid",
        if problem.is_some() { "true" } else { "false" },
    );
    hide(hint, problem.is_none());
    say(hint, problem.unwrap_or_default());
}
