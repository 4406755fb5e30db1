//! How the host page configures Docent. Options come from the loader script's `data-*`
//! attributes (`<script src="…/docent.js" data-product-id="…">`) and from
//! `Docent.init({ productId: … })`; the loader hands both over as one object keyed by the
//! attribute's name without `data-` (`product-id`). A bad value falls back to its default
//! with a console warning that names the option, so a typo never gives a blank widget.

/// Every option, by its attribute name without `data-`. `styles`, `load` and `theme` are read by
/// the loader (`docent.js`) only; they are listed so that they are not called unknown.
pub const OPTIONS: &[&str] = &[
    "server",
    "dialect",
    "product-id",
    "public-key",
    "title",
    "open",
    "position",
    "demo-frame",
    "allowed-origins",
    "persist",
    "persist-hours",
    "styles",
    "load",
    "theme",
    "locale",
];

/// Options named `text-<name>` carry the words for one text (`crate::texts::TABLE`): the
/// host page's own (`data-text-send`, `Docent.init({texts: {send: …}})`) laid by the loader
/// over the locale file it fetched.
pub const TEXT_PREFIX: &str = "text-";

/// Options without which the widget cannot start a conversation.
pub const REQUIRED: &[&str] = &["product-id", "public-key"];

/// The widget's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Base URL of the agent server (`https://agent.example`); empty means this page's origin.
    pub server: String,
    /// The agent platform's protocol (`dialect`), by name; see `crate::dialects`.
    pub dialect: &'static str,
    /// The product whose demo the agent gives (`product-id`).
    pub product_id: String,
    /// The public key sent when a session is created (`public-key`).
    pub public_key: String,
    /// The chat window's title before the agent's name is known (`title`).
    pub title: String,
    /// Open the chat window as soon as the widget appears (`open`).
    pub start_open: bool,
    /// Which bottom corner the widget sits in (`position`).
    pub position: Side,
    /// The iframe the agent drives (`demo-frame`, a CSS selector).
    pub demo_frame: String,
    /// Origins besides the demo's own that `navigate` may open (`allowed-origins`,
    /// space-separated).
    pub allowed_origins: Vec<String>,
    /// Where the conversation is kept across reloads (`persist`).
    pub persist: Persist,
    /// How long a kept conversation stays usable, in hours (`persist-hours`, default 24).
    pub persist_hours: f64,
    /// Required options the page did not give (the chat says it is not set up).
    pub missing: Vec<&'static str>,
    /// The options only the chosen dialect reads (`workspace-id`, …), as given.
    pub dialect_options: Vec<(String, String)>,
}

/// Where the conversation survives a reload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persist {
    /// This tab only, until it closes (`sessionStorage`). The default.
    Tab,
    /// Every tab of the site, until it expires (`localStorage`).
    Site,
    /// Nowhere: a reload starts over.
    Off,
}

/// The bottom corner the launcher and window sit in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Right,
    Left,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            server: String::new(),
            dialect: crate::dialects::DEFAULT,
            product_id: String::new(),
            public_key: String::new(),
            title: "Chat with us".into(),
            start_open: false,
            position: Side::Right,
            demo_frame: "iframe[data-docent-demo]".into(),
            allowed_origins: Vec::new(),
            persist: Persist::Tab,
            persist_hours: 24.0,
            missing: Vec::new(),
            dialect_options: Vec::new(),
        }
    }
}

/// How the host page writes an option in both places: `data-product-id / productId`.
pub fn label(option: &str) -> String {
    let mut camel = String::new();
    let mut upper = false;
    for c in option.chars() {
        if c == '-' {
            upper = true;
        } else if upper {
            camel.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            camel.push(c);
        }
    }
    format!("data-{option} / {camel}")
}

/// Warnings for option names Docent does not know (a typo, usually), given the names the
/// page used (attribute names without `data-`).
/// `dialect_options`: the chosen dialect's own, which are known too.
pub fn unknown_options<'a>(
    names: impl IntoIterator<Item = &'a str>,
    dialect_options: &[&str],
) -> Vec<String> {
    names
        .into_iter()
        .filter(|name| {
            !OPTIONS.contains(name)
                && !dialect_options.contains(name)
                && !name.starts_with(TEXT_PREFIX)
        })
        .map(|name| {
            format!(
                "Docent: there is no option \"{name}\"; it is ignored. Options: {}.",
                OPTIONS
                    .iter()
                    .chain(dialect_options)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect()
}

/// Lays the page's words (`text-<name>` options) over the English; a warning for each name
/// the widget has no text for (a typo, usually), so it is never silently ignored.
pub fn set_texts<'a>(options: impl IntoIterator<Item = (&'a str, String)>) -> Vec<String> {
    options
        .into_iter()
        .filter_map(|(option, words)| {
            let name = option.strip_prefix(TEXT_PREFIX)?;
            (!crate::texts::set(name, &words)).then(|| {
                format!(
                    "Docent: there is no text \"{name}\" (data-text-{name}); it is ignored. \
                     The texts are listed in locales/de.json."
                )
            })
        })
        .collect()
}

impl Config {
    /// Reads the options through `get(name)` (the attribute name without `data-`).
    /// Returns the configuration and a console message for each value that was refused,
    /// then one for each required option that is missing (`config.missing`, in order).
    pub fn from_options(get: impl Fn(&str) -> Option<String>) -> (Config, Vec<String>) {
        let mut config = Config::default();
        let mut warnings = Vec::new();
        let mut refuse = |option: &str, value: &str, why: &str| {
            warnings.push(format!("Docent: {} = \"{value}\" {why}", label(option)));
        };
        if let Some(server) = get("server") {
            let server = server.trim().trim_end_matches('/').to_string();
            if server.is_empty() || server.starts_with("https://") || server.starts_with("http://")
            {
                config.server = server;
            } else {
                refuse(
                    "server",
                    &server,
                    "is not an http(s) URL; using this page's origin instead.",
                );
            }
        }
        if let Some(dialect) = get("dialect") {
            match crate::dialects::by_name(dialect.trim()) {
                Some(known) => config.dialect = known.name(),
                None => refuse(
                    "dialect",
                    &dialect,
                    &format!(
                        "is not a protocol this build speaks; using {}.",
                        crate::dialects::DEFAULT
                    ),
                ),
            }
        }
        if let Some(product) = get("product-id").filter(|p| !p.trim().is_empty()) {
            config.product_id = product.trim().to_string();
        }
        if let Some(key) = get("public-key").filter(|k| !k.trim().is_empty()) {
            let key = key.trim();
            if key.starts_with("sk_") {
                refuse(
                    "public-key",
                    "sk_…",
                    "is a secret key. Never put a secret key in a web page; use your public pk_… key.",
                );
            } else {
                config.public_key = key.to_string();
            }
        }
        if let Some(title) = get("title") {
            if !title.trim().is_empty() {
                config.title = title.trim().chars().take(80).collect();
            }
        }
        if let Some(open) = get("open") {
            match open.trim() {
                "true" | "" => config.start_open = true,
                "false" => config.start_open = false,
                other => refuse(
                    "open",
                    other,
                    "should be true or false; the chat starts closed.",
                ),
            }
        }
        if let Some(position) = get("position") {
            match position.trim() {
                "right" => config.position = Side::Right,
                "left" => config.position = Side::Left,
                other => refuse("position", other, "should be right or left; using right."),
            }
        }
        if let Some(frame) = get("demo-frame") {
            if docent_protocol::command::check_selector(&frame).is_ok() {
                config.demo_frame = frame.trim().to_string();
            } else {
                refuse(
                    "demo-frame",
                    &frame,
                    "is not a CSS selector; using iframe[data-docent-demo].",
                );
            }
        }
        if let Some(origins) = get("allowed-origins") {
            for origin in origins.split_whitespace() {
                let bare = origin.trim_end_matches('/');
                let is_origin = (bare.starts_with("https://") || bare.starts_with("http://"))
                    && !bare
                        .split_once("//")
                        .is_some_and(|(_, rest)| rest.contains('/'));
                if is_origin {
                    config.allowed_origins.push(bare.to_string());
                } else {
                    refuse(
                        "allowed-origins",
                        origin,
                        "is not an origin like https://example.com; it is ignored.",
                    );
                }
            }
        }
        if let Some(persist) = get("persist") {
            match persist.trim() {
                "session" | "tab" => config.persist = Persist::Tab,
                "local" | "site" => config.persist = Persist::Site,
                "none" | "off" | "false" => config.persist = Persist::Off,
                other => refuse(
                    "persist",
                    other,
                    "should be session, local or none; using session.",
                ),
            }
        }
        if let Some(hours) = get("persist-hours") {
            match crate::decimal::parse(hours.trim()) {
                Some(h) if h > 0.0 => config.persist_hours = h.min(24.0 * 30.0),
                _ => refuse(
                    "persist-hours",
                    &hours,
                    "is not a positive number of hours; using 24.",
                ),
            }
        }
        let dialect = crate::dialects::named(config.dialect);
        for name in dialect.options() {
            if let Some(value) = get(name) {
                config.dialect_options.push((name.to_string(), value));
            }
        }
        if config.product_id.is_empty() && dialect.needs_product() {
            config.missing.push("product-id");
        }
        if config.public_key.is_empty() {
            config.missing.push("public-key");
        }
        for option in &config.missing {
            warnings.push(format!(
                "Docent: the required option {} is missing, so the chat cannot start.",
                label(option)
            ));
        }
        (config, warnings)
    }

    /// What the visitor reads when the page left out a required option.
    /// What the dialect may read of these options.
    pub fn settings(&self) -> docent_protocol::Settings {
        docent_protocol::Settings {
            product_id: self.product_id.clone(),
            key: self.public_key.clone(),
            options: self.dialect_options.clone(),
        }
    }

    /// Where the conversation is kept: one per product, and per platform settings where a
    /// platform has its own (two Amigo entities on one site are two conversations).
    pub fn storage_key(&self) -> String {
        let mut key = format!("docent:{}", self.product_id);
        if !self.dialect_options.is_empty() {
            key = format!("docent:{}:{}", self.dialect, self.product_id);
            for (_, value) in &self.dialect_options {
                key.push(':');
                key.push_str(value.trim());
            }
        }
        key
    }

    pub fn not_set_up(&self) -> Option<String> {
        (!self.missing.is_empty()).then(|| {
            crate::texts::fill(
                crate::texts::T::NotSetUp,
                &[("missing", &self.missing.join(" and "))],
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(pairs: &[(&str, &str)]) -> (Config, Vec<String>) {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_options(|name| map.get(name).cloned())
    }

    const REQUIRED_GIVEN: [(&str, &str); 2] =
        [("product-id", "crm"), ("public-key", "pk_test_docent")];

    /// The defaults, with the required options as `REQUIRED_GIVEN` gives them.
    fn defaults_with_required() -> Config {
        Config {
            product_id: "crm".into(),
            public_key: "pk_test_docent".into(),
            ..Config::default()
        }
    }

    #[test]
    fn the_required_options_alone_give_the_defaults_without_warnings() {
        let (config, warnings) = read(&REQUIRED_GIVEN);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(config, defaults_with_required());
        assert_eq!(config.not_set_up(), None);
    }

    #[test]
    fn a_missing_required_option_is_named_to_the_developer_and_the_visitor() {
        let (config, warnings) = read(&[("public-key", "pk_x"), ("product-id", "  ")]);
        assert_eq!(config.missing, ["product-id"]);
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].contains("data-product-id / productId"),
            "{}",
            warnings[0]
        );
        assert!(warnings[0].contains("missing"), "{}", warnings[0]);
        let visitor = config.not_set_up().unwrap();
        assert!(visitor.contains("product-id"), "{visitor}");
        let (config, _) = read(&[]);
        assert_eq!(config.missing, ["product-id", "public-key"]);
    }

    #[test]
    fn good_values_are_taken() {
        let (config, warnings) = read(&[
            ("server", "https://agent.example/"),
            ("dialect", "live-demo"),
            ("product-id", " crm "),
            ("public-key", "pk_live_abc"),
            ("title", "Ask Pipewise"),
            ("open", "true"),
            ("position", "left"),
            ("demo-frame", "#product-demo"),
            (
                "allowed-origins",
                "https://docs.example https://help.example/",
            ),
            ("persist", "local"),
            ("persist-hours", "2"),
        ]);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(config.server, "https://agent.example");
        assert_eq!(config.product_id, "crm");
        assert_eq!(config.public_key, "pk_live_abc");
        assert_eq!(config.title, "Ask Pipewise");
        assert!(config.start_open);
        assert_eq!(config.position, Side::Left);
        assert_eq!(config.persist, Persist::Site);
        assert_eq!(config.persist_hours, 2.0);
        assert_eq!(config.demo_frame, "#product-demo");
        assert_eq!(
            config.allowed_origins,
            ["https://docs.example", "https://help.example"]
        );
    }

    #[test]
    fn bad_values_fall_back_to_defaults_with_a_warning_naming_the_option() {
        let mut pairs = vec![
            ("server", "javascript:alert(1)"),
            ("dialect", "smoke-signals"),
            ("open", "maybe"),
            ("position", "top"),
            ("demo-frame", "   "),
            ("persist", "forever"),
            ("persist-hours", "-3"),
        ];
        pairs.extend(REQUIRED_GIVEN);
        let (config, warnings) = read(&pairs);
        assert_eq!(config, defaults_with_required());
        assert_eq!(warnings.len(), 7, "{warnings:?}");
        for (warning, option) in warnings.iter().zip([
            "data-server / server",
            "data-dialect / dialect",
            "data-open / open",
            "data-position / position",
            "data-demo-frame / demoFrame",
            "data-persist / persist",
            "data-persist-hours / persistHours",
        ]) {
            assert!(warning.contains(option), "{warning}");
        }
    }

    #[test]
    fn a_secret_key_is_refused_and_never_echoed() {
        let (config, warnings) = read(&[("product-id", "crm"), ("public-key", "sk_live_secret")]);
        assert_eq!(config.missing, ["public-key"]);
        assert!(warnings.iter().any(|w| w.contains("secret key")));
        assert!(
            warnings.iter().all(|w| !w.contains("sk_live_secret")),
            "{warnings:?}"
        );
    }

    #[test]
    fn unknown_option_names_are_warned_about() {
        let warnings = unknown_options(["product-id", "prodct-id", "styles"], &[]);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("\"prodct-id\""), "{}", warnings[0]);
    }

    #[test]
    fn each_platform_setting_keeps_its_own_conversation() {
        let (live, _) = read(&REQUIRED_GIVEN);
        assert_eq!(live.storage_key(), "docent:crm");
        let amigo = |entity: &str| {
            let mut pairs = vec![
                ("dialect", "amigo"),
                ("public-key", "pk_test_docent"),
                ("product-id", "p"),
            ];
            pairs.push(("entity-id", entity));
            read(&pairs).0.storage_key()
        };
        assert_eq!(amigo("e1"), "docent:amigo:p:e1");
        assert_ne!(amigo("e1"), amigo("e2"));
    }

    #[test]
    fn the_pages_words_replace_single_texts_and_unknown_ones_are_said() {
        let warnings = set_texts([
            ("text-send", "Senden".to_string()),
            ("text-sned", "x".to_string()),
            ("title", "not a text".to_string()),
        ]);
        assert_eq!(crate::texts::get(crate::texts::T::Send), "Senden");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("\"sned\""), "{warnings:?}");
        assert!(unknown_options(["text-send", "locale"], &[]).is_empty());
        crate::texts::reset();
    }
}
