//! A test-only knob for `cargo xtask bench` (only with `--control`): a visitor message
//! `#bench_stream N C` is answered with a reply of C characters streamed in N updates with no
//! pause, in the dialect's own streaming style (cumulative text, or tokens), so the bench can
//! measure what one streamed update costs the widget as the message grows.

/// The marker a visitor message carries to ask for a benchmark stream.
pub const MARKER: &str = "#bench_stream";

/// At most this many updates and characters, so a typo cannot exhaust the server.
const MAX_UPDATES: usize = 100_000;
const MAX_CHARS: usize = 1_000_000;

/// `(updates, characters)` when `text` asks for a benchmark stream: `#bench_stream N C`.
pub fn request(text: &str) -> Option<(usize, usize)> {
    let rest = &text[text.find(MARKER)? + MARKER.len()..];
    let mut numbers = rest.split_whitespace().map(str::parse::<usize>);
    let updates = numbers.next()?.ok()?.clamp(1, MAX_UPDATES);
    let chars = numbers.next()?.ok()?.clamp(updates, MAX_CHARS);
    Some((updates, chars))
}

/// The reply, cut into `updates` pieces of nearly equal length that make up `chars` ASCII
/// characters (words and spaces, so the text wraps as prose does).
pub fn pieces(updates: usize, chars: usize) -> Vec<String> {
    const WORDS: &str = "the quick brown fox jumps over the lazy dog while a streamed reply grows ";
    let text: String = WORDS.chars().cycle().take(chars).collect();
    (0..updates)
        .map(|i| text[i * chars / updates..(i + 1) * chars / updates].to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_request() {
        assert_eq!(request("#bench_stream 5000 20000"), Some((5000, 20000)));
        assert_eq!(request("go #bench_stream 3 1"), Some((3, 3)));
        assert_eq!(request("#bench_stream"), None);
        assert_eq!(request("#bench_stream x 10"), None);
        assert_eq!(request("hello"), None);
    }

    #[test]
    fn pieces_make_the_whole_reply() {
        let pieces = pieces(5000, 20000);
        assert_eq!(pieces.len(), 5000);
        assert!(pieces.iter().all(|p| p.len() == 4));
        assert_eq!(pieces.concat().len(), 20000);
        assert_eq!(super::pieces(3, 10).concat().len(), 10);
    }
}
