//! The one place that maps a `data-dialect` name to the platform codec that speaks it.
//! Everything else in the widget works through `docent_protocol::ClientDialect` and never
//! names a platform. Each platform is a cargo feature: the shipped wasm is built once per
//! platform, so a site downloads only the codec it uses (`cargo xtask dist`).

#[cfg(feature = "amigo")]
use docent_protocol::amigo::Amigo;
#[cfg(feature = "aui")]
use docent_protocol::aui::Aui;
#[cfg(feature = "live-demo")]
use docent_protocol::live_demo::LiveDemo;
use docent_protocol::ClientDialect;

/// Every platform this build speaks, by its `data-dialect` name; the first is the default.
const SPOKEN: &[(&str, &dyn ClientDialect)] = &[
    #[cfg(feature = "live-demo")]
    ("live-demo", &LiveDemo),
    #[cfg(feature = "aui")]
    ("aui", &Aui),
    #[cfg(feature = "amigo")]
    ("amigo", &Amigo),
];

/// The dialect used when the host page names none.
pub const DEFAULT: &str = SPOKEN[0].0;

/// The dialect called `name`, if this build speaks it.
pub fn by_name(name: &str) -> Option<&'static dyn ClientDialect> {
    SPOKEN
        .iter()
        .find(|(spoken, _)| *spoken == name)
        .map(|(_, dialect)| *dialect)
}

/// The dialect called `name`, or the default one (names are checked when the options are
/// read, so this falls back only for a name that was already refused with a warning).
pub fn named(name: &str) -> &'static dyn ClientDialect {
    by_name(name).unwrap_or(SPOKEN[0].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_maps_to_the_dialect_that_carries_it() {
        for name in ["live-demo", "aui", "amigo"] {
            assert_eq!(by_name(name).map(|d| d.name()), Some(name));
        }
        assert_eq!(DEFAULT, "live-demo");
        assert!(by_name("smoke-signals").is_none());
        assert_eq!(named("smoke-signals").name(), DEFAULT);
    }
}
