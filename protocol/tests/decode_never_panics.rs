//! A property test over generated frames: decoding never panics, and each way a frame can
//! be wrong gets its own typed error. 120,000 inputs from a fixed seed, so a failure
//! reproduces; set DOCENT_FUZZ_SEED to explore other inputs.

mod support;
use support as seed_examples;
use support::fuzz::{self, mutate_bytes, Rng, Shape};

use docent_protocol::live_demo::{ClientMessage, LiveDemo};
use docent_protocol::{DecodeError, Decoder};
use serde_json::{json, Map, Value};

const SERVER_TYPES: [&str; 5] = [
    "agent_response",
    "typing_indicator",
    "lead_form",
    "error",
    "pong",
];

/// The live-demo fields generated objects are made of.
const SHAPE: Shape = Shape {
    keys: &[
        "text",
        "type",
        "payload",
        "isTyping",
        "fields",
        "cta",
        "code",
        "iframeCommands",
        "ts",
        "k",
    ],
    odd_text: "\u{0}\u{202e}<script>",
    max_fields: 5,
};

fn random_scalar(rng: &mut Rng) -> Value {
    fuzz::random_scalar(rng, &SHAPE)
}

fn random_value(rng: &mut Rng, depth: u32) -> Value {
    fuzz::random_value(rng, depth, &SHAPE)
}

/// Which error a generated frame must give, where its kind is known.
type IsExpected = fn(&DecodeError) -> bool;

#[test]
fn decoding_generated_frames_never_panics_and_types_each_error() {
    let seed = std::env::var("DOCENT_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_0002_u64);
    let mut rng = Rng(seed);
    let examples = seed_examples::json_examples("002_0c3d5c86f07c3b8b.txt");
    let mut counts = [0usize; 6];
    const CASES: usize = 120_000;
    for case in 0..CASES {
        let (frame, expect): (String, Option<IsExpected>) = match case % 6 {
            // Byte-level damage to a real example: anything may come back, but no panic.
            0 => {
                let example = rng.pick(&examples).clone();
                (mutate_bytes(&mut rng, &example), None)
            }
            // JSON that is not an object.
            1 => {
                let v = match random_value(&mut rng, 3) {
                    Value::Object(_) => json!([1]),
                    other => other,
                };
                (
                    v.to_string(),
                    Some(|e| matches!(e, DecodeError::NotAnObject)),
                )
            }
            // Objects without a string `type`.
            2 => {
                let mut v = random_value(&mut rng, 3);
                if let Value::Object(map) = &mut v {
                    map.insert("type".into(), random_scalar(&mut rng));
                    if map["type"].is_string() {
                        map.remove("type");
                    }
                } else {
                    v = json!({"payload": v});
                }
                (
                    v.to_string(),
                    Some(|e| matches!(e, DecodeError::MissingType)),
                )
            }
            // A type the dialect does not know.
            3 => {
                let name = format!("{}_{}", rng.pick(&SERVER_TYPES), rng.below(1000));
                let v = json!({"type": name, "payload": random_value(&mut rng, 2)});
                (
                    v.to_string(),
                    Some(|e| matches!(e, DecodeError::UnknownType(_))),
                )
            }
            // A known type whose payload is not an object at all.
            4 => {
                let payload = match random_value(&mut rng, 2) {
                    Value::Object(_) | Value::Null => json!(7),
                    other => other,
                };
                let v = json!({"type": rng.pick(&SERVER_TYPES), "payload": payload});
                (
                    v.to_string(),
                    Some(|e| matches!(e, DecodeError::BadField { .. })),
                )
            }
            // Known type, random payload object: decodes or reports a bad field.
            _ => {
                let v = json!({"type": rng.pick(&SERVER_TYPES), "payload": Value::Object(
                    match random_value(&mut rng, 3) { Value::Object(m) => m, _ => Map::new() })});
                (
                    v.to_string(),
                    Some(|e| matches!(e, DecodeError::BadField { .. })),
                )
            }
        };
        let result = std::panic::catch_unwind(|| LiveDemo.decode(&frame));
        let result = result.unwrap_or_else(|_| panic!("decode panicked on {frame:?}"));
        let _ = ClientMessage::parse(&frame);
        match (&result, expect) {
            (Ok(_), _) => counts[0] += 1,
            (Err(e), Some(is_expected)) => {
                assert!(is_expected(e), "case {case}: {frame:?} gave {e:?}");
                assert!(!e.to_string().is_empty());
                counts[1 + case % 5] += 1;
            }
            (Err(_), None) => counts[1] += 1,
        }
    }
    let not_json = LiveDemo.decode("{not json").unwrap_err();
    assert!(matches!(not_json, DecodeError::NotJson(_)), "{not_json:?}");
    println!(
        "{CASES} frames: {} decoded, errors by case kind {:?}",
        counts[0],
        &counts[1..]
    );
    assert!(
        counts[0] > 0,
        "no generated frame decoded: the generator is broken"
    );
    assert_eq!(counts.iter().sum::<usize>(), CASES);
}
