//! Checks of the code's shape that the compiler does not make: modules depend one way, and
//! only one file of the widget (and one folder of the server) names a platform.
#![cfg(test)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

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

/// A file's code without its comments (`//` lines), which may name anything.
fn code_of(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The top-level modules of the crate at `src` and the ones each uses (`crate::name`),
/// tests left out (they may reach anywhere).
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(src).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        let module = Path::new(first)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .to_string();
        if matches!(module.as_str(), "lib" | "main") {
            continue;
        }
        let text = code_of(&file);
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let uses = graph.entry(module.clone()).or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            // `crate::{a, b::c}` names several modules at once.
            let names: Vec<&str> = match rest.strip_prefix('{') {
                Some(group) => group[..group.find('}').unwrap_or(group.len())]
                    .split(',')
                    .map(|n| n.trim().split("::").next().unwrap_or_default())
                    .collect(),
                None => vec![rest
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or_default()],
            };
            for name in names {
                if !name.is_empty() && name != module && name.chars().next().unwrap().is_lowercase()
                {
                    uses.insert(name.to_string());
                }
            }
        }
    }
    graph
}

/// A cycle in `graph`, if there is one, as the modules along it.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let graph = |edges: &[(&str, &str)]| {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in edges {
            g.entry(a.to_string()).or_default().insert(b.to_string());
        }
        g
    };
    assert_eq!(find_cycle(&graph(&[("a", "b"), ("b", "c")])), None);
    assert_eq!(
        find_cycle(&graph(&[("a", "b"), ("b", "c"), ("c", "a")])),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}

/// The widget's, the protocol's and the server's modules depend one way.
#[test]
fn modules_depend_one_way() {
    for crate_src in ["src", "protocol/src", "server/src"] {
        let graph = module_graph(&workspace().join(crate_src));
        assert!(graph.len() > 4, "{crate_src}: found only {graph:?}");
        assert_eq!(find_cycle(&graph), None, "{crate_src}: {graph:#?}");
    }
}

/// The seam holds: outside `src/dialects.rs`, nothing in the widget names a platform's types
/// or functions, so a new dialect is a codec in `protocol/` and one line in that file.
#[test]
fn only_one_file_of_the_widget_names_a_platform() {
    let mut files = Vec::new();
    rust_files(&workspace().join("src"), &mut files);
    let names = ["live_demo", "LiveDemo", "aui::", "Aui", "amigo::", "Amigo"];
    let offenders: Vec<_> = files
        .iter()
        .filter(|path| !path.ends_with("dialects.rs") && !path.ends_with("layering.rs"))
        .filter(|path| {
            let code = code_of(path);
            names.iter().any(|name| code.contains(name))
        })
        .collect();
    assert!(offenders.is_empty(), "platform names in {offenders:?}");
}
