//! Short names for what every visitor downloads: the wasm's imports and exports, and the JS
//! and CSS text.
//!
//! wasm-bindgen names each import after the web API and a 16-digit hash
//! (`__wbg_appendChild_dbf7ad2f48413560`), and the glue names it again as a key of its
//! import object: 160-odd names, each in two files, whose hashes brotli cannot compress.
//! `wasm-opt --minify-imports-and-exports-and-modules` renames them in the wasm (`a`, `b`, …,
//! all in one module `a`) and prints what it renamed; [`rename_in_glue`] makes the same
//! change in the glue. esbuild then minifies the glue, the loader and the stylesheet
//! (`npm`'s esbuild, pinned in `package-lock.json`): it renames local names and drops
//! whitespace, and keeps the meaning.

use crate::command;
use std::io::Write as _;
use std::process::Stdio;

/// The module binaryen puts every import into when it minifies module names.
const MODULE: &str = "a";

/// What `wasm-opt --minify-imports-and-exports-and-modules` renamed, as it printed it.
#[derive(Debug, Default, PartialEq)]
pub struct Renames {
    /// `(module, name, new name)`; the module becomes [`MODULE`].
    pub imports: Vec<(String, String, String)>,
    /// `(name, new name)`
    pub exports: Vec<(String, String)>,
}

/// Reads wasm-opt's report: a JSON-like text with one `["module", "name", "new"]` line per
/// import and one `["name", "new"]` line per export (binaryen 132 leaves a trailing comma,
/// so it is read line by line rather than as JSON).
pub fn parse_renames(report: &str) -> Result<Renames, String> {
    let mut renames = Renames::default();
    for line in report.lines().map(str::trim) {
        if !line.starts_with('[') || line == "[" {
            continue;
        }
        let texts: Vec<&str> = line.split('"').skip(1).step_by(2).collect();
        match texts.as_slice() {
            [module, name, new] => {
                renames
                    .imports
                    .push((module.to_string(), name.to_string(), new.to_string()))
            }
            [name, new] => renames.exports.push((name.to_string(), new.to_string())),
            _ => {
                return Err(format!(
                    "wasm-opt's rename report has a line I cannot read: {line}"
                ))
            }
        }
    }
    if renames.imports.is_empty() || renames.exports.is_empty() {
        return Err("wasm-opt's rename report names no import or no export".to_string());
    }
    Ok(renames)
}

/// The glue (after `slim_glue`: one trimmed statement or key per line) with the wasm's new
/// names: the import object's keys, one module `a`, and every `wasm.export`. `own_module` is
/// the glue's own import module (`./docent-app_bg.js`). Refuses a glue it cannot rewrite
/// exactly: a renamed import it cannot find once, an import module it has no object for, an
/// export read other than as `wasm.name`.
pub fn rename_in_glue(glue: &str, renames: &Renames, own_module: &str) -> Result<String, String> {
    // The exports are renamed where the glue reads them as `wasm.name`: any other way to
    // reach them (computed, optional, destructured, or through another object) is refused.
    for other_way in ["wasm[", "wasm?.", "} = wasm", "exports."] {
        if glue.contains(other_way) {
            return Err(format!(
                "the glue reads the wasm's exports other than as `wasm.name` (`{other_way}`)"
            ));
        }
    }
    let mut lines: Vec<String> = glue.lines().map(str::to_string).collect();
    // `return { __proto__: null, "./docent-app_bg.js": import0, "./snippets/…": import1, };`
    let (block_start, block_end, objects) = import_objects(&lines)?;
    let own = objects
        .iter()
        .find(|(module, _)| module == own_module)
        .map(|(_, object)| object.clone())
        .ok_or_else(|| format!("the glue has no import object for {own_module}"))?;
    let declared = format!("const {own} = {{");
    let own_at = lines
        .iter()
        .position(|l| *l == declared)
        .filter(|&i| lines.get(i + 1).map(String::as_str) == Some("__proto__: null,"))
        .ok_or_else(|| format!("the glue does not declare `{declared} __proto__: null,`"))?;

    let mut borrowed = Vec::new();
    for (module, name, new) in &renames.imports {
        if module == own_module {
            let key = format!("{name}: ");
            let found: Vec<usize> = (own_at..lines.len())
                .filter(|&i| lines[i].starts_with(&key))
                .collect();
            let [at] = found.as_slice() else {
                return Err(format!(
                    "the import {name} is a key of {own} {} times, not once",
                    found.len()
                ));
            };
            lines[*at] = format!("{new}: {}", &lines[*at][key.len()..]);
        } else {
            let object = objects
                .iter()
                .find(|(m, _)| m == module)
                .map(|(_, object)| object)
                .ok_or_else(|| format!("the glue has no import object for {module}"))?;
            if !is_identifier(name) {
                return Err(format!("the import {name} of {module} is not a plain name"));
            }
            borrowed.push(format!("{new}: {object}.{name},"));
        }
    }
    lines.splice(
        block_start..=block_end,
        [format!("return {{ __proto__: null, {MODULE}: {own} }};")],
    );
    lines.splice(own_at + 2..own_at + 2, borrowed);

    let exports: std::collections::HashMap<&str, &str> = renames
        .exports
        .iter()
        .map(|(name, new)| (name.as_str(), new.as_str()))
        .collect();
    let mut out = String::with_capacity(glue.len());
    for line in lines {
        out.push_str(&renamed_exports(&line, &exports));
        out.push('\n');
    }
    Ok(out)
}

/// `(module, the name of the glue's object for it)`
type ImportObjects = Vec<(String, String)>;

/// The glue's `return { __proto__: null, "module": object, … };` lines: where the block
/// starts and ends, and each module with the name of its object.
fn import_objects(lines: &[String]) -> Result<(usize, usize, ImportObjects), String> {
    let start = lines
        .windows(2)
        .position(|w| w[0] == "return {" && w[1] == "__proto__: null,")
        .ok_or("the glue has no `return { __proto__: null,` block of import objects")?;
    let mut objects = Vec::new();
    for (i, line) in lines.iter().enumerate().skip(start + 2) {
        if line == "};" {
            if objects.is_empty() {
                return Err("the glue's import block names no module".to_string());
            }
            return Ok((start, i, objects));
        }
        let entry = line
            .strip_prefix('"')
            .and_then(|l| l.strip_suffix(','))
            .and_then(|l| l.split_once("\": "))
            .filter(|(_, object)| is_identifier(object));
        let Some((module, object)) = entry else {
            return Err(format!(
                "the glue's import block has a line I cannot read: {line}"
            ));
        };
        objects.push((module.to_string(), object.to_string()));
    }
    Err("the glue's import block never ends".to_string())
}

/// One line with every `wasm.name` of a renamed export changed to `wasm.new`. A name is read
/// whole, so `wasm.f_10` is not taken for `wasm.f` followed by `_10`.
fn renamed_exports(line: &str, exports: &std::collections::HashMap<&str, &str>) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find("wasm.") {
        let before_is_name = rest[..at]
            .chars()
            .next_back()
            .is_some_and(is_identifier_char);
        let after = &rest[at + 5..];
        let len = after
            .find(|c: char| !is_identifier_char(c))
            .unwrap_or(after.len());
        out.push_str(&rest[..at + 5]);
        match exports.get(&after[..len]) {
            Some(new) if !before_is_name => out.push_str(new),
            _ => out.push_str(&after[..len]),
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

fn is_identifier_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(is_identifier_char)
}

/// What `--loader` esbuild reads the text as.
#[derive(Clone, Copy)]
pub enum Kind {
    Js,
    Css,
}

/// The text minified by esbuild (whitespace, comments, local names; `/*!` comments kept).
pub fn esbuild(text: &str, kind: Kind, what: &str) -> Result<String, String> {
    let loader = match kind {
        Kind::Js => "--loader=js",
        Kind::Css => "--loader=css",
    };
    let mut child = command("esbuild")
        .args(["--minify", loader, "--log-level=warning"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("minify {what}: could not start esbuild: {e}"))?;
    let mut stdin = child.stdin.take().expect("stdin was piped");
    let input = text.to_string();
    // Written from a thread: esbuild may fill its output pipe before it has read everything.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("minify {what}: esbuild: {e}"))?;
    writer
        .join()
        .map_err(|_| format!("minify {what}: the writer panicked"))?
        .map_err(|e| format!("minify {what}: could not hand esbuild the text: {e}"))?;
    if !output.status.success() {
        return Err(format!("minify {what}: esbuild failed ({})", output.status));
    }
    String::from_utf8(output.stdout).map_err(|_| format!("minify {what}: esbuild wrote non-UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = r#"{
 "imports": [
  ["./app_bg.js", "__wbg_focus_d5e2fdbdb56416f0", "$"],
  ["./snippets/x/load.js", "clearHighlight", "C"],
  ["./app_bg.js", "__wbg_new_ba40181b3f24ac80", "w"],
 ],
"exports": [
  ["invoke_h39", "Ac"],
  ["invoke_h39_10", "Bc"],
  ["memory", "oc"]
 ]
}"#;

    const GLUE: &str = "\
const import1 = __docent_snippet0;
function f() { wasm.invoke_h39(1); wasm.invoke_h39_10(2); return wasm.memory.buffer; }
function __wbg_get_imports() {
const import0 = {
__proto__: null,
__wbg_focus_d5e2fdbdb56416f0: function(arg0) {
arg0.focus();
},
__wbg_new_ba40181b3f24ac80: function() {
return new Object();
},
};
return {
__proto__: null,
\"./app_bg.js\": import0,
\"./snippets/x/load.js\": import1,
};
}
";

    #[test]
    fn the_report_is_read_line_by_line() {
        let renames = parse_renames(REPORT).unwrap();
        assert_eq!(renames.imports.len(), 3);
        assert_eq!(
            renames.imports[1],
            (
                "./snippets/x/load.js".into(),
                "clearHighlight".into(),
                "C".into()
            )
        );
        assert_eq!(renames.exports[2], ("memory".into(), "oc".into()));
        assert!(parse_renames("{}").is_err());
    }

    #[test]
    fn the_glue_gets_the_wasms_new_names() {
        let renames = parse_renames(REPORT).unwrap();
        let glue = rename_in_glue(GLUE, &renames, "./app_bg.js").unwrap();
        assert!(
            glue.contains("wasm.Ac(1); wasm.Bc(2); return wasm.oc.buffer;"),
            "{glue}"
        );
        assert!(glue.contains("\n$: function(arg0) {\n"), "{glue}");
        assert!(glue.contains("\nw: function() {\n"), "{glue}");
        // The snippet's import is borrowed into the one import object, under its new name.
        assert!(
            glue.contains("__proto__: null,\nC: import1.clearHighlight,\n$:"),
            "{glue}"
        );
        assert!(
            glue.contains("return { __proto__: null, a: import0 };"),
            "{glue}"
        );
        assert!(
            !glue.contains("__wbg_focus") && !glue.contains("\"./app_bg.js\""),
            "{glue}"
        );
    }

    #[test]
    fn a_glue_that_cannot_be_renamed_exactly_is_refused() {
        let renames = parse_renames(REPORT).unwrap();
        let missing = GLUE.replace("__wbg_new_ba40181b3f24ac80: ", "other: ");
        assert!(rename_in_glue(&missing, &renames, "./app_bg.js")
            .unwrap_err()
            .contains("__wbg_new_ba40181b3f24ac80"));
        let twice = GLUE.replace("arg0.focus();", "__wbg_focus_d5e2fdbdb56416f0: 1,");
        assert!(rename_in_glue(&twice, &renames, "./app_bg.js").is_err());
        for other_way in ["wasm['memory']", "wasm?.memory", "instance.exports.memory"] {
            let glue = GLUE.replace("wasm.memory", other_way);
            assert!(
                rename_in_glue(&glue, &renames, "./app_bg.js").is_err(),
                "{other_way}"
            );
        }
        let destructured = GLUE.replace("return wasm.memory.buffer;", "const { memory } = wasm;");
        assert!(rename_in_glue(&destructured, &renames, "./app_bg.js").is_err());
        let no_object = GLUE.replace("\"./snippets/x/load.js\": import1,\n", "");
        assert!(rename_in_glue(&no_object, &renames, "./app_bg.js")
            .unwrap_err()
            .contains("load.js"));
        assert!(rename_in_glue(GLUE, &renames, "./other_bg.js").is_err());
    }

    #[test]
    fn only_whole_export_names_after_wasm_dot_change() {
        let exports = [("f", "A")].into_iter().collect();
        assert_eq!(
            renamed_exports("wasm.f(); wasm.f_1(); mywasm.f(); wasm.f", &exports),
            "wasm.A(); wasm.f_1(); mywasm.f(); wasm.A"
        );
    }
}
