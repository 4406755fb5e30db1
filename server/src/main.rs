//! `docent-server`: the reference agent server. `--help` lists the options.

use docent_server::agent::{Script, BUILT_IN_SCRIPT};
use docent_server::dialects::aui::{AuiConfig, AuiState};
use docent_server::relay::{Relay, RelayConfig, Secret};
use docent_server::sessions::random_bytes;
use docent_server::{app, AppState, Config};
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

const HELP: &str = "docent-server — Docent's reference agent server (live-demo and Amigo protocols)

USAGE: docent-server [OPTIONS]

  --host ADDR            address to listen on (default 127.0.0.1)
  --port PORT            port to listen on; 0 picks a free one (default 8787)
  --static DIR           also serve this folder at / (the demo site); repeatable: the
                         first folder that has the file serves it
  --csp POLICY           send this Content-Security-Policy with every static file
  --script FILE          the agent script (default: the built-in demo/agent.json)
  --public-key KEY       accept only this public key (repeatable; default: any pk_test_/pk_live_ key)
  --amigo-key KEY        accept only this key on the Amigo socket, sent as the subprotocol
                         pair `auth, KEY` (repeatable; default: what --public-key accepts)
  --idle-timeout SECS    a session with no frame for this long expires (default 900); an
                         Amigo socket idle this long gets `idle_timeout` and close 1000
  --token-lifetime SECS  how long a session token is valid (default 3600)
  --reply-delay MS       how long the agent types before it answers (default 700)
  --seed-only            speak seed 002 only: ignore clientMessageId, never send replyTo,
                         answer on the connection a message came on (a reply for a closed
                         one is lost), no reactions to iframe_event
  --control              enable the control endpoints (for tests):
                           GET  /control/sessions/{id}          what a session recorded
                           POST /control/sessions/{id}/say      the agent says {text, suggestions?}
                         and the AUI simulator and Amigo answer `echo: X` with X (as text,
                         suggestion and product card; as text and tool name)
                           POST /control/sessions/{id}/close?code=N   close its socket with code N
                           POST /control/sessions/{id}/expire   expire it now
                           POST /control/refuse?ms=N            refuse new sockets for N ms
                           GET  /control/faults                 frames sent, drops, malformed frames
                         and, for `cargo xtask bench`, a visitor message `#bench_stream N C`
                         on AUI or Amigo is answered with C characters streamed in N
                         updates, without pauses

FAULT INJECTION (all off by default)
  --drop-every N         drop the socket (no close frame) after every N frames sent
  --drop-random P        drop the socket after a frame with probability P (0 to 1)
  --drop-before-turn P   at a visitor message, drop the socket before processing it, with
                         probability P (the message never reached the agent)
  --drop-instead-of-reply P
                         at a visitor message, process it, then drop the socket instead of
                         sending the reply (the reply is lost)
  --drop-after-reply P   at a visitor message, drop the socket right after the reply
  --seed S               seed for the random drops (default 1): the same seed, the same drops
  --malformed-every N    send a malformed frame before every N-th frame (six kinds in turn)
  --frame-delay MS       hold every frame MS milliseconds
  --help                 show this text

AUI (seeds 000/001/003): a simulator of the AUI platform at /api/v1/external/… and
Docent's key-holding relay at /relay/aui/… (tasks, session socket, message)
  --aui-upstream URL     where the relay sends AUI calls: a base URL such as
                         https://data-services.aui.io/api/ia-controller, or `gcp` / `azure`
                         (default: this server's own simulator)
  --aui-key-file PATH    read AUI's network API key from this file (or set DOCENT_AUI_KEY);
                         never given on the command line, never logged or sent to a page
  --aui-secret-file PATH read the relay-token signing secret from this file (or set
                         DOCENT_AUI_RELAY_SECRET); relays that share it serve the same
                         visitors (default: a fresh secret each start)
  --aui-origin ORIGIN    a page origin the relay serves (repeatable; `*` for any;
                         default: http(s)://localhost, 127.0.0.1 and [::1] on any port)
  --aui-token-lifetime SECS  how long a relay token is valid (default 1800)
  --aui-max-messages N   messages per minute one relay connection may send (default 30)
  --aui-stream-delay MS  the simulator's pause between cumulative text updates (default 40)
  --aui-public-url URL   the base of the simulator's image and product URLs
                         (default http://<Host of the request>)
  The simulator accepts any `aui_test_…` key, or only the comma-separated keys of
  DOCENT_AUI_SIMULATOR_KEYS. Its scripted triggers: `simulate slow reply`,
  `simulate internal error`, flagged words (`idiot`, `kill`).

AMIGO (seed 004)
  WS /v1/{workspace_id}/sessions/connect?service_id=…&entity_id=…&tool_events=true|false
                         UUIDs; the same workspace + service + entity continues its thread.
                         Refusals close 4000 (parameters), 4001 (key), 4004 (the nil UUID
                         as an id), 4503 (while /control/refuse is on). A message containing
                         #stream_interrupted, #turn_timeout, #upstream_503 or #upstream_400
                         fails that way the first time it is sent in a conversation.
                         The script: \"where is my order 1234\" (404: not found), \"book a
                         demo tomorrow\" (tool events), anything else (a fallback).

AMIGO RELAY: Docent's key-holding relay in front of Amigo, for sites that cannot mint
short-lived tokens for the browser: POST /relay/amigo/token (the site's public key as
bearer) and WS /relay/amigo/v1/{workspace_id}/sessions/connect?…&token=… (the widget's
`data-relay=\"true\"`)
  --amigo-relay-upstream URL   Amigo's base URL, e.g. https://api.amigo.example (default:
                               this server's own Amigo side)
  --amigo-relay-key-file PATH  read the Amigo key from this file (or set
                               DOCENT_AMIGO_RELAY_KEY); never given on the command line,
                               never logged or sent to a page; it goes upstream only, as
                               the subprotocol pair `auth, KEY`
  --amigo-relay-secret-file PATH  the relay-token signing secret (or set
                               DOCENT_AMIGO_RELAY_SECRET); relays that share it serve the
                               same visitors (default: a fresh secret each start)
  --amigo-relay-origin ORIGIN  a page origin the relay serves (repeatable; `*` for any;
                               default: http(s)://localhost, 127.0.0.1 and [::1] on any port)
  --amigo-relay-token-lifetime SECS  how long a relay token is valid (default 1800)
  --amigo-relay-max-messages N messages per minute one relay connection may send (default 30)

It prints `docent-server listening on http://ADDR:PORT` once it accepts connections.";

struct Options {
    host: String,
    port: u16,
    script: Option<String>,
    config: Config,
    aui: AuiConfig,
    /// The Amigo relay's settings.
    amigo: RelayConfig,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        host: "127.0.0.1".into(),
        port: 8787,
        script: None,
        config: Config::default(),
        aui: AuiConfig::default(),
        amigo: RelayConfig::default(),
    };
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            println!("{HELP}");
            std::process::exit(0);
        }
        if flag == "--control" {
            options.config.control = true;
            options.aui.echo = true;
            continue;
        }
        if flag == "--seed-only" {
            options.config.seed_only = true;
            continue;
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value (see --help)"))?;
        let number = |what: &str| -> Result<u64, String> {
            value
                .parse()
                .map_err(|_| format!("{flag} takes {what}, not `{value}`"))
        };
        let probability = || -> Result<f64, String> {
            value
                .parse::<f64>()
                .ok()
                .filter(|p| (0.0..=1.0).contains(p))
                .ok_or_else(|| format!("{flag} takes a probability from 0 to 1, not `{value}`"))
        };
        match flag.as_str() {
            "--host" => options.host = value.clone(),
            "--port" => {
                options.port = value
                    .parse()
                    .map_err(|_| format!("--port takes a port number, not `{value}`"))?
            }
            "--static" => options.config.static_dirs.push(value.clone().into()),
            "--csp" => options.config.csp = Some(value.clone()),
            "--script" => options.script = Some(value.clone()),
            "--public-key" => options.config.public_keys.push(value.clone()),
            "--amigo-key" => options.config.api_keys.push(value.clone()),
            "--idle-timeout" => {
                options.config.idle_timeout = Duration::from_secs(number("seconds")?)
            }
            "--token-lifetime" => {
                options.config.token_lifetime = Duration::from_secs(number("seconds")?)
            }
            "--drop-every" => {
                options.config.faults.drop_every = Some(number("a number of frames")?)
            }
            "--drop-random" => options.config.faults.drop_probability = probability()?,
            "--drop-before-turn" => options.config.faults.drop_before_turn = probability()?,
            "--drop-instead-of-reply" => {
                options.config.faults.drop_instead_of_reply = probability()?
            }
            "--drop-after-reply" => options.config.faults.drop_after_reply = probability()?,
            "--seed" => options.config.faults.seed = number("a number")?,
            "--malformed-every" => {
                options.config.faults.malformed_every = Some(number("a number of frames")?)
            }
            "--frame-delay" => {
                options.config.faults.delay = Duration::from_millis(number("milliseconds")?)
            }
            "--reply-delay" => {
                options.config.reply_delay = Duration::from_millis(number("milliseconds")?)
            }
            "--aui-upstream" => {
                options.aui.relay.upstream = Some(match value.as_str() {
                    "gcp" => docent_protocol::aui::GCP_BASE.to_string(),
                    "azure" => docent_protocol::aui::AZURE_BASE.to_string(),
                    url => url.trim_end_matches('/').to_string(),
                })
            }
            "--aui-key-file" => options.aui.relay.key = Some(secret_file(&flag, &value)?),
            "--aui-secret-file" => options.aui.relay.secret = Some(secret_file(&flag, &value)?),
            "--aui-origin" => options.aui.relay.allowed_origins.push(value.clone()),
            "--aui-token-lifetime" => {
                options.aui.relay.token_lifetime = Duration::from_secs(number("seconds")?)
            }
            "--aui-max-messages" => {
                options.aui.relay.max_messages_per_minute = number("a number")? as u32
            }
            "--aui-stream-delay" => {
                options.aui.stream_delay = Duration::from_millis(number("milliseconds")?)
            }
            "--aui-public-url" => options.aui.public_url = Some(value.clone()),
            "--amigo-relay-upstream" => {
                options.amigo.upstream = Some(value.trim_end_matches('/').to_string())
            }
            "--amigo-relay-key-file" => options.amigo.key = Some(secret_file(&flag, &value)?),
            "--amigo-relay-secret-file" => options.amigo.secret = Some(secret_file(&flag, &value)?),
            "--amigo-relay-origin" => options.amigo.allowed_origins.push(value.clone()),
            "--amigo-relay-token-lifetime" => {
                options.amigo.token_lifetime = Duration::from_secs(number("seconds")?)
            }
            "--amigo-relay-max-messages" => {
                options.amigo.max_messages_per_minute = number("a number")? as u32
            }
            "--aui-key" | "--aui-secret" | "--amigo-relay-key" | "--amigo-relay-secret" => {
                return Err(format!(
                    "{flag} is not taken on the command line (it would show in `ps`): \
                     use {flag}-file PATH or the environment (see --help)"
                ))
            }
            other => return Err(format!("unknown option `{other}` (see --help)")),
        }
    }
    aui_environment(&mut options.aui)?;
    let env = |name: &str| std::env::var(name).ok().and_then(Secret::new);
    if options.amigo.key.is_none() {
        options.amigo.key = env("DOCENT_AMIGO_RELAY_KEY");
    }
    if options.amigo.secret.is_none() {
        options.amigo.secret = env("DOCENT_AMIGO_RELAY_SECRET");
    }
    Ok(options)
}

/// A secret from a file (its first line, trimmed); the error names the file, never its text.
fn secret_file(flag: &str, path: &str) -> Result<Secret, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{flag}: cannot read {path}: {}", e.kind()))?;
    Secret::new(text.lines().next().unwrap_or_default())
        .ok_or_else(|| format!("{flag}: {path} is empty"))
}

/// AUI settings from the environment, where the files did not give them.
fn aui_environment(aui: &mut AuiConfig) -> Result<(), String> {
    let env = |name: &str| std::env::var(name).ok().and_then(Secret::new);
    if aui.relay.key.is_none() {
        aui.relay.key = env("DOCENT_AUI_KEY");
    }
    if aui.relay.secret.is_none() {
        aui.relay.secret = env("DOCENT_AUI_RELAY_SECRET");
    }
    if let Some(keys) = env("DOCENT_AUI_SIMULATOR_KEYS") {
        aui.simulator_keys = keys
            .expose()
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect();
    }
    Ok(())
}

#[tokio::main]
async fn main() {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("docent-server: {message}");
            std::process::exit(2);
        }
    };
    let script_text = match &options.script {
        Some(path) => std::fs::read_to_string(path).unwrap_or_else(|e| {
            eprintln!("docent-server: cannot read the agent script {path}: {e}");
            std::process::exit(2);
        }),
        None => BUILT_IN_SCRIPT.to_string(),
    };
    let script = Script::parse(&script_text).unwrap_or_else(|e| {
        eprintln!("docent-server: {e}");
        std::process::exit(2);
    });
    for dir in &options.config.static_dirs {
        if !dir.is_dir() {
            eprintln!("docent-server: --static {} is not a folder", dir.display());
            std::process::exit(2);
        }
    }
    // A fresh secret each start: tokens from an earlier run are refused, as they should be.
    // The relays sign with it too unless a secret file or the environment gives them one.
    let secret = random_bytes::<32>();
    let state = AppState::new(options.config, script, &secret);
    let aui = Arc::new(AuiState::new(options.aui, &secret));
    let amigo = Arc::new(Relay::new(options.amigo, &secret));
    let address = format!("{}:{}", options.host, options.port);
    let listener = tokio::net::TcpListener::bind(&address)
        .await
        .unwrap_or_else(|e| {
            eprintln!("docent-server: cannot listen on {address}: {e}");
            std::process::exit(1);
        });
    let local = listener
        .local_addr()
        .expect("a bound socket has an address");
    aui.set_local_address(local);
    amigo.set_local_address(local);
    println!("docent-server listening on http://{local}");
    let _ = std::io::stdout().flush();
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    // Frames go out at once: with Nagle's algorithm a reply written right after another
    // small frame waited for the browser's delayed ACK (~40 ms a turn, `cargo xtask bench`).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    if let Err(e) = axum::serve(listener, app(state, aui, amigo))
        .with_graceful_shutdown(shutdown)
        .await
    {
        eprintln!("docent-server: {e}");
        std::process::exit(1);
    }
}
