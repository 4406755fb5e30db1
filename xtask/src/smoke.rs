//! The README's first command, tried the way a newcomer tries it: `cargo xtask test` starts
//! with this, on the untouched clone, before any of its steps builds anything.
//!
//! 1. `cargo xtask demo`, as typed: wait for the page on 127.0.0.1:8080, let a browser use it
//!    (tests/smoke/demo.mjs: launcher, greeting, "Show me the dashboard", the reply, the demo
//!    iframe at the dashboard, all through trunk's proxy), then stop it the way Ctrl-C does
//!    (SIGINT to its process group) and check that every process it started is gone and both
//!    ports are free again.
//! 2. A later run, after an interrupted build left dist/ half-written, against an agent server
//!    that offers WebSocket compression (`--server URL`): the same visit must work.
//!
//! A failure names the step and shows the last lines the demo printed.

use crate::{build_server, command, root, server_bin, setup};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const PAGE: u16 = 8080;
const AGENT: u16 = 8787;
/// A first run builds the agent server and the release wasm: minutes on a small machine.
const FIRST_BUILD: Duration = Duration::from_secs(25 * 60);

pub fn run() -> Result<(), String> {
    println!("\n==> the README's first command, as a newcomer runs it (cargo xtask demo)");
    for port in [PAGE, AGENT] {
        if !port_free(port) {
            return Err(format!(
                "port {port} is in use: the smoke run of `cargo xtask demo` needs it \
                 (is a demo already running? stop it and try again)"
            ));
        }
    }
    let log = std::env::temp_dir().join(format!("docent-demo-smoke-{}.log", std::process::id()));
    let mut demo = Demo::start(&[], &log)?;
    demo.check("the demo on a fresh clone")?;
    demo.stop_like_ctrl_c()?;

    println!("\n==> a later run: dist/ half-written, an agent server that compresses");
    let dist = root().join("dist");
    std::fs::write(dist.join("docent-app_bg.wasm"), b"\0asm half-written")
        .and_then(|()| std::fs::remove_file(dist.join("manifest.json")))
        .map_err(|e| format!("could not spoil dist/ for the second run: {e}"))?;
    let mut server = CompressingServer::start()?;
    let mut demo = Demo::start(&["--server", &server.url], &log)?;
    let checked = demo.check("the demo against a compressing agent server");
    let stopped = demo.stop_like_ctrl_c();
    server.stop();
    checked.and(stopped)?;
    let _ = std::fs::remove_file(&log);
    println!("the demo works from a fresh clone, on a later run and with a compressing server");
    Ok(())
}

fn port_free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

/// `cargo xtask demo …` in a process group of its own, its output in a log file.
struct Demo {
    child: Child,
    log: PathBuf,
}

impl Demo {
    fn start(args: &[&str], log: &Path) -> Result<Self, String> {
        let out = std::fs::File::create(log)
            .map_err(|e| format!("cannot write {}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        println!(
            "$ cargo xtask demo {} (output: {})",
            args.join(" "),
            log.display()
        );
        let child = command("cargo")
            .args(["xtask", "demo"])
            .args(args)
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            // Its own group, so that "Ctrl-C" reaches it and everything it started, as in a terminal.
            .process_group(0)
            .spawn()
            .map_err(|e| format!("could not start cargo xtask demo: {e}"))?;
        Ok(Demo {
            child,
            log: log.to_path_buf(),
        })
    }

    fn fail(&self, step: &str, why: impl std::fmt::Display) -> String {
        let output = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = output.lines().collect();
        let tail = lines[lines.len().saturating_sub(30)..].join("\n");
        format!("smoke run of `cargo xtask demo`, step \"{step}\": {why}\n--- the demo's last lines ---\n{tail}\n---")
    }

    /// Waits for the page, then lets a browser use it.
    fn check(&mut self, what: &str) -> Result<(), String> {
        let step = format!("{what}: wait for http://127.0.0.1:{PAGE}/");
        let started = Instant::now();
        let mut said = Instant::now();
        while !page_ready() {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(self.fail(&step, format!("cargo xtask demo exited ({status})")));
            }
            if started.elapsed() > FIRST_BUILD {
                return Err(self.fail(&step, format!("no page after {} s", FIRST_BUILD.as_secs())));
            }
            if said.elapsed() > Duration::from_secs(30) {
                said = Instant::now();
                println!(
                    "waiting for http://127.0.0.1:{PAGE}/ and /docent/docent.js ({} s; set-up and the first build come first)",
                    started.elapsed().as_secs()
                );
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        println!(
            "the page is up after {:.0} s",
            started.elapsed().as_secs_f64()
        );
        let visit = command("node")
            .arg("tests/smoke/demo.mjs")
            .env("DEMO_URL", format!("http://127.0.0.1:{PAGE}/"))
            .env("DOCENT_CHROMIUM", setup::chromium())
            .status()
            .map_err(|e| self.fail(what, format!("could not start node: {e}")))?;
        if !visit.success() {
            return Err(self.fail(&format!("{what}: a visitor uses the page"), visit));
        }
        Ok(())
    }

    /// SIGINT to the whole group, as Ctrl-C in a terminal; then nothing of it may be left.
    fn stop_like_ctrl_c(&mut self) -> Result<(), String> {
        let group = format!("-{}", self.child.id());
        let _ = command("kill").args(["-INT", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().ok().flatten().is_none() {
            if Instant::now() > deadline {
                let _ = command("kill").args(["-KILL", "--", &group]).status();
                let _ = self.child.wait();
                return Err(self.fail(
                    "Ctrl-C",
                    "cargo xtask demo was still running 20 s after Ctrl-C",
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // Children that outlive xtask stay in its group: wait for the group to be empty.
        let alive = || {
            command("kill")
                .args(["-0", "--", &group])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while alive() {
            if Instant::now() > deadline {
                let _ = command("kill").args(["-KILL", "--", &group]).status();
                return Err(self.fail(
                    "Ctrl-C",
                    "processes of the demo (trunk, the agent server) outlived it",
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        for port in [PAGE, AGENT] {
            if !port_free(port) {
                return Err(self.fail(
                    "Ctrl-C",
                    format!("port {port} is still taken after the demo stopped"),
                ));
            }
        }
        println!("stopped like Ctrl-C: no process left, ports {PAGE} and {AGENT} free");
        Ok(())
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = command("kill")
                .args(["-KILL", "--", &format!("-{}", self.child.id())])
                .status();
            let _ = self.child.wait();
        }
    }
}

/// The page and the widget's loader both answer 200: trunk has built and serves the site.
fn page_ready() -> bool {
    ["/", "/docent/docent.js"]
        .iter()
        .all(|path| http_get_ok(path))
}

fn http_get_ok(path: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", PAGE)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{PAGE}\r\n\r\n");
    let mut head = [0u8; 12];
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_exact(&mut head).is_ok()
        && head.ends_with(b"200")
}

/// tests/smoke/compressing-server.mjs: the reference server behind a front that compresses.
struct CompressingServer {
    child: Child,
    url: String,
}

impl CompressingServer {
    fn start() -> Result<Self, String> {
        // The first demo run built it; built again (a no-op then) so this step stands alone.
        build_server()?;
        let mut child = command("node")
            .arg("tests/smoke/compressing-server.mjs")
            .env("DOCENT_SERVER_BIN", server_bin())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not start the compressing server: {e}"))?;
        let mut out = child.stdout.take().expect("piped");
        let mut seen = String::new();
        let mut buf = [0u8; 256];
        while !seen.contains(" (offers") {
            match out.read(&mut buf) {
                Ok(0) | Err(_) => {
                    let _ = child.kill();
                    return Err(format!("the compressing server did not start: {seen}"));
                }
                Ok(n) => seen.push_str(&String::from_utf8_lossy(&buf[..n])),
            }
        }
        // Keep reading its log, so that a full pipe never blocks it.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        let url = seen
            .split("listening on ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .ok_or_else(|| format!("the compressing server said: {seen}"))?
            .to_string();
        println!("an agent server that compresses: {url}");
        Ok(CompressingServer { child, url })
    }

    fn stop(&mut self) {
        let _ = command("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}
