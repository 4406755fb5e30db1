//! Loads the JSON examples of the seed documents verbatim, so golden tests follow the
//! vendor's own text rather than a copy that could drift from it.

pub mod fuzz;

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

// Helpers for seeds whose facts are in prose and tables rather than JSON examples (seed 004
// has none). Not every test binary uses them.

/// The whole text of a seed.
#[allow(dead_code)]
pub fn seed_text(name: &str) -> String {
    let path = seed_path(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read seed {}: {e}", path.display()))
}

/// The first line of the seed that contains `needle`, trimmed.
#[allow(dead_code)]
pub fn seed_line(name: &str, needle: &str) -> String {
    seed_text(name)
        .lines()
        .find(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("seed {name} has no line with `{needle}`"))
        .trim()
        .to_string()
}

/// The rows of a table in a seed as its pages render to text: the header cells on
/// consecutive lines, then every cell on a line of its own. Rows run for as long as
/// `row_starts` accepts a row's first cell (the table has no end marker of its own).
#[allow(dead_code)]
pub fn seed_table(name: &str, headers: &[&str], row_starts: fn(&str) -> bool) -> Vec<Vec<String>> {
    let text = seed_text(name);
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let at = lines
        .windows(headers.len())
        .position(|window| window == headers)
        .unwrap_or_else(|| panic!("seed {name} has no table headed {headers:?}"));
    let cells: Vec<&str> = lines[at + headers.len()..]
        .iter()
        .copied()
        .filter(|line| !line.is_empty())
        .collect();
    cells
        .chunks(headers.len())
        .take_while(|row| row.len() == headers.len() && row_starts(row[0]))
        .map(|row| row.iter().map(|cell| cell.to_string()).collect())
        .collect()
}

/// The section of `../shared/PROTOCOLS.md` about one dialect: from its `## <dialect>`
/// heading up to the next `## `.
#[allow(dead_code)]
pub fn protocols_section(dialect: &str) -> String {
    let path = seed_path("../PROTOCOLS.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let heading = format!("## {dialect} ");
    let start = text
        .find(&heading)
        .unwrap_or_else(|| panic!("PROTOCOLS.md has no `{heading}` section"));
    let rest = &text[start + heading.len()..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    rest[..end].to_string()
}

/// The `` `name {field, field}` `` shapes written in a text, in order.
#[allow(dead_code)]
pub fn event_shapes(text: &str) -> Vec<(String, Vec<String>)> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|span| {
            let (name, fields) = span.split_once(" {")?;
            let fields = fields.strip_suffix('}')?;
            Some((
                name.to_string(),
                fields.split(',').map(|f| f.trim().to_string()).collect(),
            ))
        })
        .collect()
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
