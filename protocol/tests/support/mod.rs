//! Loads the JSON examples of the seed documents verbatim, so golden tests follow the
//! vendor's own text rather than a copy that could drift from it.

use std::path::PathBuf;

/// `../shared/seeds/NAME`, beside the project root.
pub fn seed_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/seeds")
        .join(name)
}

/// Every JSON object in the seed that starts on a line of its own (`{` alone on a line),
/// taken up to its balanced closing brace.
pub fn json_examples(name: &str) -> Vec<String> {
    let path = seed_path(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read seed {}: {e}", path.display()));
    let mut examples = Vec::new();
    let mut current: Option<(String, i32)> = None;
    for line in text.lines() {
        match current.as_mut() {
            None if line.trim_end() == "{" => current = Some(("{\n".to_string(), 1)),
            None => {}
            Some((block, depth)) => {
                block.push_str(line);
                block.push('\n');
                *depth += brace_balance(line);
                if *depth == 0 {
                    examples.push(std::mem::take(block));
                    current = None;
                }
            }
        }
    }
    examples
}

fn brace_balance(line: &str) -> i32 {
    let mut depth = 0;
    let mut in_string = false;
    let mut escaped = false;
    for c in line.chars() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (_, false, '"') => in_string = !in_string,
            (false, _, '{') => depth += 1,
            (false, _, '}') => depth -= 1,
            _ => {}
        }
    }
    depth
}

/// Every body a `curl … -d '…'` in the seed sends, verbatim (the seeds give some of their
/// JSON only that way).
#[allow(dead_code)] // each test binary compiles this module; not all use every helper
pub fn curl_bodies(name: &str) -> Vec<String> {
    let path = seed_path(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read seed {}: {e}", path.display()));
    let mut bodies = Vec::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("-d '") {
        rest = &rest[at + 4..];
        let Some(end) = rest.find('\'') else { break };
        bodies.push(rest[..end].to_string());
        rest = &rest[end + 1..];
    }
    bodies
}
