//! The server's seam holds: outside `src/dialects/` (the one place that registers
//! dialects and their routes), no source file names a dialect's types or functions, so a
//! second platform is added there and nowhere else.

use std::path::{Path, PathBuf};

/// What naming a dialect looks like in code: live-demo's module and types, Amigo's module
/// path and types (prose may say "Amigo", as the help text does; code may not).
const NAMES: [&str; 8] = [
    "live_demo",
    "LiveDemo",
    "amigo::",
    "amigo;",
    "amigo_",
    "AmigoServer",
    "AmigoDecoder",
    "Amigo::",
];

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn only_the_dialects_folder_names_a_dialect() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let allowed = src.join("dialects");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 5, "found the server's sources");
    assert!(
        files.iter().any(|f| f.starts_with(&allowed)),
        "the dialects folder exists"
    );
    let offenders: Vec<String> = files
        .iter()
        .filter(|file| !file.starts_with(&allowed))
        .flat_map(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            text.lines()
                .enumerate()
                .filter(|(_, line)| NAMES.iter().any(|name| line.contains(name)))
                .map(|(n, line)| format!("{}:{}: {}", file.display(), n + 1, line.trim()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "only src/dialects/ may name a dialect:\n{}",
        offenders.join("\n")
    );
}
