use crate::conversation::{lead_field_problem, LeadFormState};
use docent_protocol::{LeadField, LeadFieldKind, LeadForm};
use leptos::prelude::*;

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

/// The agent's request for contact details: one input per field, checked on submit, then
/// a thank-you with the call to action (which opens in a new tab).
#[component]
pub fn LeadFormView(
    #[prop(into)] form: Signal<Option<LeadFormState>>,
    /// Called with `(field name, value)` pairs once every field is valid.
    #[prop(into)]
    on_submit: Callback<Vec<(String, String)>>,
) -> impl IntoView {
    move || {
        form.get().map(|state| {
            if state.submitted {
                view! { <SubmittedLead form=state.form/> }.into_any()
            } else {
                view! { <LeadFields form=state.form on_submit=on_submit/> }.into_any()
            }
        })
    }
}

#[component]
fn LeadFields(form: LeadForm, on_submit: Callback<Vec<(String, String)>>) -> impl IntoView {
    let fields = StoredValue::new(form.fields.clone());
    let values = RwSignal::new(vec![String::new(); form.fields.len()]);
    let problems = RwSignal::new(vec![None::<String>; form.fields.len()]);
    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let found: Vec<Option<String>> = fields.with_value(|fields| {
            values.with(|values| {
                fields
                    .iter()
                    .zip(values)
                    .map(|(f, v)| lead_field_problem(f.kind, &f.label, v))
                    .collect()
            })
        });
        let valid = found.iter().all(Option::is_none);
        problems.set(found);
        if valid {
            let pairs = fields.with_value(|fields| {
                values.with(|values| {
                    fields
                        .iter()
                        .zip(values)
                        .map(|(f, v)| (f.name.clone(), v.trim().to_string()))
                        .collect()
                })
            });
            on_submit.run(pairs);
        }
    };
    let button = form
        .cta_text
        .clone()
        .unwrap_or_else(|| crate::texts::get(crate::texts::T::LeadSend));
    let inputs = form
        .fields
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let id = format!("docent-lead-{}", field.name);
            let error_id = format!("{id}-error");
            view! {
                <div class="docent-lead__field">
                    <label class="docent-lead__label" for=id.clone()>{field.label.clone()}</label>
                    <input
                        class="docent-lead__input"
                        id=id
                        name=field.name.clone()
                        type=input_type(field.kind)
                        autocomplete=autocomplete(field)
                        required=true
                        aria-describedby=error_id.clone()
                        aria-invalid=move || problems.with(|p| p[i].is_some()).to_string()
                        prop:value=move || values.with(|v| v[i].clone())
                        on:input=move |ev| {
                            let value = event_target_value(&ev);
                            values.update(|v| v[i] = value);
                        }
                    />
                    <div class="docent-lead__error" id=error_id role="alert"
                        hidden=move || problems.with(|p| p[i].is_none())>
                        {move || problems.with(|p| p[i].clone())}
                    </div>
                </div>
            }
        })
        .collect_view();
    view! {
        <form class="docent-lead" data-testid="docent-lead" novalidate=true on:submit=submit>
            <p class="docent-lead__intro">"Leave your details and we'll get back to you."</p>
            {inputs}
            <button type="submit" class="docent-lead__submit">{button}</button>
        </form>
    }
}

#[component]
fn SubmittedLead(form: LeadForm) -> impl IntoView {
    let cta = form.cta_url.clone().and_then(|url| {
        // Only web links: an agent must not be able to put a `javascript:` URL in a link.
        let safe = url.starts_with("https://") || url.starts_with("http://");
        safe.then(|| {
            let label = form
                .cta_text
                .clone()
                .unwrap_or_else(|| crate::texts::get(crate::texts::T::LeadContinue));
            view! {
                <a class="docent-lead__cta" href=url target="_blank" rel="noopener noreferrer">
                    {label} " ↗"
                </a>
            }
        })
    });
    view! {
        <div class="docent-lead docent-lead--done" data-testid="docent-lead-done" role="status">
            <p class="docent-lead__thanks">"Thanks! We'll be in touch soon."</p>
            {cta}
        </div>
    }
}
