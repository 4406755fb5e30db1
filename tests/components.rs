//! Browser tests of the views (wasm-bindgen-test in headless Chromium): each mounts the
//! widget's [`View`] for a conversation into a fresh element, changes the conversation or
//! acts as a visitor would, and asserts on what a visitor would see and on the events the
//! view hands to the chat.
#![cfg(target_arch = "wasm32")]

use docent::conversation::{
    Author, Conversation, Delivery, Event, LeadFormState, Message, Notice, Status, TourStep,
};
use docent::embed::Side;
use docent::texts::explain;
use docent::ui::View;
use docent_protocol::{ErrorCode, LeadField, LeadForm};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

/// The site's title for the chat, as the widget's default (`embed::Config`).
const TITLE: &str = "Chat with us";

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A widget on the page, open and connected, showing `c`, and the events it handed on.
struct Shown {
    host: HtmlElement,
    view: View,
    c: Conversation,
    events: Rc<RefCell<Vec<Event>>>,
}

impl Shown {
    fn new(prepare: impl FnOnce(&mut Conversation)) -> Shown {
        let mut c = Conversation::new("Ava");
        c.open = true;
        c.status = Status::Connected;
        prepare(&mut c);
        let host: HtmlElement = document().create_element("div").unwrap().unchecked_into();
        document().body().unwrap().append_child(&host).unwrap();
        let events = Rc::new(RefCell::new(Vec::new()));
        let heard = events.clone();
        let view = View::mount(&host, Side::Right, TITLE, &c, move |e| {
            heard.borrow_mut().push(e)
        });
        Shown {
            host,
            view,
            c,
            events,
        }
    }

    /// Changes the conversation and shows the change.
    fn change(&mut self, change: impl FnOnce(&mut Conversation)) {
        change(&mut self.c);
        self.view.update(&self.c);
    }

    fn events(&self) -> Vec<Event> {
        self.events.borrow().clone()
    }
}

/// Lets the browser run what the view scheduled (a frame's scroll, focus) and lay out.
async fn settle() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 50)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

fn find(host: &Element, selector: &str) -> Element {
    host.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector} in {}", host.inner_html()))
}

fn find_all(host: &Element, selector: &str) -> Vec<Element> {
    let list = host.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into())
        .collect()
}

fn text(el: &Element) -> String {
    el.text_content().unwrap_or_default()
}

/// The text of each message's bubble in the list, in order.
fn bubble_texts(host: &Element) -> Vec<String> {
    find_all(
        host,
        "[data-testid='docent-message'] .docent-message__bubble",
    )
    .iter()
    .map(text)
    .collect()
}

fn visible(el: &Element) -> bool {
    !el.has_attribute("hidden")
}

fn bubbling(kind: &str) -> web_sys::Event {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    web_sys::Event::new_with_event_init_dict(kind, &init).unwrap()
}

fn type_into(el: &Element, value: &str) {
    if let Some(area) = el.dyn_ref::<HtmlTextAreaElement>() {
        area.set_value(value);
    } else {
        el.unchecked_ref::<HtmlInputElement>().set_value(value);
    }
    el.dispatch_event(&bubbling("input")).unwrap();
}

fn press_enter(el: &Element, shift: bool) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key("Enter");
    init.set_shift_key(shift);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    el.dispatch_event(&event).unwrap();
}

fn click(el: &Element) {
    el.unchecked_ref::<HtmlElement>().click();
}

/// The `<img>` and `<b>` of a test's words that look like markup were not made elements.
fn assert_no_markup_rendered(host: &Element) {
    assert!(
        host.query_selector("img").unwrap().is_none(),
        "markup was rendered"
    );
    assert!(
        host.query_selector("b").unwrap().is_none(),
        "markup was rendered"
    );
}

fn message(id: u64, author: Author, text: &str) -> Message {
    Message {
        id,
        author,
        text: text.into(),
        speech: None,
        delivery: Delivery::Sent,
        at_ms: 0.0,
        client_id: None,
        attempts: 0,
        rewrites: 0,
        products: Vec::new(),
    }
}

#[wasm_bindgen_test]
fn the_window_is_named_after_the_title_until_the_agent_has_a_name() {
    let mut w = Shown::new(|c| c.agent_name = TITLE.into());
    let window = find(&w.host, "[data-testid='docent-window']");
    assert_eq!(window.get_attribute("aria-label").as_deref(), Some(TITLE));
    w.change(|c| c.agent_name = "Ava".into());
    assert_eq!(
        window.get_attribute("aria-label").as_deref(),
        Some("Chat with Ava")
    );
}

#[wasm_bindgen_test]
async fn composer_sends_on_enter_keeps_shift_enter_and_refuses_empty_text() {
    let w = Shown::new(|_| ());
    let host = &w.host;
    let input = find(host, "[data-testid='docent-input']");

    press_enter(&input, false);
    settle().await;
    assert!(w.events().is_empty(), "empty text was sent");
    let hint = find(host, ".docent-composer__hint");
    assert!(visible(&hint));
    assert_eq!(text(&hint), "Type a message first.");

    type_into(&input, "line one");
    press_enter(&input, true);
    settle().await;
    assert!(w.events().is_empty(), "Shift+Enter sent the message");

    type_into(&input, "  Show me the dashboard  ");
    press_enter(&input, false);
    settle().await;
    assert_eq!(
        w.events(),
        [Event::VisitorSays("Show me the dashboard".into())]
    );
    assert_eq!(
        input.unchecked_ref::<HtmlTextAreaElement>().value(),
        "",
        "box cleared after sending"
    );
    assert!(!visible(&find(host, ".docent-composer__hint")));
}

#[wasm_bindgen_test]
async fn composer_refuses_oversized_text_and_keeps_it() {
    let w = Shown::new(|_| ());
    let host = &w.host;
    let input = find(host, "[data-testid='docent-input']");
    let huge = "y".repeat(docent::conversation::MAX_VISITOR_CHARS + 5);
    type_into(&input, &huge);
    settle().await;
    assert!(text(&find(host, ".docent-composer__count")).contains("4,005 / 4,000"));
    click(&find(host, "[data-testid='docent-send']"));
    settle().await;
    assert!(w.events().is_empty());
    assert!(text(&find(host, ".docent-composer__hint")).contains("limit is 4,000"));
    assert_eq!(
        input.unchecked_ref::<HtmlTextAreaElement>().value(),
        huge,
        "the text is kept"
    );
}

/// A message the platform refused comes back into the box, once, to be changed; an ended
/// chat's box and button are disabled.
#[wasm_bindgen_test]
async fn a_refused_message_comes_back_to_the_box_and_an_ended_chat_takes_no_text() {
    let mut w = Shown::new(|_| ());
    let input = find(&w.host, "[data-testid='docent-input']");
    w.change(|c| c.returned_text = Some((4, "too long text".into())));
    assert_eq!(
        input.unchecked_ref::<HtmlTextAreaElement>().value(),
        "too long text"
    );
    type_into(&input, "shorter");
    w.change(|c| c.typing = true);
    assert_eq!(
        input.unchecked_ref::<HtmlTextAreaElement>().value(),
        "shorter",
        "the same refusal was put back over what the visitor typed"
    );
    w.change(|c| {
        c.status = Status::Ended {
            reason: "The chat ended.".into(),
        }
    });
    assert!(input.has_attribute("disabled"));
    assert!(find(&w.host, "[data-testid='docent-send']").has_attribute("disabled"));
}

#[wasm_bindgen_test]
async fn agent_text_is_shown_as_text_never_as_markup() {
    let attack = "<img src=x onerror=\"window.__docentPwned=1\"><b>bold</b>";
    let w = Shown::new(|c| {
        c.messages = vec![
            message(1, Author::Agent, attack),
            message(2, Author::Visitor, "hi"),
        ]
    });
    let host = &w.host;
    settle().await;
    let rows = find_all(host, "[data-testid='docent-message']");
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0].get_attribute("data-author").as_deref(),
        Some("agent")
    );
    assert_eq!(
        rows[1].get_attribute("data-author").as_deref(),
        Some("visitor")
    );
    assert_eq!(text(&rows[0]), attack);
    assert_no_markup_rendered(host);
}

/// The window is drawn from the widget's own markup with the site's words in it
/// (`data-text-<name>`): words that look like markup are shown as they were written, in the
/// text and in the attributes, and nothing of them becomes an element or an attribute.
#[wasm_bindgen_test]
async fn the_sites_words_in_the_window_are_text_never_markup() {
    let send = "<img src=x onerror=\"window.__docentPwned=1\">Go & see";
    let label = "Type \"here\" <b>please</b>";
    assert!(docent::texts::set("send", send));
    assert!(docent::texts::set("type-a-message", label));
    let w = Shown::new(|_| {});
    docent::texts::reset();
    let host = &w.host;
    settle().await;
    assert_eq!(text(&find(host, "[data-testid='docent-send']")), send);
    let input = find(host, "[data-testid='docent-input']");
    assert_eq!(input.get_attribute("placeholder").as_deref(), Some(label));
    assert_no_markup_rendered(host);
    assert!(
        !input.has_attribute("here"),
        "an attribute was made of the words"
    );
    // Every part the view keeps was found in the markup, and works.
    type_into(&input, "hello");
    press_enter(&input, false);
    assert_eq!(w.events(), vec![Event::VisitorSays("hello".into())]);
}

/// A site that puts the widget inside a `<form>` of its own: the composer is still a form
/// of its own that sends (the markup is parsed apart from the page; parsed in place, the
/// browser would drop a form inside a form, and the composer with it).
#[wasm_bindgen_test]
async fn inside_a_sites_form_the_composer_is_still_a_form_that_sends() {
    let form = document().create_element("form").unwrap();
    document().body().unwrap().append_child(&form).unwrap();
    let host = document().create_element("div").unwrap();
    form.append_child(&host).unwrap();
    let mut c = Conversation::new("Ava");
    c.open = true;
    c.status = Status::Connected;
    let events = Rc::new(RefCell::new(Vec::new()));
    let heard = events.clone();
    let _view = View::mount(&host, Side::Right, TITLE, &c, move |e| {
        heard.borrow_mut().push(e)
    });
    settle().await;
    let input = find(&host, "[data-testid='docent-input']");
    let composer = input.closest("form").unwrap().unwrap();
    assert_eq!(
        composer.get_attribute("data-testid").as_deref(),
        Some("docent-composer")
    );
    type_into(&input, "hello");
    press_enter(&input, false);
    assert_eq!(*events.borrow(), vec![Event::VisitorSays("hello".into())]);
    form.remove();
}

/// An agent's markdown streamed a byte at a time ends as the same nodes as the whole text
/// shown at once (the open tail is taken away and redrawn at each piece, never left behind),
/// the paragraph first drawn is still the one shown, and links get only safe targets.
#[wasm_bindgen_test]
async fn streamed_markdown_ends_as_the_whole_text_drawn_at_once() {
    let whole = "Hi **there**, see [docs](https://x.io) and [bad](javascript:alert(1)).\n\n\
                 - one *two*\n- `three`\n\n```\n<b>x</b>\n```\n3. go\n4. on **half";
    let mut streamed = Shown::new(|c| c.messages = vec![message(1, Author::Agent, "")]);
    let at_once = Shown::new(|c| c.messages = vec![message(1, Author::Agent, whole)]);
    let mut first_paragraph = None;
    for end in 1..=whole.len() {
        streamed.change(|c| c.messages[0].text = whole[..end].to_string());
        if first_paragraph.is_none() && end > 20 {
            first_paragraph = streamed.host.query_selector("p").unwrap();
        }
    }
    settle().await;
    let html = |w: &Shown| find(&w.host, ".docent-message__text").inner_html();
    assert_eq!(html(&streamed), html(&at_once));
    assert!(html(&at_once).contains("<ol start=\"3\"><li>go</li><li>on **half</li></ol>"));
    assert_eq!(
        streamed.host.query_selector("p").unwrap(),
        first_paragraph,
        "the first paragraph was drawn again"
    );
    let links = find_all(&streamed.host, ".docent-message a");
    assert_eq!(links.len(), 1);
    assert_eq!(
        links[0].get_attribute("href").as_deref(),
        Some("https://x.io")
    );
    assert_eq!(
        links[0].get_attribute("rel").as_deref(),
        Some("noopener noreferrer")
    );
    assert_eq!(links[0].get_attribute("target").as_deref(), Some("_blank"));
    assert!(
        streamed.host.query_selector("b").unwrap().is_none(),
        "markup was rendered"
    );
}

#[wasm_bindgen_test]
async fn a_message_that_could_not_be_delivered_offers_retry() {
    let mut w = Shown::new(|c| {
        let mut failed = message(7, Author::Visitor, "lost");
        failed.delivery = Delivery::Failed;
        let mut waiting = message(8, Author::Visitor, "waiting");
        waiting.delivery = Delivery::Pending;
        c.messages = vec![failed, waiting];
    });
    let host = w.host.clone();
    let rows = find_all(&host, "[data-testid='docent-message']");
    assert!(rows[0].class_name().contains("docent-message--failed"));
    assert!(text(&rows[0]).contains("Not delivered."));
    assert!(rows[1].class_name().contains("docent-message--pending"));
    assert!(text(&rows[1]).contains("Waiting to send…"));
    assert_eq!(find_all(&host, ".docent-message__retry").len(), 1);
    click(&find(&host, ".docent-message__retry"));
    assert_eq!(w.events(), [Event::RetryMessage(7)]);
    // Delivered after all: the row says nothing more.
    w.change(|c| c.messages[1].delivery = Delivery::Sent);
    assert!(!rows[1].class_name().contains("docent-message--pending"));
    assert!(!text(&rows[1]).contains("Waiting to send…"));
    assert_eq!(
        find_all(&host, "[data-testid='docent-message']")[1],
        rows[1],
        "the row was drawn again"
    );
}

#[wasm_bindgen_test]
async fn a_message_that_may_not_have_arrived_offers_send_again() {
    let w = Shown::new(|c| {
        let mut unsure = message(9, Author::Visitor, "maybe");
        unsure.delivery = Delivery::Unconfirmed;
        c.messages = vec![unsure];
    });
    let host = &w.host;
    let row = find(host, "[data-testid='docent-message']");
    assert!(row.class_name().contains("docent-message--failed"));
    assert!(text(&row).contains("May not have been delivered."));
    let button = find(host, ".docent-message__retry");
    assert_eq!(text(&button), "Send again");
    click(&button);
    assert_eq!(w.events(), [Event::RetryMessage(9)]);
}

/// A failed message's line changes its words in place: the button the keyboard is on stays.
#[wasm_bindgen_test]
async fn a_message_found_not_delivered_keeps_its_button_and_the_focus() {
    let mut w = Shown::new(|c| {
        let mut unsure = message(9, Author::Visitor, "maybe");
        unsure.delivery = Delivery::Unconfirmed;
        c.messages = vec![unsure];
    });
    let button = find(&w.host, ".docent-message__retry");
    button.unchecked_ref::<HtmlElement>().focus().unwrap();
    w.change(|c| c.messages[0].delivery = Delivery::Failed);
    let row = find(&w.host, "[data-testid='docent-message']");
    assert!(text(&row).contains("Not delivered."), "{}", text(&row));
    assert_eq!(find(&w.host, ".docent-message__retry"), button);
    assert_eq!(text(&button), "Retry");
    assert_eq!(document().active_element(), Some(button));
}

#[wasm_bindgen_test]
async fn typing_indicator_shows_while_the_agent_types() {
    let mut w = Shown::new(|_| ());
    let indicator = find(&w.host, "[data-testid='docent-typing']");
    assert!(!visible(&indicator));
    w.change(|c| c.typing = true);
    assert!(visible(&indicator));
    // Said to screen readers by a visually hidden text in the status region (a label on an
    // empty live region is not announced).
    assert_eq!(indicator.get_attribute("role").as_deref(), Some("status"));
    assert_eq!(text(&find(&indicator, ".docent-sr")), "Ava is typing");
}

#[wasm_bindgen_test]
async fn the_list_follows_new_messages_unless_the_visitor_scrolled_up() {
    let mut w = Shown::new(|c| {
        c.messages = (1..=30)
            .map(|i| message(i, Author::Agent, &format!("message {i}")))
            .collect()
    });
    let list: HtmlElement = find(&w.host, "[data-testid='docent-messages']").unchecked_into();
    list.style().set_property("height", "120px").unwrap();
    list.style().set_property("overflow-y", "auto").unwrap();
    list.style().set_property("display", "block").unwrap();
    w.change(|c| c.messages.push(message(31, Author::Agent, "new")));
    settle().await;
    let bottom = |l: &HtmlElement| l.scroll_height() - l.client_height();
    assert!(bottom(&list) > 0, "the list must overflow for this test");
    assert!(
        (list.scroll_top() - bottom(&list)).abs() <= 1,
        "did not follow to the bottom"
    );

    list.set_scroll_top(0);
    list.dispatch_event(&web_sys::Event::new("scroll").unwrap())
        .unwrap();
    settle().await;
    w.change(|c| c.messages.push(message(32, Author::Agent, "another")));
    settle().await;
    assert_eq!(list.scroll_top(), 0, "a visitor who scrolled up was moved");

    // A move up between a new message and the frame that would scroll to it: it stays.
    list.set_scroll_top(list.scroll_height());
    list.dispatch_event(&web_sys::Event::new("scroll").unwrap())
        .unwrap();
    settle().await;
    w.change(|c| c.messages.push(message(33, Author::Agent, "one more")));
    list.set_scroll_top(10);
    list.dispatch_event(&web_sys::Event::new("scroll").unwrap())
        .unwrap();
    settle().await;
    assert_eq!(
        list.scroll_top(),
        10,
        "the frame's scroll undid the visitor's move up"
    );
}

/// A long conversation keeps at most 150 rows on screen while the visitor follows along
/// (the oldest go, 100 stay); the button above them brings the older ones back, in order,
/// and they are kept up to date meanwhile; a visitor reading further up loses no row.
#[wasm_bindgen_test]
async fn a_long_conversation_keeps_few_rows_on_screen_and_brings_the_older_back() {
    let said = |range: std::ops::Range<u64>| -> Vec<Message> {
        range
            .map(|i| message(i, Author::Agent, &format!("message {i}")))
            .collect()
    };
    let mut w = Shown::new(|c| c.messages = said(0..150));
    let earlier = find(&w.host, "[data-testid='docent-earlier']");
    assert_eq!(bubble_texts(&w.host).len(), 150, "150 fit: none goes");
    assert!(!visible(&earlier));

    w.change(|c| c.messages.extend(said(150..151)));
    let expected: Vec<String> = (51..151).map(|i| format!("message {i}")).collect();
    assert_eq!(bubble_texts(&w.host), expected, "the newest 100, in order");
    assert!(visible(&earlier));
    assert_eq!(text(&earlier), "Show earlier messages");
    // A row off screen is still kept up to date.
    w.change(|c| c.messages[3].text = "message 3, edited".into());

    click(&earlier);
    let mut all: Vec<String> = (0..151).map(|i| format!("message {i}")).collect();
    all[3] = "message 3, edited".into();
    assert_eq!(bubble_texts(&w.host), all, "every row back, in order");
    assert!(!visible(&earlier));

    // Reading further up (from the bottom): nothing goes, however many come.
    let list: HtmlElement = find(&w.host, "[data-testid='docent-messages']").unchecked_into();
    list.style().set_property("height", "120px").unwrap();
    list.style().set_property("overflow-y", "auto").unwrap();
    list.style().set_property("display", "block").unwrap();
    list.set_scroll_top(list.scroll_height());
    settle().await;
    list.set_scroll_top(0);
    settle().await;
    w.change(|c| c.messages.extend(said(151..260)));
    assert_eq!(bubble_texts(&w.host).len(), 260);
    assert!(!visible(&earlier));
    w.host.remove();
}

#[wasm_bindgen_test]
async fn a_long_conversation_keeps_the_row_with_the_focus_on_screen() {
    let said = |range: std::ops::Range<u64>| -> Vec<Message> {
        range
            .map(|i| match i {
                10 => message(
                    i,
                    Author::Agent,
                    "message 10, [the docs](https://example.com/docs)",
                ),
                _ => message(i, Author::Agent, &format!("message {i}")),
            })
            .collect()
    };
    let focused = || document().active_element();
    let mut w = Shown::new(|c| c.messages = said(0..150));
    let link: HtmlElement = find(&w.host, "[data-testid='docent-message'] a").unchecked_into();
    link.focus().unwrap();
    assert_eq!(focused().as_ref(), Some(link.as_ref()));

    w.change(|c| c.messages.extend(said(150..151)));
    let shown = bubble_texts(&w.host);
    assert_eq!(
        shown.len(),
        141,
        "only the rows before the focused one went"
    );
    assert_eq!(shown[0], "message 10, the docs");
    assert_eq!(focused().as_ref(), Some(link.as_ref()), "the focus stayed");

    // Once the focus is elsewhere, a later batch takes that row too.
    link.blur().unwrap();
    w.change(|c| c.messages.extend(said(151..161)));
    let expected: Vec<String> = (61..161).map(|i| format!("message {i}")).collect();
    assert_eq!(bubble_texts(&w.host), expected);
    w.host.remove();
}

#[wasm_bindgen_test]
async fn a_suggestion_chip_sends_its_text_and_no_chips_hide_the_row() {
    let mut w =
        Shown::new(|c| c.suggestions = vec!["Create a deal".into(), "Show contacts".into()]);
    let chips = find_all(&w.host, ".docent-chip");
    assert_eq!(
        chips.iter().map(text).collect::<Vec<_>>(),
        ["Create a deal", "Show contacts"]
    );
    click(&chips[1]);
    assert_eq!(w.events(), [Event::VisitorSays("Show contacts".into())]);
    w.change(|c| c.suggestions = vec![]);
    assert!(!visible(&find(&w.host, "[data-testid='docent-chips']")));
}

fn lead_form() -> LeadForm {
    LeadForm {
        fields: vec![
            LeadField::from_name("email"),
            LeadField::from_name("company"),
        ],
        cta_text: Some("Start Free Trial".into()),
        cta_url: Some("https://example.com/signup".into()),
    }
}

#[wasm_bindgen_test]
async fn the_lead_form_checks_its_fields_and_submits_valid_values() {
    let w = Shown::new(|c| {
        c.lead_form = Some(LeadFormState {
            form: lead_form(),
            submitted: false,
        })
    });
    let host = &w.host;
    let inputs = find_all(host, ".docent-lead__input");
    let types: Vec<_> = inputs
        .iter()
        .map(|i| i.get_attribute("type").unwrap())
        .collect();
    assert_eq!(types, ["email", "text"]);
    assert_eq!(
        text(&find(host, ".docent-lead__submit")),
        "Start Free Trial"
    );

    type_into(&inputs[0], "not-an-email");
    click(&find(host, ".docent-lead__submit"));
    settle().await;
    assert!(w.events().is_empty(), "an invalid lead was submitted");
    let errors: Vec<_> = find_all(host, ".docent-lead__error")
        .into_iter()
        .filter(visible)
        .map(|e| text(&e))
        .collect();
    assert_eq!(
        errors,
        [
            "Enter an email address like name@company.com.",
            "Company is required."
        ]
    );
    assert_eq!(
        inputs[0].get_attribute("aria-invalid").as_deref(),
        Some("true")
    );

    type_into(&inputs[0], "ada@acme.io");
    type_into(&inputs[1], "Acme");
    click(&find(host, ".docent-lead__submit"));
    settle().await;
    assert_eq!(
        w.events(),
        [Event::LeadSubmitted(vec![
            ("email".to_string(), "ada@acme.io".to_string()),
            ("company".to_string(), "Acme".to_string())
        ])]
    );
}

#[wasm_bindgen_test]
async fn a_submitted_lead_thanks_the_visitor_and_offers_the_call_to_action_in_a_new_tab() {
    let mut w = Shown::new(|c| {
        c.lead_form = Some(LeadFormState {
            form: lead_form(),
            submitted: true,
        })
    });
    let link = find(&w.host, ".docent-lead__cta");
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("https://example.com/signup")
    );
    assert_eq!(link.get_attribute("target").as_deref(), Some("_blank"));
    assert!(link.get_attribute("rel").unwrap().contains("noopener"));

    let mut hostile = lead_form();
    hostile.cta_url = Some("javascript:alert(1)".into());
    w.change(|c| {
        c.lead_form = Some(LeadFormState {
            form: hostile,
            submitted: true,
        })
    });
    assert!(
        w.host
            .query_selector(".docent-lead__cta")
            .unwrap()
            .is_none(),
        "a javascript: link was offered"
    );
    assert_eq!(
        find_all(&w.host, "[data-testid='docent-lead-done']").len(),
        1
    );
}

#[wasm_bindgen_test]
async fn the_status_line_says_each_state_in_plain_words_with_the_action_that_helps() {
    let mut w = Shown::new(|_| ());
    let host = w.host.clone();
    let line = find(&host, "[data-testid='docent-status']");
    assert!(!visible(&line), "nothing to say while connected");

    w.change(|c| c.status = Status::Reconnecting { in_ms: 4_000 });
    assert!(text(&line).contains("Reconnecting in 4 s"));
    click(&find(&host, ".docent-status__action"));
    assert_eq!(w.events(), [Event::Retry]);

    let reason = explain(&ErrorCode::InvalidToken).to_string();
    w.change(|c| {
        c.status = Status::Ended {
            reason: reason.clone(),
        }
    });
    assert!(text(&line).contains(&reason));
    assert!(line.class_name().contains("docent-status--error"));
    let action = find(&host, ".docent-status__action");
    assert_eq!(text(&action), "Start a new chat");
    click(&action);
    assert_eq!(w.events()[1..], [Event::StartNew]);

    w.change(|c| {
        c.status = Status::Connected;
        c.notice = Some(Notice {
            text: explain(&ErrorCode::UnknownType),
        });
    });
    assert!(visible(&line));
    assert_eq!(text(&line), explain(&ErrorCode::UnknownType));
    assert!(
        host.query_selector(".docent-status__action")
            .unwrap()
            .is_none(),
        "an action offered where none helps"
    );

    w.change(|c| {
        c.tour = Some(TourStep {
            step: 2,
            total: 3,
            doing: "Showing you the pipeline chart…".into(),
        })
    });
    assert!(text(&line).starts_with("Step 2 of 3 · Showing you the pipeline chart…"));
    let stop = find(&host, ".docent-status__action");
    assert_eq!(text(&stop), "Stop");
    click(&stop);
    assert_eq!(w.events()[2..], [Event::StopCommands]);

    // The next step of the tour leaves the focus on Stop, for a visitor on the keyboard.
    stop.unchecked_ref::<HtmlElement>().focus().unwrap();
    w.change(|c| {
        c.tour = Some(TourStep {
            step: 3,
            total: 3,
            doing: "Highlighting the chart…".into(),
        })
    });
    assert!(text(&line).starts_with("Step 3 of 3"));
    assert_eq!(document().active_element(), Some(stop));
}

/// A removed widget (destroy) keeps no listener: its elements answer nothing.
#[wasm_bindgen_test]
async fn a_removed_view_hands_on_nothing() {
    let w = Shown::new(|c| c.suggestions = vec!["Create a deal".into()]);
    let chip = find(&w.host, ".docent-chip");
    let launcher = find(&w.host, "[data-testid='docent-launcher']");
    w.view.remove();
    assert!(w
        .host
        .query_selector("[data-testid='docent']")
        .unwrap()
        .is_none());
    click(&chip);
    click(&launcher);
    settle().await;
    assert!(w.events().is_empty(), "{:?}", w.events());
}

#[wasm_bindgen_test]
async fn the_launcher_says_whether_the_chat_is_open() {
    let mut w = Shown::new(|c| c.open = false);
    let button = find(&w.host, "[data-testid='docent-launcher']");
    let badge = find(&w.host, "[data-testid='docent-unread']");
    assert_eq!(
        button.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
    assert!(
        badge.has_attribute("hidden"),
        "no badge without unread replies"
    );
    assert!(
        w.host
            .query_selector("[data-testid='docent-window']")
            .unwrap()
            .is_none(),
        "the window was built before the chat was first opened"
    );
    w.change(|c| c.unread = 2);
    assert!(!badge.has_attribute("hidden"));
    assert_eq!(text(&badge), "2");
    assert_eq!(
        button.get_attribute("aria-label").as_deref(),
        Some("Open chat (2 new)")
    );
    click(&button);
    assert_eq!(w.events(), [Event::Open]);
    w.change(|c| {
        c.open = true;
        c.unread = 0;
    });
    assert_eq!(
        button.get_attribute("aria-expanded").as_deref(),
        Some("true")
    );
    assert_eq!(
        button.get_attribute("aria-label").as_deref(),
        Some("Close chat")
    );
    let window = find(&w.host, "[data-testid='docent-window']");
    assert!(visible(&window));
    click(&button);
    assert_eq!(w.events()[1..], [Event::Close]);
    w.change(|c| c.open = false);
    assert!(!visible(&window), "a closed window still shows");
    w.change(|c| c.open = true);
    assert_eq!(
        find_all(&w.host, "[data-testid='docent-window']").len(),
        1,
        "the window was built again"
    );
}
