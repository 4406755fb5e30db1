//! A small JSON reader and writer for the widget's side of the codecs.
//!
//! Why not serde: every visitor downloads the widget, and serde_json with the derived
//! (de)serializers was about 60 KB of its wasm (docs/SIZE-PLAN.md, step 2). The frames the
//! widget reads are small objects read field by field, so a value tree and a few typed
//! accessors do the job in a fraction of the code. The reference server keeps serde.
//!
//! Choices that keep it small and predictable:
//! - objects are a `Vec` of pairs in document order (no map: a frame has a handful of
//!   fields); a duplicated key reads as its last value, as serde_json's map would;
//! - numbers are kept as their (checked) text, so no float parser or printer is linked in;
//!   the accessors read the integers the protocols use, and writing gives the text back;
//! - nesting is limited to [`MAX_DEPTH`] arrays and objects, as serde_json's is (128), and
//!   the parser does not recurse (the open ones wait in a list), so a hostile frame cannot
//!   exhaust the widget's stack, which is small (web/build.rs).

use crate::text::part;

/// How deep arrays and objects may nest.
pub const MAX_DEPTH: usize = 128;

/// A parsed JSON value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Bool(bool),
    /// The number's text as it was written (always valid JSON number syntax).
    Number(String),
    String(String),
    Array(Vec<Value>),
    /// Members in document order.
    Object(Vec<(String, Value)>),
}

/// Why a text is not JSON: what was wrong and where (line and column count from 1, the
/// column in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub what: &'static str,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.what, self.line, self.column
        )
    }
}

impl std::error::Error for Error {}

/// Parses a whole text as one JSON value (surrounding whitespace allowed).
pub fn parse(text: &str) -> Result<Value, Error> {
    let mut parser = Parser { text, pos: 0 };
    parser.skip_space();
    let value = parser.value()?;
    parser.skip_space();
    if parser.pos < text.len() {
        return Err(parser.error("trailing characters"));
    }
    Ok(value)
}

/// An array or object whose end is not read yet: its items so far, or its members so far
/// and the key of the value being read.
enum Open {
    Array(Vec<Value>),
    Object(Vec<(String, Value)>, String),
}

struct Parser<'a> {
    text: &'a str,
    /// Byte offset of the next unread byte; always on a character boundary.
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, what: &'static str) -> Error {
        let before = part(self.text, ..self.pos.min(self.text.len()));
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Error {
            what,
            line: before.matches('\n').count() + 1,
            column: part(before, line_start..).chars().count() + 1,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Consumes `word` (after its first byte was seen) or fails.
    fn word(&mut self, word: &str, value: Value) -> Result<Value, Error> {
        if part(self.text, self.pos..).starts_with(word) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error("expected value"))
        }
    }

    /// One value, arrays and objects included. Their unfinished ones wait in `open`, on the
    /// heap, not in the call stack: a frame's depth costs the widget's small stack nothing
    /// (web/build.rs), and only [`MAX_DEPTH`] bounds it.
    fn value(&mut self) -> Result<Value, Error> {
        let mut open: Vec<Open> = Vec::new();
        'value: loop {
            let mut value = match self.peek() {
                None => return Err(self.error("EOF while parsing a value")),
                Some(b'n') => self.word("null", Value::Null)?,
                Some(b't') => self.word("true", Value::Bool(true))?,
                Some(b'f') => self.word("false", Value::Bool(false))?,
                Some(b'"') => Value::String(self.string()?),
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(bracket @ (b'[' | b'{')) => {
                    if open.len() >= MAX_DEPTH {
                        return Err(self.error("recursion limit exceeded"));
                    }
                    self.pos += 1;
                    self.skip_space();
                    let array = bracket == b'[';
                    // `]` and `}` are two after `[` and `{` in ASCII.
                    if self.peek() != Some(bracket + 2) {
                        open.push(if array {
                            Open::Array(Vec::new())
                        } else {
                            Open::Object(Vec::new(), self.key()?)
                        });
                        continue 'value;
                    }
                    self.pos += 1;
                    if array {
                        Value::Array(Vec::new())
                    } else {
                        Value::Object(Vec::new())
                    }
                }
                Some(_) => return Err(self.error("expected value")),
            };
            // The value goes into the innermost open array or object (or was the whole
            // text's); those that close after it end, until one goes on with a comma.
            loop {
                self.skip_space();
                let Some(mut inner) = open.pop() else {
                    return Ok(value);
                };
                let (close, eof, expected) = match &mut inner {
                    Open::Array(items) => {
                        items.push(value);
                        (b']', "EOF while parsing a list", "expected `,` or `]`")
                    }
                    Open::Object(members, key) => {
                        members.push((std::mem::take(key), value));
                        (b'}', "EOF while parsing an object", "expected `,` or `}`")
                    }
                };
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        match &mut inner {
                            Open::Array(_) => self.skip_space(),
                            Open::Object(_, key) => *key = self.key()?,
                        }
                        open.push(inner);
                        continue 'value;
                    }
                    Some(next) if next == close => {
                        self.pos += 1;
                        value = match inner {
                            Open::Array(items) => Value::Array(items),
                            Open::Object(members, _) => Value::Object(members),
                        };
                    }
                    None => return Err(self.error(eof)),
                    Some(_) => return Err(self.error(expected)),
                }
            }
        }
    }

    /// An object member's key and its colon, up to the value.
    fn key(&mut self) -> Result<String, Error> {
        self.skip_space();
        match self.peek() {
            Some(b'"') => {}
            None => return Err(self.error("EOF while parsing an object")),
            Some(_) => return Err(self.error("key must be a string")),
        }
        let key = self.string()?;
        self.skip_space();
        if self.peek() != Some(b':') {
            return Err(self.error("expected `:`"));
        }
        self.pos += 1;
        self.skip_space();
        Ok(key)
    }

    /// Reads a string whose opening quote is at `pos`.
    fn string(&mut self) -> Result<String, Error> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            // Copy the run of plain characters at once; it ends on an ASCII byte, so the
            // slice is on character boundaries.
            let rest = &self.text.as_bytes()[self.pos..];
            let run = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .unwrap_or(rest.len());
            out.push_str(part(self.text, self.pos..self.pos + run));
            self.pos += run;
            match self.peek() {
                None => return Err(self.error("EOF while parsing a string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escaped = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            out.push(self.unicode_escape()?);
                            continue;
                        }
                        None => return Err(self.error("EOF while parsing a string")),
                        Some(_) => return Err(self.error("invalid escape")),
                    };
                    self.pos += 1;
                    out.push(escaped);
                }
                Some(_) => {
                    return Err(self.error("control character (\\u0000-\\u001F) in a string"))
                }
            }
        }
    }

    /// Four hex digits at `pos`.
    fn hex4(&mut self) -> Result<u32, Error> {
        let digits = self.text.as_bytes().get(self.pos..self.pos + 4);
        let mut code = 0;
        for &b in digits.ok_or_else(|| self.error("EOF while parsing a string"))? {
            let digit = (b as char)
                .to_digit(16)
                .ok_or_else(|| self.error("invalid \\u escape"))?;
            code = code * 16 + digit;
        }
        self.pos += 4;
        Ok(code)
    }

    /// The character of a `\uXXXX` escape (its `\u` already read), joining a UTF-16
    /// surrogate pair; a lone surrogate is an error (it is not a character).
    fn unicode_escape(&mut self) -> Result<char, Error> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if !part(self.text, self.pos..).starts_with("\\u") {
                    return Err(self.error("lone leading surrogate in \\u escape"));
                }
                self.pos += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(self.error("lone leading surrogate in \\u escape"));
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.error("lone trailing surrogate in \\u escape")),
            _ => first,
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid \\u escape"))
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, kept as text.
    fn number(&mut self) -> Result<Value, Error> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("invalid number"));
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("invalid number"));
            }
            self.digits();
        }
        Ok(Value::Number(part(self.text, start..self.pos).to_string()))
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }
}

/// An exponent's value, saturated (`1e99999999999999999999` is simply huge).
fn exponent(text: &str) -> i64 {
    text.parse().unwrap_or(if text.starts_with('-') {
        -1_000_000
    } else {
        1_000_000
    })
}

impl Value {
    /// A string value.
    pub fn str(text: impl Into<String>) -> Value {
        Value::String(text.into())
    }

    /// An unsigned integer.
    pub fn uint(n: u64) -> Value {
        Value::Number(n.to_string())
    }

    /// The member `key` of an object (its last one, if repeated); `None` for other values.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Takes the member `key` out of an object (the last one, if repeated).
    pub fn take(&mut self, key: &str) -> Option<Value> {
        let Value::Object(members) = self else {
            return None;
        };
        let at = members.iter().rposition(|(k, _)| k == key)?;
        Some(members.remove(at).1)
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[(String, Value)]> {
        match self {
            Value::Object(members) => Some(members),
            _ => None,
        }
    }

    /// A number written as a non-negative integer that fits (`12`, not `12.0` or `1e3`:
    /// as serde reads a `u64`).
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(text) if text.bytes().all(|b| b.is_ascii_digit()) => text.parse().ok(),
            _ => None,
        }
    }

    /// A number written as an integer (no fraction, no exponent), as written, however large.
    pub fn integer_text(&self) -> Option<&str> {
        match self {
            Value::Number(text)
                if text
                    .strip_prefix('-')
                    .unwrap_or(text)
                    .bytes()
                    .all(|b| b.is_ascii_digit()) =>
            {
                Some(text)
            }
            _ => None,
        }
    }

    /// A number written as an integer that fits in an `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        self.integer_text()?.parse().ok()
    }

    /// Any non-negative number, rounded down and capped at `max` (`1500.7` → 1500,
    /// `1e12` → `max`); `None` for a negative number or another value. Exact for every
    /// spelling, without a float parser.
    pub fn as_capped_u32(&self, max: u32) -> Option<u32> {
        let Value::Number(text) = self else {
            return None;
        };
        let negative = text.starts_with('-');
        let unsigned = text.trim_start_matches('-');
        let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
            Some((mantissa, power)) => (mantissa, exponent(power)),
            None => (unsigned, 0),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        // value = digits × 10^(exponent − fraction's length); keep the whole part.
        let digits: String = whole.chars().chain(fraction.chars()).collect();
        let digits = digits.trim_start_matches('0');
        if digits.is_empty() {
            return Some(0); // 0, -0, 0.0e5
        }
        if negative {
            return None;
        }
        let whole_len = digits.len() as i64 + exponent - fraction.len() as i64;
        if whole_len <= 0 {
            return Some(0);
        }
        if whole_len > 10 {
            return Some(max);
        }
        let mut n: u64 = 0;
        for i in 0..whole_len as usize {
            let digit = digits.as_bytes().get(i).map_or(0, |b| u64::from(b - b'0'));
            n = n * 10 + digit;
        }
        Some(n.min(u64::from(max)) as u32)
    }

    /// A number from an `f64`, written as serde_json wrote the widget's times (`1.5`,
    /// `1732960000000.0`) without a float printer: an integral value as its digits and
    /// `.0`, another with the fewest decimals (up to 15) that read back the same (past 15,
    /// rounded to 15: a millionth of a nanosecond is not worth a float printer). The
    /// widget's `f64`s are milliseconds; a value past ±2^63, or not finite, is `null`
    /// (serde_json also wrote `null` for the non-finite).
    pub fn float(x: f64) -> Value {
        if !x.is_finite() || x.abs() >= 9.2e18 {
            return Value::Null;
        }
        let whole = x.trunc();
        let mut text = (whole as i64).to_string();
        if whole == 0.0 && x.is_sign_negative() {
            text.insert(0, '-'); // -0.5, and -0.0 as serde_json wrote it
        }
        let fraction = (x - whole).abs();
        let mut decimals = String::from("0");
        let mut scale = 1.0;
        for places in 1..=15 {
            scale *= 10.0;
            let mut scaled = (fraction * scale).round();
            let exact = whole.abs() + scaled / scale == x.abs();
            if !exact && places < 15 {
                continue;
            }
            if !exact {
                // Cut, not rounded: rounding up could carry into the whole part.
                scaled = (fraction * scale).floor();
            }
            decimals = (scaled as u64).to_string();
            while decimals.len() < places {
                decimals.insert(0, '0');
            }
            break;
        }
        text.push('.');
        text.push_str(&decimals);
        Value::Number(text)
    }

    /// Any number as an `f64`, without a float parser: exact for integers up to 2^53 and
    /// for decimals whose digits fit in 2^53 (`1.5`, `1732960000000.0`), within a rounding
    /// step otherwise. Enough for the times the widget saves.
    pub fn as_f64(&self) -> Option<f64> {
        let Value::Number(text) = self else {
            return None;
        };
        let negative = text.starts_with('-');
        let unsigned = text.trim_start_matches('-');
        let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
            Some((mantissa, power)) => (mantissa, exponent(power).clamp(-999, 999)),
            None => (unsigned, 0),
        };
        let mut digits: u64 = 0;
        let mut scale = exponent as i32;
        let mut seen_point = false;
        for b in mantissa.bytes() {
            if b == b'.' {
                seen_point = true;
                continue;
            }
            if digits < 1_000_000_000_000_000_000 {
                digits = digits * 10 + u64::from(b - b'0');
                if seen_point {
                    scale -= 1;
                }
            } else if !seen_point {
                scale += 1; // a digit past what a u64 holds: kept as a power of ten
            }
        }
        let magnitude = if scale >= 0 {
            digits as f64 * 10f64.powi(scale.min(400))
        } else {
            digits as f64 / 10f64.powi((-scale).min(400))
        };
        Some(if negative { -magnitude } else { magnitude })
    }

    /// The value as compact JSON text.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    /// Appends the value as compact JSON text.
    pub fn write(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(text) => out.push_str(text),
            Value::String(s) => write_str(out, s),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Value::Object(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(out, key);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// Appends `text` as a JSON string: quotes, backslashes and control characters escaped,
/// everything else (including non-ASCII) as it is, as serde_json writes it.
pub fn write_str(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut plain = 0;
    for (i, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(part(text, plain..i));
        plain = i + 1;
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 15)] as char);
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(part(text, plain..));
    out.push('"');
}

/// An object built in order from `(key, value)` pairs, leaving out the `None`s (optional
/// fields that are absent are not written, as `skip_serializing_if` did).
pub fn object<const N: usize>(members: [(&str, Option<Value>); N]) -> Value {
    Value::Object(
        members
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_string(), v?)))
            .collect(),
    )
}

/// The same value from a serde_json value: for the reference server, whose live-demo frames
/// are serde types (a visitor message's `context`), and for tests.
pub fn from_serde(value: &serde_json::Value) -> Value {
    use serde_json::Value as S;
    match value {
        S::Null => Value::Null,
        S::Bool(b) => Value::Bool(*b),
        // Integers as their digits; other numbers through [`Value::float`], not serde's
        // printer (which would bring ryu into the wasm for the widget's `context`).
        S::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Value::uint(u),
            (None, Some(i)) => Value::Number(i.to_string()),
            _ => Value::float(n.as_f64().unwrap_or(f64::NAN)),
        },
        S::String(s) => Value::String(s.clone()),
        S::Array(items) => Value::Array(items.iter().map(from_serde).collect()),
        S::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| (k.clone(), from_serde(v)))
                .collect(),
        ),
    }
}

/// Field readers for a payload object, whose errors name the field the way a reader of a
/// console log wants: "missing field `text`", "`isTyping` must be a boolean".
#[derive(Debug)]
pub struct Fields<'a>(&'a [(String, Value)]);

impl<'a> Fields<'a> {
    /// The members of `value`, which must be an object.
    pub fn of(value: &'a Value) -> Result<Fields<'a>, String> {
        value
            .as_object()
            .map(Fields)
            .ok_or_else(|| format!("expected an object, found {}", kind(value)))
    }

    /// The field, absent and `null` alike read as `None`.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
            .filter(|v| !v.is_null())
    }

    fn typed<T>(
        &self,
        key: &str,
        what: &str,
        read: impl Fn(&'a Value) -> Option<T>,
    ) -> Result<Option<T>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => read(v)
                .map(Some)
                .ok_or_else(|| format!("`{key}` must be {what}, found {}", kind(v))),
        }
    }

    fn required<T>(&self, key: &str, found: Result<Option<T>, String>) -> Result<T, String> {
        found?.ok_or_else(|| format!("missing field `{key}`"))
    }

    pub fn opt_str(&self, key: &str) -> Result<Option<String>, String> {
        self.typed(key, "a string", |v| v.as_str().map(str::to_string))
    }

    pub fn str(&self, key: &str) -> Result<String, String> {
        self.required(key, self.opt_str(key))
    }

    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>, String> {
        self.typed(key, "a boolean", Value::as_bool)
    }

    pub fn bool(&self, key: &str) -> Result<bool, String> {
        self.required(key, self.opt_bool(key))
    }

    pub fn opt_u64(&self, key: &str) -> Result<Option<u64>, String> {
        self.typed(key, "a non-negative integer", Value::as_u64)
    }

    pub fn u64(&self, key: &str) -> Result<u64, String> {
        self.required(key, self.opt_u64(key))
    }

    /// A `u32` (counts, versions).
    pub fn u32(&self, key: &str) -> Result<u32, String> {
        u32::try_from(self.u64(key)?).map_err(|_| format!("`{key}` is out of range"))
    }

    /// Any number, as [`Value::as_f64`] reads it.
    pub fn f64(&self, key: &str) -> Result<f64, String> {
        self.required(key, self.typed(key, "a number", Value::as_f64))
    }

    pub fn opt_array(&self, key: &str) -> Result<Option<&'a [Value]>, String> {
        self.typed(key, "an array", Value::as_array)
    }

    /// An array of strings.
    pub fn opt_strings(&self, key: &str) -> Result<Option<Vec<String>>, String> {
        let Some(items) = self.opt_array(key)? else {
            return Ok(None);
        };
        items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("`{key}` must hold strings, found {}", kind(item)))
            })
            .collect::<Result<_, _>>()
            .map(Some)
    }

    pub fn strings(&self, key: &str) -> Result<Vec<String>, String> {
        self.required(key, self.opt_strings(key))
    }

    /// A nested object.
    pub fn opt_object(&self, key: &str) -> Result<Option<Fields<'a>>, String> {
        self.typed(key, "an object", |v| v.as_object().map(Fields))
    }

    pub fn object(&self, key: &str) -> Result<Fields<'a>, String> {
        self.required(key, self.opt_object(key))
    }
}

/// What kind of value this is, for error texts.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Value {
        Value::str(text)
    }
    fn n(text: &str) -> Value {
        Value::Number(text.into())
    }
    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn every_kind_of_value_reads() {
        assert_eq!(parse("null"), Ok(Value::Null));
        assert_eq!(parse(" true "), Ok(Value::Bool(true)));
        assert_eq!(parse("false"), Ok(Value::Bool(false)));
        assert_eq!(parse(r#""hi""#), Ok(s("hi")));
        assert_eq!(parse("[]"), Ok(Value::Array(vec![])));
        assert_eq!(parse("{}"), Ok(Value::Object(vec![])));
        assert_eq!(
            parse("\n{ \"a\" : [1, \"x\", null, {\"b\": false}] ,\t\"c\":{} }\r\n"),
            Ok(Value::Object(vec![
                (
                    "a".into(),
                    Value::Array(vec![
                        n("1"),
                        s("x"),
                        Value::Null,
                        Value::Object(vec![("b".into(), Value::Bool(false))])
                    ])
                ),
                ("c".into(), Value::Object(vec![])),
            ]))
        );
    }

    #[test]
    fn objects_keep_their_order_and_the_last_of_a_repeated_key_wins() {
        let value = parse(r#"{"b":1,"a":2,"b":3}"#).unwrap();
        let keys: Vec<_> = value.as_object().unwrap().iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["b", "a", "b"]);
        assert_eq!(value.get("b"), Some(&n("3")));
        assert_eq!(value.get("zz"), None);
        assert_eq!(s("x").get("b"), None);
        let mut value = value;
        assert_eq!(value.take("b"), Some(n("3")));
        assert_eq!(value.get("b"), Some(&n("1")));
    }

    #[test]
    fn numbers_keep_their_text_and_bad_ones_are_refused() {
        for ok in [
            "0",
            "-0",
            "12",
            "-3.25",
            "1e3",
            "1E+3",
            "2.5e-7",
            "123456789012345678901234",
        ] {
            assert_eq!(parse(ok), Ok(n(ok)), "{ok}");
        }
        for bad in [
            "01", "1.", ".5", "-", "+1", "1e", "1e+", "0x10", "1.e3", "--1", "NaN",
        ] {
            assert!(parse(bad).is_err(), "{bad} was accepted");
        }
        assert_eq!(n("42").as_u64(), Some(42));
        assert_eq!(n("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(n("18446744073709551616").as_u64(), None);
        assert_eq!(n("-1").as_u64(), None);
        assert_eq!(n("1.0").as_u64(), None);
        assert_eq!(n("1e3").as_u64(), None);
        assert_eq!(n("-7").as_i64(), Some(-7));
        assert_eq!(n("7.5").as_i64(), None);
        assert_eq!(s("7").as_u64(), None);
    }

    #[test]
    fn capped_numbers_read_every_spelling_without_floats() {
        let cap = |text: &str| n(text).as_capped_u32(30_000);
        assert_eq!(cap("1500"), Some(1500));
        assert_eq!(cap("1500.9"), Some(1500));
        assert_eq!(cap("1.5e3"), Some(1500));
        assert_eq!(cap("15E2"), Some(1500));
        assert_eq!(cap("150000e-2"), Some(1500));
        assert_eq!(cap("0.4"), Some(0));
        assert_eq!(cap("0"), Some(0));
        assert_eq!(cap("-0"), Some(0));
        assert_eq!(cap("-0.0e9"), Some(0));
        assert_eq!(cap("1e12"), Some(30_000));
        assert_eq!(cap("30001"), Some(30_000));
        assert_eq!(cap("99999999999999999999999"), Some(30_000));
        assert_eq!(cap("1e-400"), Some(0));
        assert_eq!(cap("1e99999999999999999999"), Some(30_000));
        assert_eq!(cap("1e-99999999999999999999"), Some(0));
        assert_eq!(cap("-1"), None);
        assert_eq!(cap("-0.5"), None);
        assert_eq!(s("5").as_capped_u32(10), None);
    }

    #[test]
    fn floats_are_written_and_read_as_serde_json_did_for_times() {
        for (x, text) in [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (1.5, "1.5"),
            (-1.5, "-1.5"),
            (-0.25, "-0.25"),
            (0.1, "0.1"),
            (6.0, "6.0"),
            (1732960000000.0, "1732960000000.0"),
            (1732960000000.5, "1732960000000.5"),
            (123.456, "123.456"),
            (100_000.0, "100000.0"),
            (9_007_199_254_740_992.0, "9007199254740992.0"),
        ] {
            assert_eq!(Value::float(x), n(text), "{x}");
            assert_eq!(n(text).as_f64(), Some(x), "{text}");
            // And serde_json reads what is written as the same number.
            assert_eq!(serde_json::from_str::<f64>(text).unwrap(), x, "{text}");
        }
        assert_eq!(Value::float(0.9999999999999999), n("0.999999999999999"));
        assert_eq!(
            Value::float(-(8.0 - 4.0 * f64::EPSILON)),
            n("-7.999999999999999")
        );
        assert_eq!(n("1e99999999999999999999").as_f64(), Some(f64::INFINITY));
        assert_eq!(n("1e-99999999999999999999").as_f64(), Some(0.0));
        assert_eq!(Value::float(f64::NAN), Value::Null);
        assert_eq!(Value::float(f64::INFINITY), Value::Null);
        assert_eq!(n("1e3").as_f64(), Some(1000.0));
        assert_eq!(n("25E-1").as_f64(), Some(2.5));
        assert_eq!(n("-7").as_f64(), Some(-7.0));
        assert_eq!(n("1e999").as_f64(), Some(f64::INFINITY));
        // Past 19 digits, within a rounding step.
        let big = n("123456789012345678901234").as_f64().unwrap();
        assert!((big - 1.2345678901234568e23).abs() <= 1.2345678901234568e23 * 1e-15);
        assert_eq!(s("1").as_f64(), None);
        // Whatever the fraction, what is written reads back to within 15 decimals.
        for i in 0..2000 {
            let x = f64::from(i) * 0.37 - 300.0;
            let back = Value::float(x).as_f64().unwrap();
            assert!(
                (back - x).abs() <= 1e-15 + x.abs() * 1e-15,
                "{x} came back as {back}"
            );
        }
    }

    #[test]
    fn escapes_read_including_surrogate_pairs() {
        assert_eq!(
            parse(r#""a\"b\\c\/d\b\f\n\r\t""#),
            Ok(s("a\"b\\c/d\u{8}\u{c}\n\r\t"))
        );
        assert_eq!(parse(r#""\u00e9\u4E2D""#), Ok(s("é中")));
        assert_eq!(parse(r#""\ud83d\ude00!""#), Ok(s("😀!")));
        assert_eq!(parse(r#""\u0000""#), Ok(s("\0")));
        assert_eq!(parse("\"héllo 😀\""), Ok(s("héllo 😀")));
        assert!(err(r#""\ud83d""#).contains("lone leading surrogate"));
        assert!(err(r#""\ud83dx""#).contains("lone leading surrogate"));
        assert!(err(r#""\ud83d\u0041""#).contains("lone leading surrogate"));
        assert!(err(r#""\ude00""#).contains("lone trailing surrogate"));
        assert!(err(r#""\u12g4""#).contains("invalid \\u escape"));
        assert!(err(r#""\u12""#).contains("EOF"));
        assert!(err(r#""\x""#).contains("invalid escape"));
        assert!(err("\"a\nb\"").contains("control character"));
        assert!(err("\"abc").contains("EOF while parsing a string"));
    }

    #[test]
    fn invalid_texts_say_what_and_where() {
        assert_eq!(err(""), "EOF while parsing a value at line 1 column 1");
        assert_eq!(err("{not json"), "key must be a string at line 1 column 2");
        assert_eq!(err("[1,\n  2,,]"), "expected value at line 2 column 5");
        assert_eq!(err("{} x"), "trailing characters at line 1 column 4");
        assert_eq!(err(r#"{"a" 1}"#), "expected `:` at line 1 column 6");
        assert_eq!(
            err(r#"{"a":1 "b":2}"#),
            "expected `,` or `}` at line 1 column 8"
        );
        assert_eq!(err("[1 2]"), "expected `,` or `]` at line 1 column 4");
        assert_eq!(err("[1,"), "EOF while parsing a value at line 1 column 4");
        assert_eq!(
            err(r#"{"a":1,}"#),
            "key must be a string at line 1 column 8"
        );
        assert_eq!(err("[1"), "EOF while parsing a list at line 1 column 3");
        assert_eq!(err("tru"), "expected value at line 1 column 1");
        assert_eq!(err("nul1"), "expected value at line 1 column 1");
        assert_eq!(err("truex"), "trailing characters at line 1 column 5");
        assert_eq!(err("'a'"), "expected value at line 1 column 1");
        assert_eq!(err("\"é\" é"), "trailing characters at line 1 column 5");
    }

    #[test]
    fn nesting_is_limited() {
        let deep = |n: usize| "[".repeat(n) + &"]".repeat(n);
        assert!(parse(&deep(MAX_DEPTH)).is_ok());
        assert!(err(&deep(MAX_DEPTH + 1)).contains("recursion limit exceeded"));
        let objects = "{\"a\":".repeat(100_000) + "1" + &"}".repeat(100_000);
        assert!(err(&objects).contains("recursion limit exceeded"));
    }

    #[test]
    fn depth_costs_no_stack() {
        // The widget's stack is 16 KiB (web/build.rs). A parser that recursed would need
        // hundreds of bytes a level; this thread's stack holds MAX_DEPTH levels only without
        // recursion. (The value goes back to be written and dropped here: both recurse.)
        let mixed = "[{\"a\": ".repeat(MAX_DEPTH / 2) + "1" + &"}]".repeat(MAX_DEPTH / 2);
        let text = mixed.clone();
        let parsed = std::thread::Builder::new()
            .stack_size(32 * 1024)
            .spawn(move || parse(&text))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(parsed.unwrap().to_json(), mixed.replace(' ', ""));
    }

    #[test]
    fn texts_read_as_serde_json_reads_them() {
        for text in [
            r#" { "a" : [ 1 , { "b" : [ ] , "c" : { } } , [ [ "x" ] ] ] , "d" : null } "#,
            r#"[[],[[]],{},{"":{"":[true,false,null]}},-12,"\u00e9"]"#,
            "[\n1\t,\r2 ]",
            r#"{"a":{"b":{"c":[1,[2,[3,{"d":4}]]]}},"e":"f"}"#,
        ] {
            let serde: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(parse(text), Ok(from_serde(&serde)), "{text}");
        }
    }

    #[test]
    fn strings_are_written_with_the_escapes_json_needs() {
        let mut out = String::new();
        write_str(&mut out, "a\"b\\c/d\u{8}\u{c}\n\r\t\u{1}\u{1f}\u{7f}é😀");
        assert_eq!(
            out,
            r#""a\"b\\c/d\b\f\n\r\t\u0001\u001f"#.to_string() + "\u{7f}é😀\""
        );
    }

    #[test]
    fn values_are_written_compactly_and_read_back_equal() {
        let value = object([
            ("text", Some(s("say \"hi\"\n"))),
            ("skipped", None),
            ("n", Some(Value::uint(1711000000000))),
            ("f", Some(n("-2.5e-3"))),
            (
                "list",
                Some(Value::Array(vec![Value::Null, Value::Bool(true), s("😀")])),
            ),
            ("empty", Some(Value::Object(vec![]))),
        ]);
        let text = value.to_json();
        assert_eq!(
            text,
            r#"{"text":"say \"hi\"\n","n":1711000000000,"f":-2.5e-3,"list":[null,true,"😀"],"empty":{}}"#
        );
        assert_eq!(parse(&text), Ok(value));
        // Every string survives the round trip, whatever it holds.
        let every_char: String = (0u32..0x800).filter_map(char::from_u32).collect();
        let value = Value::Array(vec![s(&every_char), s("\u{10FFFF}\u{FFFF}")]);
        assert_eq!(parse(&value.to_json()), Ok(value));
    }

    #[test]
    fn serde_values_convert_to_the_same_json() {
        let serde = serde_json::json!({"url": "https://x", "lead": {"email": "a@b.co"},
            "n": [1, -2, 2.5, 18446744073709551615u64, true, null]});
        let ours = from_serde(&serde);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&ours.to_json()).unwrap(),
            serde
        );
        assert_eq!(ours.get("url"), Some(&s("https://x")));
    }

    #[test]
    fn fields_read_typed_and_name_what_is_wrong() {
        let value =
            parse(r#"{"t":"x","b":true,"n":5,"z":null,"l":["a","b"],"bad":[1],"o":{"k":"v"}}"#)
                .unwrap();
        let f = Fields::of(&value).unwrap();
        assert_eq!(f.str("t"), Ok("x".into()));
        assert_eq!(f.opt_str("z"), Ok(None));
        assert_eq!(f.opt_str("absent"), Ok(None));
        assert_eq!(f.str("absent"), Err("missing field `absent`".into()));
        assert_eq!(f.str("z"), Err("missing field `z`".into()));
        assert_eq!(
            f.str("b"),
            Err("`b` must be a string, found a boolean".into())
        );
        assert_eq!(f.bool("b"), Ok(true));
        assert_eq!(f.opt_u64("n"), Ok(Some(5)));
        assert_eq!(
            f.opt_u64("t"),
            Err("`t` must be a non-negative integer, found a string".into())
        );
        assert_eq!(f.strings("l"), Ok(vec!["a".into(), "b".into()]));
        assert_eq!(
            f.strings("bad"),
            Err("`bad` must hold strings, found a number".into())
        );
        assert_eq!(f.object("o").unwrap().str("k"), Ok("v".into()));
        assert_eq!(
            Fields::of(&Value::Array(vec![])).map(|_| ()),
            Err("expected an object, found an array".into())
        );
    }
}
