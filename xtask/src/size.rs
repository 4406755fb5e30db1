//! What a visitor downloads: the release bundle's wasm, JS and CSS, raw, gzip and brotli.

use std::io::Write;
use std::path::Path;

/// One file of the bundle and its sizes in bytes.
#[derive(Debug)]
pub struct Asset {
    pub name: String,
    pub raw: usize,
    pub gzip: usize,
    pub brotli: usize,
}

/// The widget's own bytes, brotli-compressed, may not grow past this without a decision:
/// raise it in the same commit that explains why (README, "Size"). 176 KiB since the page
/// commands (executor and bridge client: +22 KB brotli) landed at 165 KiB.
pub const BUDGET_BROTLI_BYTES: usize = 176 * 1024;

pub fn measure(dist: &Path) -> Result<Vec<Asset>, String> {
    let mut assets = Vec::new();
    let entries =
        std::fs::read_dir(dist).map_err(|e| format!("cannot read {}: {e}", dist.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if !(name.ends_with(".wasm") || name.ends_with(".js") || name.ends_with(".css")) {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {name}: {e}"))?;
        assets.push(Asset {
            raw: bytes.len(),
            gzip: gzip(&bytes),
            brotli: brotli(&bytes),
            name,
        });
    }
    if !assets.iter().any(|a| a.name.ends_with(".wasm")) {
        return Err(format!(
            "no .wasm in {}: did the build run?",
            dist.display()
        ));
    }
    assets.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(assets)
}

fn gzip(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory").len()
}

fn brotli(bytes: &[u8]) -> usize {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("writing to memory");
    out.len()
}

/// The widget's part of the bundle (the demo page's own stylesheet is not shipped).
fn is_widget(asset: &Asset) -> bool {
    !asset.name.starts_with("host")
}

pub fn print(assets: &[Asset]) {
    println!("\nWhat a visitor downloads (release bundle, bytes):");
    println!(
        "{:<44} {:>10} {:>10} {:>10}",
        "file", "raw", "gzip", "brotli"
    );
    for a in assets {
        let note = if is_widget(a) {
            ""
        } else {
            "  (demo page only)"
        };
        println!(
            "{:<44} {:>10} {:>10} {:>10}{note}",
            a.name, a.raw, a.gzip, a.brotli
        );
    }
    let widget: Vec<&Asset> = assets.iter().filter(|a| is_widget(a)).collect();
    println!(
        "{:<44} {:>10} {:>10} {:>10}",
        "widget total",
        widget.iter().map(|a| a.raw).sum::<usize>(),
        widget.iter().map(|a| a.gzip).sum::<usize>(),
        widget.iter().map(|a| a.brotli).sum::<usize>()
    );
}

pub fn check_budget(assets: &[Asset]) -> Result<(), String> {
    let total: usize = assets
        .iter()
        .filter(|a| is_widget(a))
        .map(|a| a.brotli)
        .sum();
    println!("size budget: {total} of {BUDGET_BROTLI_BYTES} bytes brotli");
    if total > BUDGET_BROTLI_BYTES {
        return Err(format!(
            "the widget is {total} bytes brotli, over its budget of {BUDGET_BROTLI_BYTES}"
        ));
    }
    Ok(())
}
