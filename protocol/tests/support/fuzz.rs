//! Generated frames for the never-panics tests: a small deterministic generator, random
//! JSON over a dialect's own keys, and byte-level damage. Not every test binary that
//! includes `support` uses it.
#![allow(dead_code)]

use serde_json::{json, Map, Value};

/// xorshift64*: small, deterministic, good enough to spread inputs.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What JSON to generate: the dialect's field names, a hostile string, and how many
/// fields an object may have (below `max_fields`).
pub struct Shape<'a> {
    pub keys: &'a [&'a str],
    pub odd_text: &'a str,
    pub max_fields: usize,
}

pub fn random_scalar(rng: &mut Rng, shape: &Shape) -> Value {
    match rng.below(7) {
        0 => Value::Null,
        1 => json!(rng.below(2) == 0),
        2 => json!(rng.next() as i64),
        3 => json!(f64::from(rng.below(1000) as u32) / 7.0),
        4 => json!(""),
        5 => json!(shape.odd_text),
        _ => json!("x".repeat(rng.below(50))),
    }
}

pub fn random_value(rng: &mut Rng, depth: u32, shape: &Shape) -> Value {
    if depth == 0 || rng.below(3) == 0 {
        return random_scalar(rng, shape);
    }
    match rng.below(2) {
        0 => Value::Array(
            (0..rng.below(4))
                .map(|_| random_value(rng, depth - 1, shape))
                .collect(),
        ),
        _ => {
            let mut map = Map::new();
            for _ in 0..rng.below(shape.max_fields) {
                map.insert(
                    rng.pick(shape.keys).to_string(),
                    random_value(rng, depth - 1, shape),
                );
            }
            Value::Object(map)
        }
    }
}

pub fn mutate_bytes(rng: &mut Rng, text: &str) -> String {
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
