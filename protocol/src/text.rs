//! Slicing text without core's slicing panic.

use std::slice::SliceIndex;

/// `text[range]`, or "" where `range` does not fall on character boundaries. Every caller's
/// range does (its ends were found by scanning for ASCII bytes); it is not indexing because
/// indexing links core's slicing panic into the wasm, whose message shows the character it
/// cut (`char`'s `Debug`, with Unicode's tables of printable characters): about 4 KB that
/// every visitor would download for a message no visitor ever sees.
pub fn part<R: SliceIndex<str, Output = str>>(text: &str, range: R) -> &str {
    let part = text.get(range);
    // A caller's mistake shows in the tests (debug builds); the shipped wasm has no panic.
    debug_assert!(part.is_some(), "a part of a text cut inside a character");
    part.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::part;

    #[test]
    fn a_part_on_boundaries_is_the_slice() {
        assert_eq!(part("héllo", 3..), "llo");
        assert_eq!(part("héllo", ..1), "h");
        assert_eq!(part("héllo", 1..3), "é");
    }

    #[test]
    #[cfg_attr(debug_assertions, should_panic(expected = "inside a character"))]
    fn a_part_inside_a_character_is_a_mistake_the_tests_show_and_empty_when_shipped() {
        assert_eq!(part("héllo", 2..), "");
    }
}
