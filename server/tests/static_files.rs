//! `--static` folders and `--csp`, over a real socket: the first folder with the file
//! serves it, every static answer carries the policy, and text is compressed on request.

mod support;

use docent_server::Config;
use std::net::SocketAddr;
use support::start;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// GET `path`; the response head (lower-cased) and body.
async fn get(addr: SocketAddr, path: &str, extra: &str) -> (String, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..split]).to_lowercase();
    (head, response[split + 4..].to_vec())
}

fn folder(files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "docent-static-{}-{}",
        std::process::id(),
        files[0].1.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

#[tokio::test]
async fn the_first_folder_with_the_file_serves_it_with_the_policy() {
    let first = folder(&[("page.html", "first")]);
    let second = folder(&[("page.html", "second!"), ("other.html", "other page")]);
    let policy = "default-src 'self'; style-src 'self'";
    let addr = start(Config {
        static_dirs: vec![first, second],
        csp: Some(policy.into()),
        ..Config::default()
    })
    .await;

    let (head, body) = get(addr, "/page.html", "").await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert_eq!(body, b"first");
    assert!(
        head.contains(&format!("content-security-policy: {policy}").to_lowercase()),
        "{head}"
    );
    let (head, body) = get(addr, "/other.html", "").await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert_eq!(body, b"other page");
    let (head, _) = get(addr, "/missing.html", "").await;
    assert!(head.starts_with("http/1.1 404"), "{head}");
}

#[tokio::test]
async fn text_is_compressed_when_the_browser_asks() {
    let text = "Docent ".repeat(2000);
    let dir = folder(&[("big.js", &text)]);
    let addr = start(Config {
        static_dirs: vec![dir],
        ..Config::default()
    })
    .await;
    let (head, body) = get(addr, "/big.js", "Accept-Encoding: br\r\n").await;
    assert!(head.contains("content-encoding: br"), "{head}");
    assert!(body.len() < text.len() / 10, "{} bytes", body.len());
    let (head, body) = get(addr, "/big.js", "").await;
    assert!(!head.contains("content-encoding"), "{head}");
    assert_eq!(body.len(), text.len());
}

#[tokio::test]
async fn a_ready_compressed_copy_is_sent_as_it_is() {
    // Not real brotli or gzip: that the bytes arrive unchanged shows the copy was sent,
    // not the file compressed again.
    let dir = folder(&[
        (
            "app_bg.wasm",
            "the wasm itself, long enough to be worth compressing",
        ),
        ("app_bg.wasm.br", "READY-BROTLI"),
        ("app_bg.wasm.gz", "READY-GZIP"),
    ]);
    let addr = start(Config {
        static_dirs: vec![dir],
        ..Config::default()
    })
    .await;
    let (head, body) = get(addr, "/app_bg.wasm", "Accept-Encoding: gzip, br\r\n").await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-encoding: br"), "{head}");
    assert!(head.contains("content-type: application/wasm"), "{head}");
    assert_eq!(body, b"READY-BROTLI");
    let (head, body) = get(addr, "/app_bg.wasm", "Accept-Encoding: gzip\r\n").await;
    assert!(head.contains("content-encoding: gzip"), "{head}");
    assert_eq!(body, b"READY-GZIP");
    let (head, body) = get(addr, "/app_bg.wasm", "").await;
    assert!(!head.contains("content-encoding"), "{head}");
    assert_eq!(
        body,
        b"the wasm itself, long enough to be worth compressing"
    );
}
