//! Installs what the project needs, each at its pinned version, only where it is missing
//! (see ../shared/TOOLCHAIN.md for why each version).

use crate::{command, root, run};
use std::path::PathBuf;

const TRUNK: &str = "0.21.14";
const WASM_BINDGEN: &str = "0.2.130";
const WASM_OPT: &str = "version_132";

/// PATH with the project's npm tools and cargo's bin folder first.
pub fn path_with_tools() -> String {
    let mut parts = vec![root().join("node_modules/.bin")];
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        parts.push(PathBuf::from(home).join("bin"));
    } else if let Some(home) = std::env::var_os("HOME") {
        parts.push(PathBuf::from(home).join(".cargo/bin"));
    }
    let rest = std::env::var_os("PATH").unwrap_or_default();
    parts.extend(std::env::split_paths(&rest));
    std::env::join_paths(parts)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// What `program args…` prints, or nothing if it cannot run.
fn output(program: &str, args: &[&str]) -> String {
    command(program)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

fn which(program: &str) -> bool {
    !output("which", &[program]).trim().is_empty()
}

/// The wasm target, trunk, wasm-bindgen-cli and the npm tools; with `browser`, also
/// Chromium and ChromeDriver.
pub fn tools(browser: bool) -> Result<(), String> {
    if !output("rustup", &["target", "list", "--installed"]).contains("wasm32-unknown-unknown") {
        run(
            "add the wasm32 target",
            command("rustup").args(["target", "add", "wasm32-unknown-unknown"]),
        )?;
    }
    // trunk and wasm-bindgen-cli are the slow part of a first run: built side by side (the
    // one's serial stretches overlap the other's), without LTO and with more codegen units,
    // which halves the time; neither tool's own speed matters here.
    let mut installs = Vec::new();
    if !output("trunk", &["--version"]).contains(TRUNK) {
        installs.push((
            format!("install trunk {TRUNK} (several minutes, once)"),
            vec!["install", "trunk", "--locked", "--version", TRUNK],
        ));
    }
    if !output("wasm-bindgen", &["--version"]).contains(WASM_BINDGEN) {
        // Not --locked: the registry mirror lacks one of its locked dependencies.
        installs.push((
            format!("install wasm-bindgen-cli {WASM_BINDGEN} (a few minutes, once)"),
            vec!["install", "wasm-bindgen-cli", "--version", WASM_BINDGEN],
        ));
    }
    let started: Vec<_> = installs
        .iter()
        .map(|(step, args)| {
            println!("\n==> {step}");
            command("cargo")
                .args(args)
                .env("CARGO_PROFILE_RELEASE_LTO", "false")
                .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
                .spawn()
                .map_err(|e| format!("{step}: could not start: {e}"))
        })
        .collect();
    for ((step, _), child) in installs.iter().zip(started) {
        let status = child?.wait().map_err(|e| format!("{step}: {e}"))?;
        if !status.success() {
            return Err(format!("{step} failed ({status})"));
        }
    }
    let npm_ready = output("wasm-opt", &["--version"]).contains(WASM_OPT)
        && root()
            .join("node_modules/playwright-core/package.json")
            .is_file()
        && npm_installed_after_lockfile();
    if !npm_ready {
        if !which("npm") {
            return Err(
                "npm is missing: install Node.js 20 or newer (apt-get install nodejs npm)".into(),
            );
        }
        run(
            "install npm tools from package-lock.json (npm ci)",
            command("npm").args(["ci", "--no-audit", "--no-fund"]),
        )?;
    }
    if browser && !(which("chromium") && which("chromedriver")) {
        install_chromium()?;
    }
    // trunk runs cargo offline (so it never reaches for the network itself): fetch first.
    run("fetch crates (cargo fetch)", command("cargo").arg("fetch"))
}

fn install_chromium() -> Result<(), String> {
    let root_user = output("id", &["-u"]).trim() == "0";
    let apt = |args: &[&str]| {
        let mut c = if root_user {
            command("apt-get")
        } else {
            let mut c = command("sudo");
            c.args(["-n", "apt-get"]);
            c
        };
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    run("apt-get update", &mut apt(&["update", "-qq"]))?;
    run(
        "install Chromium and ChromeDriver (apt-get)",
        &mut apt(&["install", "-y", "-qq", "chromium", "chromium-driver"]),
    )
    .map_err(|e| format!("{e}: the browser tests need Debian's chromium and chromium-driver"))
}

pub fn chromium() -> String {
    output("which", &["chromium"]).trim().to_string()
}

pub fn chromedriver() -> String {
    output("which", &["chromedriver"]).trim().to_string()
}

/// A trunk config for `trunk serve` with the chosen port and agent server: Trunk.toml with
/// its two defaults replaced. It sits beside Trunk.toml because trunk reads a config's
/// relative paths from the config's own folder.
pub fn serve_config(web_port: u16, backend: &str) -> Result<PathBuf, String> {
    let base = std::fs::read_to_string(root().join("Trunk.toml"))
        .map_err(|e| format!("cannot read Trunk.toml: {e}"))?;
    let ws_backend = backend
        .replacen("https://", "wss://", 1)
        .replacen("http://", "ws://", 1);
    let config = base
        .replace("port = 8080", &format!("port = {web_port}"))
        .replace("http://127.0.0.1:8787", backend)
        .replace("ws://127.0.0.1:8787", &ws_backend);
    let path = root().join(".trunk-serve.toml");
    std::fs::write(&path, config).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Whether `node_modules` was installed after `package-lock.json` last changed (a pull that
/// adds a package, say axe-core, makes the lockfile newer than npm's record of the install).
fn npm_installed_after_lockfile() -> bool {
    let changed = |path: &str| {
        std::fs::metadata(root().join(path))
            .and_then(|m| m.modified())
            .ok()
    };
    match (
        changed("package-lock.json"),
        changed("node_modules/.package-lock.json"),
    ) {
        (Some(lockfile), Some(installed)) => installed >= lockfile,
        _ => false,
    }
}
