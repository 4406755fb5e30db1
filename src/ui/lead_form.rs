use super::dom::{append, hide, make, make_text, on, say, set};
use crate::conversation::{lead_field_problem, LeadFormState};
use crate::texts;
use docent_protocol::{LeadField, LeadFieldKind, LeadForm};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement};

fn input_type(kind: LeadFieldKind) -> &'static str {
    match kind {
        LeadFieldKind::Email => "email",
        LeadFieldKind::Phone => "tel",
        LeadFieldKind::Url => "url",
        LeadFieldKind::Number => "number",
        LeadFieldKind::Text => "text",
    }
}

fn autocomplete(field: &LeadField) -> &'static str {
    match (field.kind, field.name.as_str()) {
        (LeadFieldKind::Email, _) => "email",
        (LeadFieldKind::Phone, _) => "tel",
        (_, "company") => "organization",
        (_, "name") => "name",
        _ => "off",
    }
}

/// Called with `(field name, value)` pairs once every field is valid.
type OnSubmit = Rc<dyn Fn(Vec<(String, String)>)>;

/// The agent's request for contact details: one input per field, checked on submit, then
/// a thank-you with the call to action (which opens in a new tab). What the visitor typed
/// lives in the inputs.
pub struct LeadFormView {
    /// The element the form (or the thank-you) goes before.
    before: Element,
    on_submit: OnSubmit,
    shown: Option<Element>,
    drawn: Option<Option<LeadFormState>>,
}

impl LeadFormView {
    /// The form goes before `before`; `on_submit` is called with `(field name, value)`
    /// pairs once every field is valid.
    pub fn new(
        before: &Element,
        on_submit: impl Fn(Vec<(String, String)>) + 'static,
    ) -> LeadFormView {
        LeadFormView {
            before: before.clone(),
            on_submit: Rc::new(on_submit),
            shown: None,
            drawn: None,
        }
    }

    pub fn update(&mut self, state: &Option<LeadFormState>) {
        if self.drawn.as_ref() == Some(state) {
            return;
        }
        self.drawn = Some(state.clone());
        if let Some(old) = self.shown.take() {
            old.remove();
        }
        let Some(state) = state else {
            return;
        };
        let shown = if state.submitted {
            submitted(&state.form)
        } else {
            fields(&state.form, self.on_submit.clone())
        };
        if let Some(parent) = self.before.parent_node() {
            let _ = parent.insert_before(&shown, Some(&self.before));
        }
        self.shown = Some(shown);
    }
}

fn fields(form: &LeadForm, on_submit: OnSubmit) -> Element {
    let element = make(
        "form",
        &[
            ("class", "docent-lead"),
            ("data-testid", "docent-lead"),
            ("novalidate", ""),
        ],
    );
    let intro = make_text(
        "p",
        &[("class", "docent-lead__intro")],
        &texts::get(texts::T::LeadIntro),
    );
    append(&element, &[&intro]);
    let mut inputs = Vec::new();
    for field in &form.fields {
        let id = format!("docent-lead-{}", field.name);
        let error_id = format!("{id}-error");
        let row = make("div", &[("class", "docent-lead__field")]);
        let label = make_text(
            "label",
            &[("class", "docent-lead__label"), ("for", &id)],
            &field.label,
        );
        let input = make(
            "input",
            &[
                ("class", "docent-lead__input"),
                ("id", &id),
                ("name", &field.name),
                ("type", input_type(field.kind)),
                ("autocomplete", autocomplete(field)),
                ("required", ""),
                ("aria-describedby", &error_id),
                ("aria-invalid", "false"),
            ],
        );
        let error = make(
            "div",
            &[
                ("class", "docent-lead__error"),
                ("id", &error_id),
                ("role", "alert"),
                ("hidden", ""),
            ],
        );
        append(&row, &[&label, &input, &error]);
        append(&element, &[&row]);
        inputs.push((
            field.clone(),
            input.unchecked_into::<HtmlInputElement>(),
            error,
        ));
    }
    let button = form
        .cta_text
        .clone()
        .unwrap_or_else(|| texts::get(texts::T::LeadSend));
    let submit = make_text(
        "button",
        &[("type", "submit"), ("class", "docent-lead__submit")],
        &button,
    );
    append(&element, &[&submit]);
    on(&element, "submit", move |ev| {
        ev.prevent_default();
        // Every field is checked, and each says what is wrong beside it.
        let mut pairs = Vec::new();
        let mut valid = true;
        for (field, input, error) in &inputs {
            let value = input.value();
            let problem = lead_field_problem(field.kind, &field.label, &value);
            set(
                input,
                "aria-invalid",
                if problem.is_some() { "true" } else { "false" },
            );
            hide(error, problem.is_none());
            say(error, problem.as_deref().unwrap_or_default());
            valid &= problem.is_none();
            pairs.push((field.name.clone(), value.trim().to_string()));
        }
        if valid {
            on_submit(pairs);
        }
    });
    element
}

fn submitted(form: &LeadForm) -> Element {
    let element = make(
        "div",
        &[
            ("class", "docent-lead docent-lead--done"),
            ("data-testid", "docent-lead-done"),
            ("role", "status"),
        ],
    );
    let thanks = make_text(
        "p",
        &[("class", "docent-lead__thanks")],
        "Thanks! We'll be in touch soon.",
    );
    append(&element, &[&thanks]);
    // Only web links: an agent must not be able to put a `javascript:` URL in a link.
    let cta = form
        .cta_url
        .as_deref()
        .filter(|url| url.starts_with("https://") || url.starts_with("http://"));
    if let Some(url) = cta {
        let label = form
            .cta_text
            .clone()
            .unwrap_or_else(|| texts::get(texts::T::LeadContinue));
        let link = make_text(
            "a",
            &[
                ("class", "docent-lead__cta"),
                ("href", url),
                ("target", "_blank"),
                ("rel", "noopener noreferrer"),
            ],
            &(label + " ↗"),
        );
        append(&element, &[&link]);
    }
    element
}
