//! The one place that maps a `data-dialect` name to the platform codec that speaks it.
//! Everything else in the widget works through `docent_protocol::ClientDialect` and never
//! names a platform.

use docent_protocol::live_demo::LiveDemo;
use docent_protocol::ClientDialect;

/// The dialect used when the host page names none.
pub const DEFAULT: &str = "live-demo";

/// The dialect called `name`, if this build speaks it.
pub fn by_name(name: &str) -> Option<&'static dyn ClientDialect> {
    match name {
        "live-demo" => Some(&LiveDemo),
        _ => None,
    }
}

/// The dialect called `name`, or the default one (names are checked when the options are
/// read, so this falls back only for a name that was already refused with a warning).
pub fn named(name: &str) -> &'static dyn ClientDialect {
    by_name(name).unwrap_or(&LiveDemo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_maps_to_the_dialect_that_carries_it() {
        assert_eq!(by_name(DEFAULT).map(|d| d.name()), Some(DEFAULT));
        assert!(by_name("smoke-signals").is_none());
        assert_eq!(named("smoke-signals").name(), DEFAULT);
    }

    /// Every `.rs` file under `dir`.
    fn rust_files(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }

    /// The seam holds: outside this file, nothing in the widget names a platform's types or
    /// functions, so a new dialect is a new codec in `protocol/` and one line above.
    #[test]
    fn no_other_file_of_the_widget_names_a_platform() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        assert!(files.len() > 10, "found only {files:?}");
        let offenders: Vec<_> = files
            .iter()
            .filter(|path| !path.ends_with("dialects.rs"))
            .filter(|path| {
                let text = std::fs::read_to_string(path).unwrap();
                ["live_demo", "LiveDemo"]
                    .iter()
                    .any(|name| text.contains(name))
            })
            .collect();
        assert!(offenders.is_empty(), "platform names in {offenders:?}");
    }
}
