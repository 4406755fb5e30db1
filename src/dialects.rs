//! The one place that maps a `data-dialect` name to the platform codec that speaks it.
//! Everything else in the widget works through `docent_protocol::ClientDialect` and never
//! names a platform.

use docent_protocol::amigo::Amigo;
use docent_protocol::aui::Aui;
use docent_protocol::live_demo::LiveDemo;
use docent_protocol::ClientDialect;

/// The dialect used when the host page names none.
pub const DEFAULT: &str = "live-demo";

/// The dialect called `name`, if this build speaks it.
pub fn by_name(name: &str) -> Option<&'static dyn ClientDialect> {
    match name {
        "live-demo" => Some(&LiveDemo),
        "aui" => Some(&Aui),
        "amigo" => Some(&Amigo),
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
}
