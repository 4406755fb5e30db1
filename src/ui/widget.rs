use super::Transcript;
use super::{Composer, Launcher, LeadFormView, MessageList, StatusLine, SuggestionChips};
use crate::conversation::{Conversation, Event, Status};
use crate::embed::Side;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The whole widget: the launcher, and the chat window when it is open. It reads the
/// conversation and hands every visitor action to `dispatch`; it knows nothing of how the
/// chat carries them out (the shell, `crate::chat`, depends on the UI, not the reverse).
#[component]
pub fn ChatWidget(
    state: RwSignal<Conversation>,
    transcript: Transcript,
    side: Side,
    dispatch: Callback<Event>,
) -> impl IntoView {
    // Memos, so a change to one part of the conversation re-renders only what shows it.
    let open = Memo::new(move |_| state.with(|c| c.open));
    let agent_name = Memo::new(move |_| state.with(|c| c.agent_name.clone()));
    let status = Memo::new(move |_| state.with(|c| c.status.clone()));
    let notice = Memo::new(move |_| state.with(|c| c.notice.clone()));
    let typing = Memo::new(move |_| state.with(|c| c.typing));
    let max_chars = state.with_untracked(|c| c.platform.max_text_chars);
    let activity = Memo::new(move |_| state.with(|c| c.activity.clone()));
    let returned = Memo::new(move |_| state.with(|c| c.returned_text.clone()));
    let suggestions = Memo::new(move |_| {
        state.with(|c| {
            if c.can_send() {
                c.suggestions.clone()
            } else {
                vec![]
            }
        })
    });
    let tour = Memo::new(move |_| state.with(|c| c.tour.clone()));
    let lead_form = Memo::new(move |_| state.with(|c| c.lead_form.clone()));
    let ended = Memo::new(move |_| state.with(|c| matches!(c.status, Status::Ended { .. })));
    let can_end = Memo::new(move |_| state.with(|c| c.session.is_some()));

    // Opening the chat puts the cursor in the composer, as people expect of a chat window.
    let window_ref = NodeRef::<leptos::html::Section>::new();
    Effect::new(move |_| {
        if open.get() {
            request_animation_frame(move || {
                let input = window_ref
                    .get_untracked()
                    .and_then(|w| w.query_selector(".docent-composer__input").ok().flatten());
                if let Some(input) = input.and_then(|i| i.dyn_into::<web_sys::HtmlElement>().ok()) {
                    let _ = input.focus();
                }
            });
        }
    });
    let send = Callback::new(move |text: String| dispatch.run(Event::VisitorSays(text)));
    let toggle = Callback::new(move |()| {
        dispatch.run(if open.get_untracked() {
            Event::Close
        } else {
            Event::Open
        })
    });
    let root_class = match side {
        Side::Right => "docent",
        Side::Left => "docent docent--left",
    };
    view! {
        <div class=root_class data-testid="docent" data-open=move || open.get().to_string()>
            <section class="docent-window" data-testid="docent-window" role="dialog" node_ref=window_ref
                on:keydown=move |ev| if ev.key() == "Escape" { dispatch.run(Event::Close) }
                aria-label=move || format!("Chat with {}", agent_name.get()) hidden=move || !open.get()>
                <header class="docent-header">
                    <span class="docent-header__avatar" aria-hidden="true">
                        {move || agent_name.get().chars().next().unwrap_or('?').to_string()}
                    </span>
                    <span class="docent-header__title" data-testid="docent-title">{agent_name}</span>
                    <button type="button" class="docent-header__end" data-testid="docent-end"
                        hidden=move || !can_end.get() on:click=move |_| dispatch.run(Event::End)>
                        "End chat"
                    </button>
                    <button type="button" class="docent-header__close" aria-label="Close chat"
                        on:click=move |_| dispatch.run(Event::Close)>
                        "×"
                    </button>
                </header>
                <StatusLine status=status notice=notice
                    on_retry=Callback::new(move |()| dispatch.run(Event::Retry))
                    on_start_new=Callback::new(move |()| dispatch.run(Event::StartNew))
                    tour=tour on_stop=Callback::new(move |()| dispatch.run(Event::StopCommands))/>
                <MessageList transcript=transcript typing=typing activity=activity agent_name=agent_name
                    on_retry=Callback::new(move |id| dispatch.run(Event::RetryMessage(id)))/>
                <LeadFormView form=lead_form
                    on_submit=Callback::new(move |values| dispatch.run(Event::LeadSubmitted(values)))/>
                <SuggestionChips suggestions=suggestions on_pick=send/>
                <Composer on_send=send disabled=ended max_chars=max_chars returned=returned/>
            </section>
            <Launcher open=open on_toggle=toggle/>
        </div>
    }
}
