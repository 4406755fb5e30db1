use crate::texts;
use leptos::prelude::*;

/// Replies the visitor can send with one click.
#[component]
pub fn SuggestionChips(
    /// The suggested replies, in the agent's order.
    #[prop(into)]
    suggestions: Signal<Vec<String>>,
    /// Called with a chip's text when it is clicked.
    #[prop(into)]
    on_pick: Callback<String>,
) -> impl IntoView {
    view! {
        <div class="docent-chips" data-testid="docent-chips" role="group" aria-label=texts::get(texts::T::SuggestedReplies)
            hidden=move || suggestions.with(Vec::is_empty)>
            <For
                each=move || suggestions.get().into_iter().enumerate()
                key=|(i, text)| (*i, text.clone())
                children=move |(_, text)| {
                    let label = text.clone();
                    view! {
                        <button type="button" class="docent-chip" on:click=move |_| on_pick.run(text.clone())>
                            {label}
                        </button>
                    }
                }
            />
        </div>
    }
}
