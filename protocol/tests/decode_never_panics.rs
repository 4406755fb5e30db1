//! A property test over generated frames: decoding never panics, and each way a frame can
//! be wrong gets its own typed error. 120,000 inputs from a fixed seed, so a failure
//! reproduces; set DOCENT_FUZZ_SEED to explore other inputs.

mod support;
use support as seed_examples;

use docent_protocol::live_demo::{ClientMessage, LiveDemo};
use docent_protocol::{DecodeError, Decoder};
use serde_json::{json, Map, Value};

/// xorshift64*: small, deterministic, good enough to spread inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const SERVER_TYPES: [&str; 5] = [
    "agent_response",
    "typing_indicator",
    "lead_form",
    "error",
    "pong",
];

fn random_scalar(rng: &mut Rng) -> Value {
    match rng.below(7) {
        0 => Value::Null,
        1 => json!(rng.below(2) == 0),
        2 => json!(rng.next() as i64),
        3 => json!(f64::from(rng.below(1000) as u32) / 7.0),
        4 => json!(""),
        5 => json!("\u{0}\u{202e}<script>"),
        _ => json!("x".repeat(rng.below(50))),
    }
}

fn random_value(rng: &mut Rng, depth: u32) -> Value {
    if depth == 0 || rng.below(3) == 0 {
        return random_scalar(rng);
    }
    match rng.below(2) {
        0 => Value::Array(
            (0..rng.below(4))
                .map(|_| random_value(rng, depth - 1))
                .collect(),
        ),
        _ => {
            let keys = [
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
            ];
            let mut map = Map::new();
            for _ in 0..rng.below(5) {
                map.insert(rng.pick(&keys).to_string(), random_value(rng, depth - 1));
            }
            Value::Object(map)
        }
    }
}

fn mutate_bytes(rng: &mut Rng, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..=rng.below(4) {
        if bytes.is_empty() {
            break;
        }
        let at = rng.below(bytes.len());
        match rng.below(4) {
            0 => bytes[at] = rng.next() as u8,
            1 => {
                bytes.remove(at);
            }
            2 => bytes.insert(at, *rng.pick(b"{}[]\",:\\0 ")),
            _ => bytes.truncate(at),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
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
