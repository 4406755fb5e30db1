use super::Transcript;
use super::{Composer, Launcher, LeadFormView, MessageList, StatusLine, SuggestionChips};
use crate::conversation::{Conversation, Event, Status};
use crate::embed::Side;
use crate::texts;
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
    let unread = Memo::new(move |_| state.with(|c| c.unread));
    let speaker = Memo::new(move |_| state.with(|c| c.speaker));
    let can_speak = state.with_untracked(|c| c.can_speak);
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

    // Opening the chat puts the cursor in the composer, as people expect of a chat window;
    // closing it gives the focus back to the launcher, so a keyboard user is not left on a
    // hidden element (unless the focus is already elsewhere on the page: a host's own
    // button that called `Docent.close()` keeps it).
    let root_ref = NodeRef::<leptos::html::Div>::new();
    let focus = move |selector: &'static str| {
        request_animation_frame(move || {
            let found = root_ref
                .get_untracked()
                .and_then(|root| root.query_selector(selector).ok().flatten());
            if let Some(el) = found.and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = el.focus();
            }
        });
    };
    Effect::new(move |was_open: Option<bool>| {
        let now_open = open.get();
        if now_open {
            focus(".docent-composer__input");
        } else if was_open == Some(true) {
            let active = document().active_element();
            let root = root_ref.get_untracked();
            let inside = match (&active, &root) {
                (Some(active), Some(root)) => root.contains(Some(active)),
                _ => true,
            };
            if inside || active == document().body().map(Into::into) {
                focus(".docent-launcher");
            }
        }
        now_open
    });
    // Screen readers hear each agent message once, whole, when it is complete: a polite
    // live region of its own gets the finished text (the list itself is no live region, or
    // every streamed token would be read out). Messages already there when the widget
    // appears (a reload) are not read again.
    let finished =
        Memo::new(move |_| state.with(|c| c.last_finished_agent_message().map(|m| m.id)));
    let announcement = RwSignal::new(String::new());
    Effect::new(move |before: Option<Option<u64>>| {
        let id = finished.get();
        if before.is_some_and(|before| before != id) && id.is_some() {
            let said = state.with_untracked(|c| {
                c.last_finished_agent_message().map(|m| {
                    texts::fill(
                        texts::T::AgentSaid,
                        &[
                            ("name", &c.agent_name),
                            ("text", &crate::markdown::plain(&m.text)),
                        ],
                    )
                })
            });
            // Emptied first, so the same words twice are still a change to announce.
            announcement.set(String::new());
            request_animation_frame(move || announcement.set(said.unwrap_or_default()));
        }
        id
    });
    let send = Callback::new(move |text: String| dispatch.run(Event::VisitorSays(text)));
    // A chip picked, or a lead form sent, from the keyboard disappears: the focus goes on to
    // the composer rather than to nowhere. (Not after a tap on a button: that would open a
    // phone's keyboard.)
    let by_keyboard = || {
        document()
            .active_element()
            .is_some_and(|el| el.matches(":focus-visible").unwrap_or(false))
    };
    let pick = Callback::new(move |text: String| {
        let keyboard = by_keyboard();
        send.run(text);
        if keyboard {
            focus(".docent-composer__input");
        }
    });
    let submit_lead = Callback::new(move |values| {
        let keyboard = by_keyboard();
        dispatch.run(Event::LeadSubmitted(values));
        if keyboard {
            focus(".docent-composer__input");
        }
    });
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
    // A non-modal dialog (the page stays usable beside it) whose header is no `<header>`:
    // inside `<body>` that would be a second banner landmark beside the site's own.
    view! {
        <div class=root_class data-testid="docent" data-open=move || open.get().to_string() node_ref=root_ref
            on:keydown=move |ev| {
                if ev.key() == "Escape" && open.get_untracked() && !ev.is_composing() {
                    dispatch.run(Event::Close);
                }
            }>
            <section class="docent-window" data-testid="docent-window" role="dialog"
                aria-label=move || texts::fill(texts::T::ChatWith, &[("name", &agent_name.get())]) hidden=move || !open.get()>
                <div class="docent-header">
                    <span class="docent-header__avatar" aria-hidden="true">
                        {move || agent_name.get().chars().next().unwrap_or('?').to_string()}
                    </span>
                    <span class="docent-header__title" data-testid="docent-title">{agent_name}</span>
                    {can_speak.then(|| view! {
                        <button type="button" class="docent-header__speaker" data-testid="docent-speaker"
                            aria-pressed=move || speaker.get().to_string() aria-label=texts::get(texts::T::ReadAloud)
                            on:click=move |_| dispatch.run(Event::Speaker(!speaker.get_untracked()))>
                            // A loudspeaker, struck through while off.
                            <svg class="docent-header__icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" fill="none"
                                stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
                                <path d="M4 9h4l5-4v14l-5-4H4z"/>
                                <path d=move || if speaker.get() { "M16 9a4 4 0 0 1 0 6" } else { "M16 9l5 6M21 9l-5 6" }/>
                            </svg>
                        </button>
                    })}
                    <button type="button" class="docent-header__end" data-testid="docent-end"
                        hidden=move || !can_end.get() on:click=move |_| dispatch.run(Event::End)>
                        {texts::get(texts::T::EndChat)}
                    </button>
                    <button type="button" class="docent-header__close" aria-label=texts::get(texts::T::CloseChat)
                        data-testid="docent-close" on:click=move |_| dispatch.run(Event::Close)>
                        "×"
                    </button>
                </div>
                <StatusLine status=status notice=notice
                    on_retry=Callback::new(move |()| dispatch.run(Event::Retry))
                    on_start_new=Callback::new(move |()| dispatch.run(Event::StartNew))
                    tour=tour on_stop=Callback::new(move |()| dispatch.run(Event::StopCommands))/>
                <MessageList transcript=transcript typing=typing activity=activity agent_name=agent_name
                    on_retry=Callback::new(move |id| dispatch.run(Event::RetryMessage(id)))/>
                <div class="docent-sr" data-testid="docent-announcer" role="status" aria-atomic="true">
                    {announcement}
                </div>
                <LeadFormView form=lead_form on_submit=submit_lead/>
                <SuggestionChips suggestions=suggestions on_pick=pick/>
                <Composer on_send=send disabled=ended max_chars=max_chars returned=returned/>
            </section>
            <Launcher open=open unread=unread on_toggle=toggle/>
        </div>
    }
}
