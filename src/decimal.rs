//! Reads a decimal number (`12`, `-3.5`, `.5`, `2e3`) without the standard library's float
//! parser, whose tables cost the widget about 13 KB of compressed wasm for the two places
//! that read numbers (a lead form's number field and `persist-hours`). Precision is that
//! of adding up digits in an `f64`: plenty for checking a form and counting hours.

/// The number `text` spells, if it is one (finite, no spaces, no thousands separators).
pub fn parse(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let mut at = 0;
    let negative = match bytes.first() {
        Some(b'-') => {
            at += 1;
            true
        }
        Some(b'+') => {
            at += 1;
            false
        }
        _ => false,
    };
    let mut value = 0.0_f64;
    let mut digits = 0;
    while let Some(d) = bytes.get(at).filter(|b| b.is_ascii_digit()) {
        value = value * 10.0 + f64::from(d - b'0');
        digits += 1;
        at += 1;
    }
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        let mut scale = 0.1;
        while let Some(d) = bytes.get(at).filter(|b| b.is_ascii_digit()) {
            value += f64::from(d - b'0') * scale;
            scale /= 10.0;
            digits += 1;
            at += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        let minus = match bytes.get(at) {
            Some(b'-') => {
                at += 1;
                true
            }
            Some(b'+') => {
                at += 1;
                false
            }
            _ => false,
        };
        let start = at;
        let mut exponent: i32 = 0;
        while let Some(d) = bytes.get(at).filter(|b| b.is_ascii_digit()) {
            exponent = exponent
                .saturating_mul(10)
                .saturating_add(i32::from(d - b'0'));
            at += 1;
        }
        if at == start {
            return None;
        }
        value *= 10f64.powi(if minus { -exponent } else { exponent });
    }
    let value = if negative { -value } else { value };
    (at == bytes.len() && value.is_finite()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn reads_what_people_type_as_numbers() {
        assert_eq!(parse("12"), Some(12.0));
        assert_eq!(parse("-3.5"), Some(-3.5));
        assert_eq!(parse("+.5"), Some(0.5));
        assert_eq!(parse("7."), Some(7.0));
        assert_eq!(parse("2e3"), Some(2000.0));
        assert_eq!(parse("1.5E-2"), Some(0.015));
        assert!((parse("0.1").unwrap() - 0.1).abs() < 1e-12);
    }

    #[test]
    fn refuses_what_is_not_one_number() {
        for text in [
            "", "-", ".", "e5", "1e", "1e+", "1.2.3", "1,000", " 1", "1 ", "12abc", "inf", "NaN",
            "0x10", "1e999",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn agrees_with_the_standard_parser_on_ordinary_numbers() {
        for text in ["0", "42", "-17.25", "3.14159", "1e-3", "600", "720.5"] {
            let ours = parse(text).unwrap();
            let std: f64 = text.parse().unwrap();
            assert!((ours - std).abs() <= std.abs() * 1e-12, "{text}");
        }
    }
}
