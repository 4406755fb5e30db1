//! `cargo xtask dist`: the folder a site (or a CDN) serves Docent from.
//!
//! ```text
//! dist/docent.js                 the loader: the one script tag points here (short cache)
//! dist/docent-app.js             wasm-bindgen's JS glue (an ES module the loader imports)
//! dist/docent-app_bg.wasm        the widget, for live-demo (the default)
//! dist/docent-app-aui.js, …_bg.wasm    the same for AUI, and `docent-app-amigo…` for Amigo:
//!                                one build per platform; the loader fetches the page's one
//! dist/docent.css                the default theme
//! dist/snippets/…                JS modules imported on first use: the page-command
//!                                `executor.js` and the notification `sound.js` (`load.js`,
//!                                which the glue imports, is written into the glue instead:
//!                                one request fewer before the widget can start)
//! dist/<name>.<hash>.<ext>       each of them again under a content hash (cache forever)
//! dist/manifest.json             stable name -> hashed name, bytes, SRI integrity
//! dist/….br, dist/….gz           every file above compressed ahead of time (brotli q11, gzip
//!                                -9), for servers that send a ready copy rather than
//!                                compress on each request (nginx `brotli_static`/`gzip_static`,
//!                                the reference server)
//! ```
//! The loader refers to the hashed glue, wasm and stylesheet, so a new release never mixes
//! with an old one in a cache. The snippets keep wasm-bindgen's paths (the glue and the wasm
//! name them), so they are served like the loader: cached briefly.

use crate::minify::{self, Kind};
use crate::{command, root, run, target_dir};
use sha2::{Digest, Sha256, Sha384};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One widget build per platform: its cargo feature and the name of its glue and wasm
/// (`docent-app.js`, `docent-app_bg.wasm`). A site downloads only its platform's build, which
/// the loader picks by `data-dialect`; live-demo's keeps the plain names (the default).
pub const BUILDS: [(&str, &str); 3] = [
    ("live-demo", "docent-app"),
    ("aui", "docent-app-aui"),
    ("amigo", "docent-app-amigo"),
];

/// What selects one platform's build of the shipped wasm, for `cargo build` and `cargo
/// clippy` alike: that platform's features and no others.
pub fn platform_build(platform: &str) -> [&str; 7] {
    [
        "-p",
        "docent-web",
        "--target",
        "wasm32-unknown-unknown",
        "--no-default-features",
        "--features",
        platform,
    ]
}

/// The languages shipped besides English (`locales/<lang>.json`; the loader's `LOCALES`).
pub const LOCALES: [&str; 2] = ["de", "he"];

/// The files a visitor may download, by their stable names, each with the platform whose
/// build it belongs to (`None`: every visitor's).
pub fn shipped() -> Vec<(String, Option<&'static str>)> {
    let mut files = vec![("docent.js".to_string(), None)];
    for (dialect, name) in BUILDS {
        files.push((format!("{name}.js"), Some(dialect)));
        files.push((format!("{name}_bg.wasm"), Some(dialect)));
    }
    files.push(("docent.css".to_string(), None));
    files
}

pub fn folder() -> PathBuf {
    root().join("dist")
}

pub fn build() -> Result<(), String> {
    let staging = target_dir().join("docent-bindgen");
    let _ = std::fs::remove_dir_all(&staging);
    for (dialect, name) in BUILDS {
        build_one(dialect, name, &staging)?;
    }
    // Written beside dist/ and then renamed over it, so dist/ is never half-written: an
    // interrupted build leaves the previous dist/ (or none), and the next build replaces it.
    let out = root().join("dist.partial");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut inlined = Vec::new();
    for (_, name) in BUILDS {
        let glue = format!("{name}.js");
        let text = String::from_utf8(read(&staging.join(&glue))?)
            .map_err(|_| format!("{glue} is not UTF-8"))?;
        let (text, snippets) = inline_snippets(&text, |path| {
            std::fs::read_to_string(staging.join(path))
                .map_err(|e| format!("cannot read the snippet {path}: {e}"))
        })
        .map_err(|e| format!("{glue}: {e}"))?;
        inlined.extend(snippets);
        let slimmed = no_debug_string(&text)
            .and_then(|()| own_start(&text))
            .and_then(|text| slim_glue(&text))
            .map_err(|e| format!("{glue}: {e}"))?;
        let wasm = format!("{name}_bg.wasm");
        let bytes = read(&staging.join(&wasm))?;
        let own_module = format!("./{name}_bg.js");
        if bytes
            .windows(own_module.len())
            .any(|w| w == own_module.as_bytes())
        {
            return Err(format!(
                "{wasm} still imports from {own_module}: wasm-opt did not rename its modules"
            ));
        }
        let report =
            String::from_utf8_lossy(&read(&staging.join(format!("{name}.renames")))?).into_owned();
        let renamed =
            minify::rename_in_glue(&slimmed, &minify::parse_renames(&report)?, &own_module)
                .map_err(|e| format!("{glue}: {e}"))?;
        files.push((
            glue.clone(),
            minify::esbuild(&renamed, Kind::Js, &glue)?.into_bytes(),
        ));
        files.push((wasm, bytes));
    }
    let css = String::from_utf8(read(&root().join("style/docent.css"))?)
        .map_err(|_| "style/docent.css is not UTF-8".to_string())?;
    let css = minify::esbuild(&css, Kind::Css, "docent.css")?;
    files.push(("docent.css".to_string(), css.into_bytes()));
    // Languages besides English: fetched by the loader only for visitors who need one.
    for lang in LOCALES {
        let words = read(&root().join(format!("locales/{lang}.json")))?;
        files.push((format!("docent-{lang}.json"), words));
    }
    let hashed: Vec<(String, String)> = files
        .iter()
        .map(|(name, bytes)| (name.clone(), hashed_name(name, bytes)))
        .collect();
    let loader = String::from_utf8(read(&root().join("loader/docent.js"))?)
        .map_err(|_| "loader/docent.js is not UTF-8".to_string())?;
    let loader = point_loader_at(&slim(&loader), &hashed)?;
    let loader = minify::esbuild(&loader, Kind::Js, "docent.js")?;
    files.insert(0, ("docent.js".to_string(), loader.into_bytes()));

    copy_dir(&staging.join("snippets"), &out.join("snippets"))?;
    // Written into every glue that imports them: nothing asks for them on their own (unless
    // a glue still links to one, `new URL('snippets/…', import.meta.url)`: then it stays; the
    // wasm's import object names it as `"./snippets/…"`, a key, not a URL).
    for path in inlined {
        let named = files.iter().any(|(_, bytes)| {
            let text = String::from_utf8_lossy(bytes);
            text.contains(&format!("'{path}'")) || text.contains(&format!("\"{path}\""))
        });
        if !named {
            let _ = std::fs::remove_file(out.join(path));
        }
    }

    let mut manifest = String::from("{\n");
    for (i, (name, bytes)) in files.iter().enumerate() {
        let hashed = hashed_name(name, bytes);
        for file in [name.to_string(), hashed.clone()] {
            std::fs::write(out.join(&file), bytes)
                .map_err(|e| format!("cannot write {file}: {e}"))?;
        }
        let comma = if i + 1 < files.len() { "," } else { "" };
        let _ = writeln!(
            manifest,
            "  \"{name}\": {{ \"file\": \"{hashed}\", \"bytes\": {}, \"integrity\": \"{}\" }}{comma}",
            bytes.len(),
            integrity(bytes)
        );
    }
    manifest.push_str("}\n");
    std::fs::write(out.join("manifest.json"), manifest)
        .map_err(|e| format!("cannot write manifest.json: {e}"))?;
    let started = std::time::Instant::now();
    precompress(&out)?;
    println!(
        "compressed ahead of time in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let dist = folder();
    if dist.exists() {
        std::fs::remove_dir_all(&dist)
            .or_else(|_| std::fs::remove_file(&dist))
            .map_err(|e| format!("cannot replace {}: {e}", dist.display()))?;
    }
    std::fs::rename(&out, &dist).map_err(|e| format!("cannot write {}: {e}", dist.display()))?;
    println!("wrote {}", dist.display());
    Ok(())
}

/// Builds the widget for one platform (`--features dialect`), makes its glue `name.js` and
/// `name_bg.wasm` in `staging` (wasm-bindgen puts the snippets beside them) and shrinks the
/// wasm. Each build replaces the last one's `docent_web.wasm`, so they run one after another.
fn build_one(dialect: &str, name: &str, staging: &Path) -> Result<(), String> {
    run(
        &format!("build the widget for {dialect} (cargo build --release --target wasm32-unknown-unknown)"),
        command("cargo")
            .args(["build", "--release", "--lib"])
            .args(platform_build(dialect)),
    )?;
    run(
        &format!("generate its JS glue (wasm-bindgen --target web --out-name {name})"),
        command("wasm-bindgen")
            .args([
                "--target",
                "web",
                "--no-typescript",
                // `link_to!` modules (the page-command executor) become files beside the
                // glue, imported when first used, instead of blobs inlined into it, which a
                // strict CSP would refuse.
                "--split-linked-modules",
                "--out-name",
                name,
                "--out-dir",
            ])
            .arg(staging)
            .arg(target_dir().join("wasm32-unknown-unknown/release/docent_web.wasm")),
    )?;
    let wasm = staging.join(format!("{name}_bg.wasm"));
    let step = "shrink the wasm (wasm-opt -Os, binaryen 132 from npm)";
    println!("\n==> {step}");
    let output = command("wasm-opt")
        .args([
            // Imports and exports named `a`, `b`, … in one module `a` instead of
            // wasm-bindgen's `__wbg_appendChild_dbf7ad2f48413560`: prints what it
            // renamed, which `minify::rename_in_glue` repeats in the glue.
            "--minify-imports-and-exports-and-modules",
            // -Os, not -Oz: 7 KB more raw code, but 0.3-0.7 KB less brotli (what every
            // visitor downloads): -288 / -487 / -664 B on live-demo / AUI / Amigo.
            "-Os",
            // Fresh memory is zeros (the module owns its memory): a few hundred bytes.
            "--zero-filled-memory",
            // No valid address is reached by wrapping past 4 GiB into the first 1 KiB
            // (the stack comes first and grows down toward it; Rust never addresses
            // memory from a negative base), so an added constant can fold into a load's
            // or store's offset: -0.85 KB brotli per build.
            "--low-memory-unused",
            // Custom sections no browser reads (the wasm's own features are still
            // checked on load): ~260 B raw. `--converge` was measured too and not kept:
            // -0.5 KB raw but brotli +290 / -10 / +3 on live-demo / AUI / Amigo, and
            // slower. Never `-tnh` (traps-never-happen): with `panic = "abort"` a
            // failed check's trap is the end, and that would let code run past it.
            "--strip-producers",
            "--strip-target-features",
            "--enable-bulk-memory",
            "--enable-reference-types",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-multivalue",
            "--output",
        ])
        .arg(&wasm)
        .arg(&wasm)
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("{step}: could not start: {e}"))?;
    if !output.status.success() {
        return Err(format!("{step} failed ({})", output.status));
    }
    // Its exports at consecutive indices: 64 KB less JS heap per page (see exports.rs).
    let bytes = std::fs::read(&wasm).map_err(|e| format!("cannot read {}: {e}", wasm.display()))?;
    let bytes =
        crate::exports::consecutive(&bytes).map_err(|e| format!("{}: {e}", wasm.display()))?;
    std::fs::write(&wasm, bytes).map_err(|e| format!("cannot write {}: {e}", wasm.display()))?;
    let report = staging.join(format!("{name}.renames"));
    std::fs::write(&report, &output.stdout)
        .map_err(|e| format!("cannot write {}: {e}", report.display()))
}

/// Writes `file.br` and `file.gz` beside every file under `dir`: compressing as it serves
/// costs a server time on every request (250 ms for the wasm at the reference server's
/// settings, and 20 % more bytes than brotli's best). A file and its hashed copy are the
/// same bytes, compressed once; files are compressed side by side (brotli at its best is
/// slow: seconds for the three wasm builds).
fn precompress(dir: &Path) -> Result<(), String> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for file in files_under(dir, Path::new("")) {
        let path = dir.join(&file);
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        files.push((path, bytes));
    }
    let mut unique: Vec<&[u8]> = files.iter().map(|(_, b)| b.as_slice()).collect();
    unique.sort();
    unique.dedup();
    let packed: Vec<(&[u8], Vec<u8>, Vec<u8>)> = std::thread::scope(|scope| {
        let jobs: Vec<_> = unique
            .iter()
            .map(|bytes| {
                scope.spawn(move || (*bytes, crate::size::brotli(bytes), crate::size::gzip(bytes)))
            })
            .collect();
        jobs.into_iter()
            .map(|job| job.join().expect("compressing in memory"))
            .collect()
    });
    for (path, bytes) in &files {
        let (_, br, gz) = packed
            .iter()
            .find(|(b, _, _)| b == bytes)
            .expect("every file was compressed");
        for (ext, copy) in [("br", br), ("gz", gz)] {
            let target = PathBuf::from(format!("{}.{ext}", path.display()));
            std::fs::write(&target, copy)
                .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
        }
    }
    Ok(())
}

/// Whether `file` is a copy made by [`precompress`], not a file of its own.
pub fn is_precompressed(file: &Path) -> bool {
    file.extension().is_some_and(|e| e == "br" || e == "gz")
}

/// Copies a folder's files and subfolders (wasm-bindgen's `snippets/`).
fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    let entries =
        std::fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", from.display()))?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        if source.is_dir() {
            copy_dir(&source, &target)?;
        } else if source.extension().is_some_and(|e| e == "js") && is_docents(&source) {
            // Docent's own modules (load.js, executor.js) are written like the loader, so
            // their comments can go the same way: a demo's visitors download them.
            let text = std::fs::read_to_string(&source)
                .map_err(|e| format!("cannot read {}: {e}", source.display()))?;
            std::fs::write(&target, without_comment_lines(&text))
                .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
        } else {
            std::fs::copy(&source, &target)
                .map_err(|e| format!("cannot copy {}: {e}", source.display()))?;
        }
    }
    Ok(())
}

/// Whether a snippet is the docent crate's own (wasm-bindgen puts each crate's snippets in
/// a folder named after it), not a dependency's, whose lines may not follow our rule.
fn is_docents(snippet: &Path) -> bool {
    snippet
        .components()
        .any(|c| c.as_os_str().to_string_lossy().starts_with("docent-"))
}

/// Every file under `dir`, as paths relative to it (`snippets/docent-…/src/commands/load.js`).
pub fn files_under(dir: &Path, prefix: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let relative = prefix.join(entry.file_name());
        if entry.path().is_dir() {
            files.extend(files_under(&entry.path(), &relative));
        } else {
            files.push(relative);
        }
    }
    files.sort();
    files
}

/// `docent.css` -> `docent.1a2b3c4d5e.css`: the first 10 hex digits of its SHA-256.
fn hashed_name(name: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hash: String = digest[..5].iter().map(|b| format!("{b:02x}")).collect();
    match name.split_once('.') {
        Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
        None => format!("{name}.{hash}"),
    }
}

/// Subresource Integrity value (`sha384-…`), for a page that pins a release.
fn integrity(bytes: &[u8]) -> String {
    use base64::Engine as _;
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes))
    )
}

/// The loader without its comments and indentation: every page load downloads it before
/// anything else. Only whole-line comments are taken out (the loader is written so that no
/// code line starts with `//`, `/*` or `*`), so no code can be cut.
fn slim(loader: &str) -> String {
    String::from("/*! Docent embed loader */\n") + &without_comment_lines(loader)
}

/// The lines of a JS file that are code, trimmed (see [`slim`]).
fn without_comment_lines(js: &str) -> String {
    let mut out = String::new();
    for line in js.lines().map(str::trim) {
        let comment = line.starts_with("//") || line.starts_with("/*") || line.starts_with('*');
        if !line.is_empty() && !comment {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// wasm-bindgen's glue without its comments and indentation: its doc comments (ours, copied
/// from the Rust) and per-import notes were a seventh of every visitor's glue (-1.1 KB
/// brotli per build). A line goes only if it is a `//` comment or inside a `/* … */` that
/// takes whole lines; every other line is kept, trimmed. Refuses (rather than guess) a glue
/// whose shape would make that unsafe: a block comment that ends mid-line, a template
/// literal or string that runs on to the next line (its indentation is text).
fn slim_glue(js: &str) -> Result<String, String> {
    let mut out = String::with_capacity(js.len());
    let mut in_comment = false;
    for (n, line) in js.lines().map(str::trim).enumerate() {
        let starts_comment = !in_comment && line.starts_with("/*");
        if in_comment || starts_comment {
            match line.find("*/") {
                Some(end) if end + 2 == line.len() => in_comment = false,
                Some(_) => return Err(format!("line {}: code after a block comment", n + 1)),
                None => in_comment = true,
            }
            continue;
        }
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        if line.matches('`').count() % 2 == 1 || line.ends_with('\\') {
            return Err(format!(
                "line {}: text that runs on to the next line",
                n + 1
            ));
        }
        out.push_str(line);
        out.push('\n');
    }
    if in_comment {
        return Err("a block comment that never ends".to_string());
    }
    Ok(out)
}

/// How the glue starts the wasm, in place of wasm-bindgen's `__wbg_load`, `initSync` and
/// `__wbg_init`: the loader always hands over the wasm's fetch (a promise of its
/// `Response`), so the other ways in (a URL, bytes, a `Module`, a synchronous start) and
/// their warnings were bytes every visitor downloaded for nothing (-0.4 KB brotli per build).
/// It keeps what they did for a fetch: a failed fetch is an error naming the status, and a
/// server that sends the wasm under another type than `application/wasm` still works
/// (compiled once it is all in), and it starts the wasm once per page, as theirs did: a widget
/// destroyed and started again (`Docent.destroy()`, `Docent.init()`) gets the running one.
/// Refuses a glue whose start is not wasm-bindgen 0.2.130's.
const OWN_START: &str = "let __wbg_started;
function __wbg_init({ module_or_path }) {
if (__wbg_started === undefined) {
__wbg_started = __wbg_start(module_or_path);
__wbg_started.catch(() => { __wbg_started = undefined; });
}
return __wbg_started;
}
async function __wbg_start(module_or_path) {
const response = await module_or_path;
if (!response.ok) {
throw new Error(`failed to fetch Wasm: ${response.status} ${response.statusText} fetching '${response.url}'`);
}
const imports = __wbg_get_imports();
let result;
try {
result = await WebAssembly.instantiateStreaming(response, imports);
} catch (error) {
if (response.bodyUsed) throw error;
result = await WebAssembly.instantiate(await response.arrayBuffer(), imports);
}
return __wbg_finalize_init(result.instance, result.module);
}
export { __wbg_init as default };
";

/// Refuses a glue that links wasm-bindgen's `debugString`: it comes with `Debug` of a
/// `JsValue` (an `expect` or `unwrap` on a `Result` whose error is one), and with it the wasm's
/// formatting for a panic message nobody sees: 1.1 to 1.6 KB per build (`ui::dom::made`).
fn no_debug_string(glue: &str) -> Result<(), String> {
    if glue.contains("function debugString(") {
        return Err("the glue links `debugString`: something formats a `JsValue` with `{:?}` (an `expect` or `unwrap` on a `Result<_, JsValue>`?); see `ui::dom::made`".to_string());
    }
    Ok(())
}

fn own_start(glue: &str) -> Result<String, String> {
    const FROM: &str = "async function __wbg_load(module, imports) {";
    const TO: &str = "export { initSync, __wbg_init as default };";
    let from = glue.find(FROM).filter(|at| glue.rfind(FROM) == Some(*at));
    let to = glue.find(TO).filter(|at| glue.rfind(TO) == Some(*at));
    match (from, to) {
        (Some(from), Some(to)) if from < to && glue[to + TO.len()..].trim().is_empty() => {
            Ok(format!("{}{OWN_START}", &glue[..from]))
        }
        _ => Err(
            "the glue's start is not wasm-bindgen 0.2.130's (`__wbg_load` … `export { initSync, __wbg_init as default };` at its end): see `own_start`"
                .to_string(),
        ),
    }
}

/// The glue with the snippets it imports statically written into it (`load.js`): the
/// browser would fetch each only after it has the glue, and the wasm cannot start before
/// they come, so each is a round trip on the way to a running widget. Returns the glue and
/// the snippets' paths (`snippets/…/load.js`). A snippet may only declare `export function`s
/// and import nothing statically (a dynamic `import()` of an absolute URL is fine: the URLs
/// come from `link_to!`); anything else is refused rather than rewritten wrongly.
fn inline_snippets(
    glue: &str,
    read: impl Fn(&str) -> Result<String, String>,
) -> Result<(String, Vec<String>), String> {
    let mut paths: Vec<String> = Vec::new();
    let mut lines = Vec::new();
    for line in glue.lines() {
        let from = line
            .trim()
            .strip_prefix("import ")
            .and_then(|rest| rest.split_once(" from "))
            .map(|(what, path)| (what.trim(), path.trim().trim_end_matches(';')))
            .filter(|(_, path)| path.len() > 2 && path[1..].starts_with("./snippets/"));
        let Some((what, quoted)) = from else {
            lines.push(line.to_string());
            continue;
        };
        let path = quoted[3..quoted.len() - 1].to_string();
        let index = match paths.iter().position(|p| *p == path) {
            Some(i) => i,
            None => {
                paths.push(path.clone());
                paths.len() - 1
            }
        };
        let module = format!("__docent_snippet{index}");
        let plain = |names: &str| {
            names
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '$' | ',' | ' '))
        };
        let binding = match what.strip_prefix("* as ") {
            Some(name) if plain(name) => format!("const {name} = {module};"),
            // Renamed (`run as run2`) or quoted names are not a destructuring pattern.
            None if what.starts_with("{ ")
                && what.ends_with(" }")
                && plain(&what[2..what.len() - 2])
                && !what.contains(" as ") =>
            {
                format!("const {what} = {module};")
            }
            _ => {
                return Err(format!(
                    "an import of {path} that is not understood: {line}"
                ))
            }
        };
        lines.push(binding);
    }
    let mut modules = String::new();
    for (i, path) in paths.iter().enumerate() {
        let source = read(path)?;
        let mut names = Vec::new();
        let mut body = String::new();
        for line in source.lines() {
            let trimmed = line.trim_start();
            if trimmed.starts_with("import ") || trimmed.starts_with("export {") {
                return Err(format!(
                    "{path}: a snippet to inline imports or re-exports: {line}"
                ));
            }
            // What would mean something else once the code sits in the glue: its own URL,
            // a path relative to it, waiting at the top level.
            if line.contains("import.meta")
                || line.contains("import('.")
                || line.contains("import(\".")
                || line.starts_with("await ")
            {
                return Err(format!(
                    "{path}: code that depends on being its own module: {line}"
                ));
            }
            match trimmed.strip_prefix("export function ") {
                Some(rest) => {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
                        .collect();
                    if name.is_empty() {
                        return Err(format!("{path}: an export without a plain name: {line}"));
                    }
                    names.push(name);
                    body.push_str(&line.replacen("export function ", "function ", 1));
                }
                None if trimmed.starts_with("export ") => {
                    return Err(format!(
                        "{path}: only `export function`s can be inlined: {line}"
                    ))
                }
                None => body.push_str(line),
            }
            body.push('\n');
        }
        let _ = writeln!(
            modules,
            "const __docent_snippet{i} = (() => {{\n{body}return {{ {} }};\n}})();",
            names.join(", ")
        );
    }
    let mut out = modules;
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    Ok((out, paths))
}

/// Replaces the loader's stable file names (`app: 'docent-app.js'`) with the hashed ones.
fn point_loader_at(loader: &str, hashed: &[(String, String)]) -> Result<String, String> {
    let mut text = loader.to_string();
    for (name, hashed) in hashed {
        let quoted = format!("'{name}'");
        if !text.contains(&quoted) {
            return Err(format!("loader/docent.js does not name {quoted} in FILES"));
        }
        text = text.replacen(&quoted, &format!("'{hashed}'"), 1);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_keep_the_extension_and_change_with_the_content() {
        let a = hashed_name("docent-app_bg.wasm", b"one");
        let b = hashed_name("docent-app_bg.wasm", b"two");
        assert!(
            a.starts_with("docent-app_bg.") && a.ends_with(".wasm"),
            "{a}"
        );
        assert_eq!(a.len(), "docent-app_bg..wasm".len() + 10);
        assert_ne!(a, b);
    }

    #[test]
    fn snippets_the_glue_imports_are_written_into_it() {
        let glue = "import { chime, run } from './snippets/d-1/src/load.js';\n\
                    import * as import1 from \"./snippets/d-1/src/load.js\"\n\
                    const url = new URL('snippets/d-1/src/executor.js', import.meta.url);\n";
        let snippet =
            "// comment\nlet loaded = null;\nexport function run(u) {\n  return import(u);\n}\n\
                       export function chime(u) {}\n";
        let (out, paths) = inline_snippets(glue, |path| {
            assert_eq!(path, "snippets/d-1/src/load.js");
            Ok(snippet.to_string())
        })
        .unwrap();
        assert_eq!(paths, ["snippets/d-1/src/load.js"]);
        assert!(
            !out.contains("import {") && !out.contains("import *"),
            "{out}"
        );
        assert!(out.contains("return { run, chime };"), "{out}");
        assert!(
            out.contains("const { chime, run } = __docent_snippet0;"),
            "{out}"
        );
        assert!(out.contains("const import1 = __docent_snippet0;"), "{out}");
        assert!(
            out.contains("function run(u) {\n  return import(u);"),
            "{out}"
        );
        // The module is defined before the names that read it.
        assert!(out.find("const __docent_snippet0").unwrap() < out.find("const import1").unwrap());
        // Links to modules loaded later stay links.
        assert!(out.contains("executor.js"), "{out}");
    }

    #[test]
    fn a_snippet_that_cannot_be_inlined_safely_is_refused() {
        let glue = "import { run } from './snippets/d-1/src/load.js';\n";
        for snippet in [
            "import { x } from './other.js';\nexport function run() {}\n",
            "export const run = () => {};\n",
            "function run() {}\nexport { run };\n",
            "export function *run() {}\n",
            "export function run() { return import.meta.url; }\n",
            "export function run() { return import('./executor.js'); }\n",
            "await setup();\nexport function run() {}\n",
        ] {
            assert!(
                inline_snippets(glue, |_| Ok(snippet.to_string())).is_err(),
                "{snippet}"
            );
        }
    }

    #[test]
    fn a_glue_import_that_is_not_a_plain_list_of_names_is_refused() {
        let snippet = "export function run() {}\n";
        for glue in [
            "import { run as run2 } from './snippets/d-1/src/load.js';\n",
            "import { 'a-b' } from './snippets/d-1/src/load.js';\n",
            "import run from './snippets/d-1/src/load.js';\n",
        ] {
            assert!(
                inline_snippets(glue, |_| Ok(snippet.to_string())).is_err(),
                "{glue}"
            );
        }
    }

    #[test]
    fn the_loader_is_pointed_at_the_hashed_files() {
        let loader = "var FILES = { app: 'docent-app.js', css: 'docent.css' };";
        let hashed = [
            ("docent-app.js".to_string(), "docent-app.aa.js".to_string()),
            ("docent.css".to_string(), "docent.bb.css".to_string()),
        ];
        assert_eq!(
            point_loader_at(loader, &hashed).unwrap(),
            "var FILES = { app: 'docent-app.aa.js', css: 'docent.bb.css' };"
        );
        let missing = [("docent-app_bg.wasm".to_string(), "x".to_string())];
        assert!(point_loader_at(loader, &missing).is_err());
    }

    #[test]
    fn a_glue_that_formats_js_values_is_refused() {
        assert!(no_debug_string("function __wbg_get_imports() {}\n").is_ok());
        assert!(no_debug_string("function debugString(val) {\n}\n").is_err());
    }

    #[test]
    fn the_glue_starts_the_wasm_its_own_way_or_is_refused() {
        let glue = "function __wbg_get_imports() {}\nasync function __wbg_load(module, imports) {\n}\nfunction initSync(module) {}\nexport { initSync, __wbg_init as default };\n";
        let own = own_start(glue).unwrap();
        assert!(own.starts_with("function __wbg_get_imports() {}\n"));
        assert!(own.ends_with(OWN_START));
        assert!(!own.contains("initSync") && !own.contains("__wbg_load"));
        // Another shape: refused, not rewritten.
        assert!(own_start("export { initSync, __wbg_init as default };").is_err());
        assert!(
            own_start(&glue.replace("export { initSync,", "export { initSync, mount,")).is_err()
        );
        assert!(own_start(&format!("{glue}export const later = 1;\n")).is_err());
        assert!(own_start(&format!("{glue}{glue}")).is_err(), "twice");
    }

    #[test]
    fn slimming_drops_comment_lines_and_indentation_only() {
        let loader = "/*! header\n * more */\n(function () {\n  // why\n  var a = 'x // y';\n\n  /** doc */\n  return a * 2;\n})();\n";
        assert_eq!(
            slim(loader).lines().skip(1).collect::<Vec<_>>(),
            [
                "(function () {",
                "var a = 'x // y';",
                "return a * 2;",
                "})();"
            ]
        );
    }

    #[test]
    fn the_glue_loses_whole_comment_lines_and_indentation_only() {
        let glue = "/**\n * Docs.\n * @param {string} a\n */\nexport function f(a) {\n    // why\n    const s = 'x // y /* z */';\n    return a * 2; // kept\n}\n/* one line */\nlet t = `${a} b`;\n";
        assert_eq!(
            slim_glue(glue).unwrap(),
            "export function f(a) {\nconst s = 'x // y /* z */';\nreturn a * 2; // kept\n}\nlet t = `${a} b`;\n"
        );
        for unsafe_glue in [
            "/* a */ let b = 1;\n",
            "let t = `one\n    two`;\n",
            "let s = 'one\\\n    two';\n",
            "/* never closed\nlet a = 1;\n",
        ] {
            assert!(slim_glue(unsafe_glue).is_err(), "{unsafe_glue}");
        }
    }

    #[test]
    fn integrity_is_sha384_base64() {
        // echo -n abc | openssl dgst -sha384 -binary | base64
        assert_eq!(
            integrity(b"abc"),
            "sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn"
        );
    }
}
