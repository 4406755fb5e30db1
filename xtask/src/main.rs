//! `cargo xtask …`: the commands the README names. Each one installs what it needs first,
//! so a fresh machine with only Rust can run them.
//!
//! - `cargo xtask demo [--port 8080] [--server-port 8787] [--server URL]`
//! - `cargo xtask test`
//! - `cargo xtask dist` (the deployable folder: loader, wasm, glue, stylesheet, hashes)
//! - `cargo xtask size` (build it and print what a visitor downloads)
//! - `cargo xtask bench [--quick]` (loading strategies, then Docent side by side with its
//!   peers, measured in Chromium, printed as tables)

mod dist;
mod exports;
mod minify;
mod setup;
mod size;
mod smoke;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

const USAGE: &str = "usage: cargo xtask <demo|test|dist|size|bench> [options]

  demo   build the widget, start the reference agent server and `trunk serve`
         --port N          trunk's port (default 8080)
         --server-port N   the agent server's port (default 8787)
         --server URL      use an agent server that is already running instead
  test   a smoke run of `demo` as a newcomer runs it, then fmt, clippy, native tests, wasm tests in headless Chromium, release build,
         bundle size budget, end-to-end browser tests
  smoke  only the first step of `test`: the demo run and visited as a newcomer would
  dist   write dist/: the loader docent.js, the wasm and its glue, the stylesheet,
         content-hashed copies and manifest.json, ready for a CDN
  size   build dist/ and print what a visitor downloads; fails over a budget
  bench  in headless Chromium: how each loading strategy (data-load) affects a host page,
         with and without network throttling; then Docent side by side with nlux-core and
         deep-chat (bytes, time to a usable composer at 1x and 4x CPU, blocking time,
         memory) and Docent's turn latency, streaming and long-conversation costs; writes
         target/bench/side-by-side.json
         --quick           fewer runs (a few minutes)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("demo") => demo(&args[1..]),
        Some("test") => test(),
        Some("bench") => bench(&args[1..]),
        Some("smoke") => setup::tools(true).and_then(|()| smoke::run()),
        Some("dist") => setup::tools(false).and_then(|()| dist::build()),
        Some("size") => setup::tools(false)
            .and_then(|()| dist::build())
            .and_then(|()| size::measure(&dist::folder()))
            .and_then(|assets| {
                size::print(&assets);
                size::check_budget(&assets)?;
                size::check_page_commands(&dist::folder())?;
                size::check_exports(&dist::folder())
            }),
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nxtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask lives one folder below it).
/// The workspace this command was run in: found from the current directory, not from where
/// xtask was compiled. Cargo reuses a built xtask across clones that share a target
/// directory, and a compile-time path would then point at another clone (it did: a test run
/// here once checked an older clone's tree).
pub fn root() -> PathBuf {
    static ROOT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| {
        let here = std::env::current_dir().unwrap_or_default();
        here.ancestors()
            .find(|dir| dir.join("xtask/Cargo.toml").is_file() && dir.join("Cargo.toml").is_file())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| {
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .parent()
                    .expect("xtask is inside the workspace")
                    .to_path_buf()
            })
    })
    .clone()
}

/// Where cargo puts what it builds: `target/` unless `CARGO_TARGET_DIR` or a cargo config
/// says otherwise, so it is asked, once.
pub fn target_dir() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| cargo_target_dir(&mut Command::new(env!("CARGO"))))
        .clone()
}

/// What `cargo metadata` (run as `cargo`, with its environment) names as the target directory.
fn cargo_target_dir(cargo: &mut Command) -> PathBuf {
    let metadata = cargo
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    json_string_field(&metadata, "target_directory")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// The value of the first `"name": "…"` in a JSON text (no serde for one path).
fn json_string_field(json: &str, name: &str) -> Option<String> {
    let start = json.find(&format!("\"{name}\":\""))? + name.len() + 4;
    let mut value = String::new();
    let mut chars = json[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(value),
            '\\' => match chars.next()? {
                'n' => value.push('\n'),
                't' => value.push('\t'),
                other => value.push(other),
            },
            c => value.push(c),
        }
    }
    None
}

/// A command run from the workspace root with node_modules/.bin first on PATH, so trunk
/// finds npm's wasm-opt 132 rather than any other.
pub fn command(program: &str) -> Command {
    let mut command = Command::new(program);
    command
        .current_dir(root())
        .env("PATH", setup::path_with_tools());
    command
}

/// Runs a command to completion; an error names the step that failed.
pub fn run(step: &str, command: &mut Command) -> Result<(), String> {
    println!("\n==> {step}");
    let status = command
        .status()
        .map_err(|e| format!("{step}: could not start: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{step} failed ({status})"))
    }
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn port(args: &[String], name: &str, default: u16) -> Result<u16, String> {
    match flag(args, name) {
        None => Ok(default),
        Some(value) => value
            .parse()
            .map_err(|_| format!("{name} takes a port number, not `{value}`")),
    }
}

/// Builds the demo site with trunk, whose pre-build hook runs `cargo xtask dist` (so that
/// `trunk serve` alone rebuilds the widget too), and measures what a visitor downloads.
fn release_build() -> Result<Vec<size::Asset>, String> {
    run(
        "build dist/ and the demo site (trunk build --release)",
        command("trunk").args(["build", "--release", "--offline=true"]),
    )?;
    let assets = size::measure(&dist::folder())?;
    size::print(&assets);
    Ok(assets)
}

/// Children that are stopped, by PID, however xtask ends.
struct Children(Vec<(String, Child)>);

impl Children {
    fn stop(&mut self) {
        for (name, child) in &mut self.0 {
            if let Ok(None) = child.try_wait() {
                // SIGINT first so trunk and the server shut down cleanly; then make sure.
                let _ = Command::new("kill")
                    .args(["-INT", &child.id().to_string()])
                    .status();
                for _ in 0..30 {
                    if let Ok(Some(_)) = child.try_wait() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                let _ = child.kill();
                let _ = child.wait();
                println!("stopped {name}");
            }
        }
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        self.stop();
    }
}

fn demo(args: &[String]) -> Result<(), String> {
    let web_port = port(args, "--port", 8080)?;
    let server_port = port(args, "--server-port", 8787)?;
    let external = flag(args, "--server");
    setup::tools(false)?;
    let mut children = Children(Vec::new());
    let backend = match &external {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => {
            build_server()?;
            let server = command(&server_bin().to_string_lossy())
                .args(["--port", &server_port.to_string()])
                .spawn()
                .map_err(|e| format!("could not start the agent server: {e}"))?;
            children.0.push(("the agent server".into(), server));
            format!("http://127.0.0.1:{server_port}")
        }
    };
    // trunk's proxies come from a generated config so both ports can be chosen.
    let config = setup::serve_config(web_port, &backend)?;
    let trunk = command("trunk")
        .args(["serve", "--release", "--offline=true", "--config"])
        .arg(&config)
        .spawn()
        .map_err(|e| format!("could not start trunk serve: {e}"))?;
    children.0.push(("trunk serve".into(), trunk));

    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .map_err(|e| format!("could not watch for Ctrl-C: {e}"))?;
    println!("\nDocent demo: open http://127.0.0.1:{web_port}/ (agent server: {backend}). Ctrl-C stops it.");
    while !stop.load(Ordering::SeqCst) {
        for (name, child) in &mut children.0 {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("{name} exited ({status})"));
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    println!("\nstopping…");
    children.stop();
    Ok(())
}

/// Builds the reference agent server's debug binary (a no-op when it is up to date).
pub fn build_server() -> Result<(), String> {
    run(
        "build the reference agent server",
        command("cargo").args(["build", "-p", "docent-server"]),
    )
}

/// The reference agent server's debug binary, where cargo put it.
pub fn server_bin() -> PathBuf {
    target_dir().join("debug/docent-server")
}

/// The e2e tests' environment: the server binary, the demo site, Chromium.
fn browser_env(command: &mut Command) -> &mut Command {
    command
        .env("DOCENT_SERVER_BIN", server_bin())
        .env("DOCENT_SITE", root().join("target/site"))
        .env("DOCENT_CHROMIUM", setup::chromium())
}

fn bench(args: &[String]) -> Result<(), String> {
    let quick = match args {
        [] => false,
        [flag] if flag == "--quick" => true,
        _ => {
            return Err(format!(
                "bench takes only --quick, not `{}`",
                args.join(" ")
            ))
        }
    };
    setup::tools(true)?;
    release_build()?;
    build_server()?;
    let mut load = command("node");
    load.arg("tests/bench/load.mjs");
    if quick {
        load.env("DOCENT_BENCH_RUNS", "2");
    }
    run(
        "loading strategies (tests/bench/load.mjs)",
        browser_env(&mut load),
    )?;
    let mut side = command("node");
    side.arg("tests/bench/side-by-side.mjs");
    if quick {
        side.arg("--quick");
    }
    run(
        "Docent side by side with nlux-core and deep-chat (tests/bench/side-by-side.mjs)",
        browser_env(&mut side),
    )
}

fn test() -> Result<(), String> {
    setup::tools(true)?;
    // First, before any step below builds anything: what a newcomer does first.
    smoke::run()?;
    run(
        "formatting (cargo fmt --check)",
        command("cargo").args(["fmt", "--all", "--check"]),
    )?;
    run(
        "lints (cargo clippy -D warnings)",
        command("cargo").args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    run(
        "lints for wasm (cargo clippy --target wasm32)",
        command("cargo").args([
            "clippy",
            "-p",
            "docent",
            "--all-targets",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    // Each platform's build as `cargo xtask dist` makes it: code behind a platform's features
    // (`page-commands`, `product-cards`) must build cleanly without the others'.
    for (platform, _) in dist::BUILDS {
        run(
            &format!("lints for the {platform} build (cargo clippy --features {platform})"),
            command("cargo")
                .arg("clippy")
                .args(dist::platform_build(platform))
                .args(["--", "-D", "warnings"]),
        )?;
    }
    run(
        "native tests (cargo test --workspace)",
        command("cargo").args(["test", "--workspace"]),
    )?;
    run(
        "browser tests (wasm-bindgen-test in headless Chromium)",
        command("cargo")
            .args(["test", "-p", "docent", "--target", "wasm32-unknown-unknown"])
            .env("CHROMEDRIVER", setup::chromedriver()),
    )?;
    let assets = release_build()?;
    size::check_budget(&assets)?;
    size::check_page_commands(&dist::folder())?;
    size::check_exports(&dist::folder())?;
    build_server()?;
    run(
        "end-to-end tests (Playwright driving Chromium)",
        browser_env(command("node").args(["--test", "--test-concurrency=1", "tests/e2e/"])),
    )?;
    println!("\nAll checks passed.");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_target_directory_from_cargo_metadata() {
        let json = r#"{"packages":[],"target_directory":"/tmp/my \"t\"","version":1}"#;
        assert_eq!(
            json_string_field(json, "target_directory").as_deref(),
            Some("/tmp/my \"t\"")
        );
        assert_eq!(json_string_field(json, "workspace_root"), None);
    }

    #[test]
    fn the_workspace_is_where_the_command_runs() {
        // Tests run in the package's directory (xtask/); its parent is the workspace.
        let expected = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        assert_eq!(root(), expected);
        assert!(root().join("xtask/Cargo.toml").is_file());
    }

    #[test]
    fn follows_cargo_target_dir() {
        let elsewhere = std::env::temp_dir().join("docent-target-elsewhere");
        let mut cargo = Command::new(env!("CARGO"));
        cargo.env("CARGO_TARGET_DIR", &elsewhere);
        assert_eq!(cargo_target_dir(&mut cargo), elsewhere);
    }
}
