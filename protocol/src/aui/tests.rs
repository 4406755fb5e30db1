use super::client::{self, relay_close, AuiDecoder, RelayTask};
use super::*;
use crate::dialect::{
    ClientDialect, CloseKind, Decoder, SessionHandle, Settings, Start, StartFailure,
};
use crate::model::{AgentEvent, VisitorAction};
use serde_json::json;

fn update(text: &str) -> String {
    ServerFrame::TextUpdated(text.into()).to_json()
}

fn deltas(decoder: &mut AuiDecoder, frame: &str) -> Vec<String> {
    decoder
        .decode(frame)
        .unwrap()
        .into_iter()
        .map(|event| match event {
            AgentEvent::TextDelta(text) => text,
            other => panic!("expected a delta, got {other:?}"),
        })
        .collect()
}

fn final_frame(text: &str) -> String {
    json!({"id": "m1", "created_at": "2026-03-09T14:22:01.000Z", "text": text,
        "options": [], "variants_options": [], "followup_suggestions": ["More?"]})
    .to_string()
}

#[test]
fn cumulative_text_becomes_only_the_new_part() {
    let mut d = AuiDecoder::default();
    assert_eq!(deltas(&mut d, &update("I found")), ["I found"]);
    assert_eq!(deltas(&mut d, &update("I found several")), [" several"]);
    assert_eq!(
        deltas(&mut d, &update("I found several built-in microwaves")),
        [" built-in microwaves"]
    );
}

#[test]
fn five_thousand_growing_updates_each_pass_on_only_their_new_part() {
    let mut d = AuiDecoder::default();
    let mut cumulative = String::new();
    let mut rebuilt = String::new();
    for i in 0..5_000 {
        // Multi-byte pieces too: a delta must never split a character.
        let piece = if i % 7 == 0 {
            format!("é{i}ü ")
        } else {
            format!("w{i} ")
        };
        cumulative.push_str(&piece);
        let got = deltas(&mut d, &update(&cumulative));
        assert_eq!(got, std::slice::from_ref(&piece), "update {i}");
        rebuilt.push_str(&got[0]);
    }
    assert_eq!(rebuilt, cumulative);
}

#[test]
fn a_repeated_or_shorter_update_passes_nothing_on() {
    let mut d = AuiDecoder::default();
    assert_eq!(deltas(&mut d, &update("Hello there")), ["Hello there"]);
    // A resend of the same state.
    assert!(deltas(&mut d, &update("Hello there")).is_empty());
    // A stale, shorter state arriving late.
    assert!(deltas(&mut d, &update("Hello")).is_empty());
    // Streaming resumes from what was passed on, not from the stale text.
    assert_eq!(deltas(&mut d, &update("Hello there, friend")), [", friend"]);
}

#[test]
fn a_correction_pauses_streaming_until_the_text_extends_what_was_shown_or_the_reply_ends() {
    let mut d = AuiDecoder::default();
    assert_eq!(
        deltas(&mut d, &update("The Bosch costs 300")),
        ["The Bosch costs 300"]
    );
    // The agent rewrites its text: nothing can be taken back, so nothing is passed on…
    assert!(deltas(&mut d, &update("The Siemens costs 350")).is_empty());
    assert!(deltas(&mut d, &update("The Siemens costs 350 euros")).is_empty());
    // …and the final message carries the corrected reply, which replaces the streamed one.
    let events = d
        .decode(&final_frame("The Siemens costs 350 euros."))
        .unwrap();
    let [AgentEvent::Message(message)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(message.text, "The Siemens costs 350 euros.");
    // The next reply streams from scratch.
    assert_eq!(deltas(&mut d, &update("Next")), ["Next"]);
}

#[test]
fn the_final_message_ends_the_stream_and_the_next_reply_starts_fresh() {
    let mut d = AuiDecoder::default();
    assert_eq!(deltas(&mut d, &update("Here")), ["Here"]);
    let events = d.decode(&final_frame("Here it is.")).unwrap();
    assert!(matches!(events.as_slice(), [AgentEvent::Message(m)] if m.suggestions == ["More?"]));
    assert_eq!(deltas(&mut d, &update("Here")), ["Here"]);
}

#[test]
fn every_connection_gets_a_fresh_decoder() {
    let aui = Aui::new();
    let mut first = aui.decoder();
    first.decode(&update("Half a repl")).unwrap();
    // The connection dropped mid-reply; the server sends the reply again from the start.
    let mut second = aui.decoder();
    assert_eq!(
        second.decode(&update("Half a reply")).unwrap(),
        [AgentEvent::TextDelta("Half a reply".into())]
    );
    // The old decoder's state is its own.
    assert_eq!(
        first.decode(&update("Half a reply")).unwrap(),
        [AgentEvent::TextDelta("y".into())]
    );
}

#[test]
fn frames_that_cannot_be_read_get_typed_errors() {
    let mut d = AuiDecoder::default();
    type IsExpected = fn(&DecodeError) -> bool;
    let cases: [(&str, IsExpected); 9] = [
        ("{oops", |e| matches!(e, DecodeError::NotJson(_))),
        ("[1,2]", |e| matches!(e, DecodeError::NotAnObject)),
        ("\"text\"", |e| matches!(e, DecodeError::NotAnObject)),
        ("{}", |e| matches!(e, DecodeError::MissingType)),
        (r#"{"event": 5}"#, |e| matches!(e, DecodeError::MissingType)),
        (
            r#"{"event": "thread-created"}"#,
            |e| matches!(e, DecodeError::UnknownType(n) if n == "thread-created"),
        ),
        (
            r#"{"event": "thread-message-text-content-updated"}"#,
            |e| matches!(e, DecodeError::BadField { message_type, .. } if message_type == TEXT_UPDATED),
        ),
        (
            r#"{"status_code": "401"}"#,
            |e| matches!(e, DecodeError::BadField { message_type, .. } if message_type == "error"),
        ),
        (
            r#"{"id": "m1", "text": 7}"#,
            |e| matches!(e, DecodeError::BadField { message_type, .. } if message_type == FINAL_MESSAGE),
        ),
    ];
    for (frame, is_expected) in cases {
        let error = d.decode(frame).unwrap_err();
        assert!(is_expected(&error), "{frame}: {error:?}");
        assert!(!error.to_string().is_empty());
    }
}

#[test]
fn an_error_payload_on_the_socket_becomes_an_error_event() {
    let mut d = AuiDecoder::default();
    let frame = r#"{"status_code": 400, "description": "Bad request", "message": "Flagged",
        "extra_data": {"moderation_category": "violence", "text": "..."}}"#;
    let events = d.decode(frame).unwrap();
    let [AgentEvent::Error(error)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(error.code, ErrorCode::MessageRejected);
    assert_eq!(error.message, "Flagged");
    assert!(!error.retryable && !error.fatal);

    let internal =
        r#"{"status_code": 500, "description": "Internal", "message": "", "extra_data": null}"#;
    let events = d.decode(internal).unwrap();
    let [AgentEvent::Error(error)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(error.code, ErrorCode::Other(codes::SERVER_ERROR.into()));
    assert_eq!(error.message, "Internal", "falls back to the description");
    assert!(error.retryable);
}

#[test]
fn errors_are_looked_for_before_data() {
    // Seed 000's "error-first handling": a frame with a status code is an error, whatever
    // else it carries.
    let frame = json!({"event": TEXT_UPDATED, "data": {"text": "partial"}, "status_code": 500,
        "description": "Internal", "message": "boom", "extra_data": {}});
    assert!(matches!(
        ServerFrame::parse(&frame.to_string()),
        Ok(ServerFrame::Error(ErrorPayload {
            status_code: 500,
            ..
        }))
    ));
}

#[test]
fn rest_errors_are_read_by_their_shape() {
    assert_eq!(
        RestError::parse(401, r#"{"detail": "Not authenticated"}"#),
        RestError::NotAuthenticated("Not authenticated".into())
    );
    let validation = RestError::parse(
        422,
        r#"{"detail": [{"loc": ["body", "task_id"], "msg": "field required", "type": "value_error.missing"}]}"#,
    );
    let error = validation.to_agent_error(422);
    assert_eq!(error.code, ErrorCode::Other(codes::INVALID_REQUEST.into()));
    assert_eq!(error.message, "body.task_id: field required");
    let moderation = RestError::parse(
        400,
        r#"{"status_code": 400, "description": "d", "message": "m", "extra_data": {"moderation_category": "hate"}}"#,
    );
    assert!(
        matches!(&moderation, RestError::Application(p) if p.moderation_category() == Some("hate"))
    );
    assert_eq!(RestError::parse(502, "<html>"), RestError::Status(502));
    assert!(RestError::Status(502).to_agent_error(502).retryable);
    assert!(RestError::parse(401, "{}").to_agent_error(401).fatal);
}

#[test]
fn a_close_reason_may_carry_the_error_payload() {
    let reason = r#"{"status_code": 401, "description": "Not authenticated", "message": "Invalid API key", "extra_data": {}}"#;
    let error = close_reason(reason).unwrap();
    assert_eq!(
        error.code,
        ErrorCode::Other(codes::NOT_AUTHENTICATED.into())
    );
    assert!(error.fatal);
    assert_eq!(close_reason("Policy Violation"), None);
}

fn parameter(title: &str, value: Value, kind: &str) -> WidgetParameter {
    WidgetParameter {
        title: title.into(),
        value,
        kind: kind.into(),
    }
}

#[test]
fn an_option_becomes_a_product_card() {
    let option = ProductOption {
        is_recommended: true,
        widget_parameters: vec![
            parameter("Name", json!("Bosch BFL524MS0"), "text"),
            parameter("Price", json!(299.99), "number"),
            parameter("Image", json!("https://shop.example/bosch.jpg"), "image"),
            parameter("Link", json!("/products/bosch"), "url"),
            parameter("Capacity", json!("20 l"), "text"),
            parameter("Colours", json!(["black", "steel", 3]), "list"),
            parameter("Grill", json!(true), "bool"),
            parameter("Empty", json!(""), "text"),
            parameter("Nothing", Value::Null, "text"),
            parameter("Old price", json!("349"), "price"),
        ],
    };
    let product = option.to_product();
    assert_eq!(product.title.as_deref(), Some("Bosch BFL524MS0"));
    assert_eq!(product.price.as_deref(), Some("299.99"));
    assert_eq!(
        product.image_url.as_deref(),
        Some("https://shop.example/bosch.jpg")
    );
    assert_eq!(product.url.as_deref(), Some("/products/bosch"));
    assert!(product.recommended);
    let specs: Vec<(&str, &str)> = product
        .parameters
        .iter()
        .map(|p| (p.label.as_str(), p.value.as_str()))
        .collect();
    assert_eq!(
        specs,
        [
            ("Capacity", "20 l"),
            ("Colours", "black, steel, 3"),
            ("Grill", "Yes"),
            ("Old price", "349")
        ]
    );
}

#[test]
fn links_that_could_run_code_never_reach_a_card() {
    for bad in [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,x",
        "//evil.example/x",
        "bosch.jpg",
        "https://a b",
    ] {
        let product = ProductOption {
            widget_parameters: vec![
                parameter("img", json!(bad), "image"),
                parameter("url", json!(bad), "link"),
            ],
            ..ProductOption::default()
        }
        .to_product();
        assert_eq!(product.image_url, None, "{bad}");
        assert_eq!(product.url, None, "{bad}");
        assert!(product.parameters.is_empty(), "{bad}");
    }
    assert_eq!(
        safe_url("HTTPS://x.example/a").as_deref(),
        Some("HTTPS://x.example/a")
    );
}

#[test]
fn an_option_with_nothing_still_makes_a_card() {
    let message: ExternalTaskMessage = serde_json::from_value(json!({
        "text": "One", "options": [{}, {"is_recommended": null, "widget_parameters": null}],
        "variants_options": null, "followup_suggestions": null, "id": null
    }))
    .unwrap();
    let products = message.products();
    assert_eq!(products.len(), 2);
    assert_eq!(products[0], Product::default());
}

#[test]
fn variants_go_to_the_recommended_option_or_stand_alone() {
    let option = |recommended: bool, name: &str| {
        json!({"is_recommended": recommended,
            "widget_parameters": [{"title": "Name", "value": name, "type": "title"}]})
    };
    let message: ExternalTaskMessage = serde_json::from_value(json!({
        "text": "t",
        "options": [option(false, "A"), option(true, "B")],
        "variants_options": [option(false, "B black"), [option(false, "B steel")], "B white", 7]
    }))
    .unwrap();
    let products = message.products();
    assert!(products[0].variants.is_empty());
    let names: Vec<_> = products[1]
        .variants
        .iter()
        .map(|v| v.title.clone().unwrap())
        .collect();
    assert_eq!(names, ["B black", "B steel", "B white"]);

    let alone: ExternalTaskMessage = serde_json::from_value(json!({
        "text": "t", "variants_options": [option(false, "Only")]
    }))
    .unwrap();
    assert_eq!(alone.products()[0].title.as_deref(), Some("Only"));
}

#[test]
fn paths_escape_what_they_carry() {
    assert_eq!(
        list_tasks_path("user 1", 2, 10),
        "/api/v1/external/tasks?user_id=user%201&page=2&size=10"
    );
    assert_eq!(
        message_history_path("t/1"),
        "/api/v1/external/tasks/t%2F1/messages"
    );
    assert_eq!(
        upstream_socket_url(GCP_BASE, "k=y"),
        "wss://data-services.aui.io/api/ia-controller/api/v1/external/session?network_api_key=k%3Dy"
    );
    assert_eq!(
        upstream_socket_url("http://127.0.0.1:9/", "k"),
        "ws://127.0.0.1:9/api/v1/external/session?network_api_key=k"
    );
    assert_eq!(
        client::socket_path("t 1", "a.b+c"),
        "/relay/aui/session?task_id=t%201&token=a.b%2Bc"
    );
}

#[test]
fn history_reads_an_array_or_an_object_with_messages() {
    let one = final_frame("hi");
    assert_eq!(parse_message_history(&format!("[{one}]")).unwrap().len(), 1);
    assert_eq!(
        parse_message_history(&format!(r#"{{"messages": [{one}, {one}]}}"#))
            .unwrap()
            .len(),
        2
    );
    assert!(matches!(
        parse_message_history(r#"[{"text": 1}]"#),
        Err(DecodeError::BadField { .. })
    ));
    assert!(parse_message_history("7").is_err());
}

#[test]
fn context_carries_the_page_and_the_lead() {
    assert_eq!(message_context(None, &[]), None);
    assert_eq!(message_context(Some(""), &[]), None);
    // In the seed's order: the page, then the lead's details in the form's order.
    assert_eq!(
        message_context(
            Some("https://shop.example/p"),
            &[
                ("email".into(), "a@b.co".into()),
                ("budget".into(), "300".into())
            ]
        )
        .unwrap()
        .to_json(),
        r#"{"url":"https://shop.example/p","lead_details":{"email":"a@b.co","budget":"300"}}"#
    );
    assert_eq!(
        message_context(None, &[("email".into(), "a@b.co".into())])
            .unwrap()
            .to_json(),
        r#"{"lead_details":{"email":"a@b.co"}}"#
    );
    // A name given twice is one member, with the last value (as a JSON object has it).
    assert_eq!(
        message_context(
            None,
            &[
                ("email".into(), "a@b.co".into()),
                ("budget".into(), "300".into()),
                ("email".into(), "c@d.co".into())
            ]
        )
        .unwrap()
        .to_json(),
        r#"{"lead_details":{"budget":"300","email":"c@d.co"}}"#
    );
}

fn settings(key: &str) -> Settings {
    Settings {
        product_id: "microwaves".into(),
        key: key.into(),
        options: vec![("user-id".into(), "visitor-7".into())],
    }
}

fn started(aui: &Aui) -> SessionHandle {
    let body = serde_json::to_string(&RelayTask {
        task_id: "68e78d0dc5a4b19a030d03d6".into(),
        token: "tok.en".into(),
        expires_in: Some(900),
        welcome_message: Some("Hi! Looking for an appliance?".into()),
        followup_suggestions: vec!["Microwaves".into()],
        renewed: false,
    })
    .unwrap();
    let started = aui.started(200, &body).unwrap();
    assert!(!started.resumed);
    let greeting = started.greeting.unwrap();
    assert_eq!(greeting.text, "Hi! Looking for an appliance?");
    assert_eq!(greeting.suggestions, ["Microwaves"]);
    started.session
}

#[test]
fn a_session_starts_with_a_call_to_the_relay() {
    let aui = Aui::new();
    assert!(matches!(
        aui.start(&settings(" ")),
        Start::Refused(StartFailure::BadSetting(_))
    ));
    let Start::Call(call) = aui.start(&settings("pk_live_site")) else {
        panic!("expected a call")
    };
    assert_eq!(call.path, "/relay/aui/tasks");
    assert_eq!(call.bearer, "pk_live_site");
    let body: Value = serde_json::from_str(call.body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"product_id": "microwaves", "user_id": "visitor-7"})
    );

    let session = started(&aui);
    let target = aui.socket(&session).unwrap();
    assert_eq!(
        target.path,
        "/relay/aui/session?task_id=68e78d0dc5a4b19a030d03d6&token=tok.en"
    );
    assert!(target.protocols.is_empty());
    assert_eq!(aui.end(&session), None);
    assert_eq!(aui.heartbeat_ms(), None);
    assert_eq!(aui.socket(&SessionHandle("{\"id\":\"x\"}".into())), None);
}

#[test]
fn a_relay_that_refuses_says_why() {
    let aui = Aui::new();
    let refused = |status, body: &str| aui.started(status, body).unwrap_err();
    assert_eq!(refused(401, ""), StartFailure::KeyRejected);
    assert_eq!(
        refused(
            403,
            r#"{"error":{"code":"ORIGIN_NOT_ALLOWED","message":"m"}}"#
        ),
        StartFailure::KeyRejected
    );
    assert_eq!(refused(429, ""), StartFailure::Busy);
    assert_eq!(
        refused(400, r#"{"error":{"code":"BAD_PRODUCT","message":"m"}}"#),
        StartFailure::Refused(ErrorCode::Other("BAD_PRODUCT".into()))
    );
    assert_eq!(refused(404, "nope"), StartFailure::Http(404));
    assert_eq!(refused(502, ""), StartFailure::ServerTrouble);
    assert_eq!(refused(200, "{}"), StartFailure::Unreadable);
    assert_eq!(
        refused(200, r#"{"task_id": "", "token": "t"}"#),
        StartFailure::Unreadable
    );
}

#[test]
fn the_visitors_message_is_written_as_the_seed_shows_for_the_sessions_task() {
    let aui = Aui::new();
    let say = VisitorAction::Say {
        text: "A microwave, please".into(),
        context: Some(crate::json::from_serde(
            &json!({"url": "https://shop.example/"}),
        )),
        client_id: Some("c1".into()),
    };
    assert_eq!(
        aui.encode(&SessionHandle("not ours".into()), &say),
        None,
        "no task in the handle"
    );
    let session = started(&aui);
    let frame: Value = serde_json::from_str(&aui.encode(&session, &say).unwrap()).unwrap();
    assert_eq!(
        frame,
        json!({"task_id": "68e78d0dc5a4b19a030d03d6", "text": "A microwave, please",
            "context": {"url": "https://shop.example/"}})
    );
    for other in [
        VisitorAction::Heartbeat,
        VisitorAction::LeadSubmitted { values: vec![] },
    ] {
        assert_eq!(aui.encode(&session, &other), None);
    }
}

#[test]
fn close_codes_are_classified_as_the_seed_describes() {
    let aui = Aui::new();
    let policy = aui.classify_close(close::POLICY_VIOLATION);
    assert_eq!(policy.kind, CloseKind::Final);
    assert_eq!(
        policy.reason,
        Some(ErrorCode::Other(codes::POLICY_VIOLATION.into()))
    );
    assert_eq!(
        aui.classify_close(close::INTERNAL_ERROR).kind,
        CloseKind::Retry
    );
    assert_eq!(aui.classify_close(1000).kind, CloseKind::Retry);
    assert_eq!(aui.classify_close(1006).kind, CloseKind::Retry);
    assert_eq!(
        aui.classify_close(relay_close::TOKEN_REJECTED),
        crate::dialect::Closed {
            kind: CloseKind::NewSession,
            reason: Some(ErrorCode::InvalidToken)
        }
    );
    assert_eq!(
        aui.classify_close(relay_close::NOT_ALLOWED).kind,
        CloseKind::Final
    );
    assert_eq!(
        aui.classify_close(relay_close::RATE_LIMITED).kind,
        CloseKind::RateLimited
    );
    assert_eq!(
        aui.classify_close(relay_close::TRY_AGAIN_LATER).kind,
        CloseKind::RateLimited
    );
}

#[test]
fn the_rest_fallback_sends_the_same_message_and_reads_the_reply() {
    let aui = Aui::new();
    let session = started(&aui);
    let say = VisitorAction::Say {
        text: "Hi".into(),
        context: None,
        client_id: None,
    };
    assert!(aui.posts_without_socket());
    let call = aui.post(&session, &say).unwrap();
    assert_eq!(call.path, "/relay/aui/message");
    assert_eq!(call.bearer, "tok.en");
    assert_eq!(call.body, aui.encode(&session, &say));
    assert_eq!(aui.post(&session, &VisitorAction::Heartbeat), None);
    assert!(matches!(
        aui.posted(200, &final_frame("Hello"))[..],
        [AgentEvent::Message(ref m)] if m.text == "Hello"
    ));
    assert!(matches!(
        aui.posted(503, "")[..],
        [AgentEvent::Error(ref e)] if e.retryable
    ));

    let reply = aui.rest_reply(200, &final_frame("Hello")).unwrap();
    assert_eq!(reply.text, "Hello");
    let moderated = aui
        .rest_reply(
            400,
            r#"{"status_code": 400, "description": "d", "message": "m", "extra_data": {"moderation_category": "x"}}"#,
        )
        .unwrap_err();
    assert_eq!(moderated.code, ErrorCode::MessageRejected);
    let expired = aui
        .rest_reply(
            401,
            r#"{"error": {"code": "TOKEN_REJECTED", "message": "expired"}}"#,
        )
        .unwrap_err();
    assert_eq!(expired.code, ErrorCode::InvalidToken);
    assert!(expired.fatal);
    assert!(aui.rest_reply(200, "garbage").unwrap_err().retryable);
}

#[test]
fn server_frames_round_trip() {
    for frame in [
        ServerFrame::TextUpdated("so far".into()),
        ServerFrame::Error(ErrorPayload {
            status_code: 1011,
            description: "d".into(),
            message: "m".into(),
            extra_data: Map::new(),
        }),
        ServerFrame::parse(&final_frame("x")).unwrap(),
    ] {
        assert_eq!(ServerFrame::parse(&frame.to_json()).unwrap(), frame);
    }
    let request = MessageRequest {
        task_id: "t".into(),
        text: "x".into(),
        context: None,
    };
    assert_eq!(MessageRequest::parse(&request.to_json()).unwrap(), request);
    assert!(matches!(
        MessageRequest::parse("[]"),
        Err(DecodeError::NotAnObject)
    ));
    assert!(matches!(
        MessageRequest::parse(r#"{"text": "x"}"#),
        Err(DecodeError::BadField { .. })
    ));
}

#[test]
fn a_refused_message_closes_the_connection_but_not_the_task() {
    let aui = Aui::new();
    let refusal = r#"{"status_code": 400, "description": "Bad request", "message": "flagged", "extra_data": {"moderation_category": "harassment"}}"#;
    let mut decoder = aui.decoder();
    assert_eq!(
        decoder.closed(close::POLICY_VIOLATION),
        None,
        "nothing refused yet"
    );
    let events = decoder.decode(refusal).unwrap();
    assert!(matches!(
        events[..],
        [AgentEvent::Error(ref e)] if e.code == ErrorCode::MessageRejected && !e.fatal
    ));
    assert_eq!(
        decoder.closed(close::POLICY_VIOLATION).map(|c| c.kind),
        Some(CloseKind::Retry)
    );
    // Any other application error's 1008 is the dialect's: final.
    let mut other = aui.decoder();
    other
        .decode(r#"{"status_code": 400, "description": "Bad request", "message": "no such task"}"#)
        .unwrap();
    assert_eq!(other.closed(close::POLICY_VIOLATION), None);
    assert_eq!(
        aui.classify_close(close::POLICY_VIOLATION).kind,
        CloseKind::Final
    );
}

#[test]
fn the_context_carries_the_page_and_the_leads_details() {
    let aui = Aui::new();
    let lead = [("email".to_string(), "a@b.co".to_string())];
    let context = |lead| {
        let written = aui
            .context("https://shop.example/p", lead)
            .unwrap()
            .to_json();
        serde_json::from_str::<Value>(&written).unwrap()
    };
    assert_eq!(
        context(&lead),
        json!({"url": "https://shop.example/p", "lead_details": {"email": "a@b.co"}})
    );
    assert_eq!(context(&[]), json!({"url": "https://shop.example/p"}));
}

#[test]
fn an_expired_token_is_renewed_for_the_same_task() {
    let aui = Aui::new();
    let expired = started(&aui);
    let Start::Call(call) = aui.renew(&settings("pk_test"), &expired) else {
        panic!("renewing is a call to the relay");
    };
    assert_eq!(call.path, client::TASKS_PATH);
    assert_eq!(call.bearer, "pk_test");
    let body: serde_json::Value = serde_json::from_str(call.body.as_deref().unwrap()).unwrap();
    assert_eq!(body, json!({"product_id": "microwaves", "renew": "tok.en"}));
    let answer = r#"{"task_id": "68e78d0dc5a4b19a030d03d6", "token": "new.tok", "renewed": true}"#;
    let renewed = aui.started(200, answer).unwrap();
    assert!(renewed.resumed, "the agent keeps the conversation");
    assert_eq!(renewed.greeting, None);
    assert_eq!(
        aui.socket(&renewed.session).unwrap().path,
        client::socket_path("68e78d0dc5a4b19a030d03d6", "new.tok")
    );
    // Without a handle of its own, it starts as new.
    assert_eq!(
        aui.renew(&settings("pk_test"), &SessionHandle("x".into())),
        aui.start(&settings("pk_test"))
    );
}

/// A small deterministic generator of AUI-shaped JSON: known keys with values of every
/// kind, so the widget's reader and the serde types meet the same odd shapes. Arrays appear
/// only under the keys that hold lists: serde's derive also reads a struct from an array,
/// by position, which AUI never sends and the widget's reader refuses.
struct Shapes(u64);

impl Shapes {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }

    fn value(&mut self, depth: u32, list: bool) -> Value {
        let keys = [
            "text",
            "id",
            "status_code",
            "event",
            "data",
            "options",
            "variants_options",
            "widget_parameters",
            "is_recommended",
            "title",
            "value",
            "type",
            "sender",
            "message",
            "description",
            "extra_data",
            "moderation_category",
            "followup_suggestions",
            "detail",
            "loc",
            "msg",
            "error",
            "code",
        ];
        let lists = [
            "options",
            "variants_options",
            "widget_parameters",
            "followup_suggestions",
            "detail",
            "loc",
            "value",
        ];
        match self.below(if depth == 0 { 7 } else { 9 }) {
            0 => Value::Null,
            1 => json!(self.below(2) == 0),
            2 => json!(self.below(600)),
            3 => [json!(299.99), json!(1.5e3), json!(-4), json!(400.0)][self.below(4) as usize]
                .clone(),
            4 => json!(
                [
                    "",
                    "Price",
                    "image",
                    "https://x/y.png",
                    "javascript:x",
                    "upstream"
                ][self.below(6) as usize]
            ),
            5 => json!(TEXT_UPDATED),
            6 => json!("thread-message-text-content-updated-not"),
            7 if list => Value::Array(
                (0..self.below(4))
                    .map(|_| self.value(depth - 1, false))
                    .collect(),
            ),
            _ => {
                let mut object = Map::new();
                for _ in 0..self.below(6) {
                    let key = keys[self.below(keys.len() as u64) as usize];
                    let value = self.value(depth - 1, lists.contains(&key));
                    object.insert(key.into(), value);
                }
                Value::Object(object)
            }
        }
    }
}

#[test]
fn the_widget_reads_what_the_serde_types_read_the_same_way() {
    let mut shapes = Shapes(16);
    let mut agreed = [0; 2];
    for _ in 0..20_000 {
        let text = shapes.value(4, false).to_string();
        let ours = read::frame(&text);
        let serde = ServerFrame::parse(&text);
        match (&ours, &serde) {
            (Ok(read::Frame::TextUpdated(a)), Ok(ServerFrame::TextUpdated(b))) => assert_eq!(a, b),
            (Ok(read::Frame::Message(a)), Ok(ServerFrame::Message(b))) => {
                assert_eq!(a, &b.to_agent_message(), "{text}")
            }
            (Ok(read::Frame::Error(a)), Ok(ServerFrame::Error(b))) => {
                assert_eq!(a, &b.to_agent_error(), "{text}")
            }
            (Err(a), Err(b)) => assert_eq!(
                std::mem::discriminant(a),
                std::mem::discriminant(b),
                "{text}: {a} / {b}"
            ),
            _ => panic!("{text}: ours {ours:?}, serde's {serde:?}"),
        }
        agreed[usize::from(ours.is_ok())] += 1;
        for status in [400, 422, 503] {
            assert_eq!(
                read::rest_error(status, &text),
                RestError::parse(status, &text).to_agent_error(status),
                "{text}"
            );
        }
    }
    assert!(agreed[1] > 100, "too few frames read: {agreed:?}");
}
