//! How the host page configures Docent: `data-*` attributes on the host element
//! (`<div id="docent" data-server="…">`). A bad value falls back to its default with a
//! console warning that names the option, so a typo never gives a blank widget.

/// The widget's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Base URL of the agent server (`https://agent.example`); empty means this page's origin.
    pub server: String,
    /// The product whose demo the agent gives (`data-product-id`, default `default`).
    pub product_id: String,
    /// The public key sent when a session is created (`data-public-key`).
    pub public_key: String,
    /// The chat window's title before the agent's name is known (`data-title`).
    pub title: String,
    /// Open the chat window as soon as the widget appears (`data-open="true"`).
    pub start_open: bool,
    /// The iframe the agent drives (`data-demo-frame`, a CSS selector).
    pub demo_frame: String,
    /// Origins besides the demo's own that `navigate` may open (`data-allowed-origins`,
    /// space-separated).
    pub allowed_origins: Vec<String>,
    /// Where the conversation is kept across reloads (`data-persist`).
    pub persist: Persist,
    /// How long a kept conversation stays usable, in hours (`data-persist-hours`, default 24).
    pub persist_hours: f64,
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

impl Default for Config {
    fn default() -> Self {
        Config {
            server: String::new(),
            product_id: "default".into(),
            public_key: "pk_test_docent".into(),
            title: "Chat with us".into(),
            start_open: false,
            demo_frame: "iframe[data-docent-demo]".into(),
            allowed_origins: Vec::new(),
            persist: Persist::Tab,
            persist_hours: 24.0,
        }
    }
}

impl Config {
    /// Reads the options through `get(name)` (an attribute without the `data-` prefix).
    /// Returns the configuration and a warning for each value that was refused.
    pub fn from_attributes(get: impl Fn(&str) -> Option<String>) -> (Config, Vec<String>) {
        let mut config = Config::default();
        let mut warnings = Vec::new();
        if let Some(server) = get("server") {
            let server = server.trim().trim_end_matches('/').to_string();
            if server.is_empty() || server.starts_with("https://") || server.starts_with("http://")
            {
                config.server = server;
            } else {
                warnings.push(format!(
                    "Docent: data-server=\"{server}\" is not an http(s) URL; using this page's origin instead."
                ));
            }
        }
        if let Some(product) = get("product-id") {
            if product.trim().is_empty() {
                warnings.push(
                    "Docent: data-product-id is empty; using \"default\" instead.".to_string(),
                );
            } else {
                config.product_id = product.trim().to_string();
            }
        }
        if let Some(key) = get("public-key") {
            let key = key.trim();
            if key.starts_with("sk_") {
                warnings.push(
                    "Docent: data-public-key holds a secret key (sk_…). Never put a secret key in a web page; use a public pk_… key. The demo key is used instead.".to_string(),
                );
            } else if key.is_empty() {
                warnings.push("Docent: data-public-key is empty; using the demo key.".to_string());
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
                other => warnings.push(format!(
                    "Docent: data-open=\"{other}\" should be true or false; the chat starts closed."
                )),
            }
        }
        if let Some(frame) = get("demo-frame") {
            if docent_protocol::command::check_selector(&frame).is_ok() {
                config.demo_frame = frame.trim().to_string();
            } else {
                warnings.push(format!(
                    "Docent: data-demo-frame=\"{frame}\" is not a CSS selector; using iframe[data-docent-demo]."
                ));
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
                    warnings.push(format!(
                        "Docent: data-allowed-origins: \"{origin}\" is not an origin like https://example.com; it is ignored."
                    ));
                }
            }
        }
        if let Some(persist) = get("persist") {
            match persist.trim() {
                "session" | "tab" => config.persist = Persist::Tab,
                "local" | "site" => config.persist = Persist::Site,
                "none" | "off" | "false" => config.persist = Persist::Off,
                other => warnings.push(format!(
                    "Docent: data-persist=\"{other}\" should be session, local or none; using session."
                )),
            }
        }
        if let Some(hours) = get("persist-hours") {
            match hours.trim().parse::<f64>() {
                Ok(h) if h.is_finite() && h > 0.0 => config.persist_hours = h.min(24.0 * 30.0),
                _ => warnings.push(format!(
                    "Docent: data-persist-hours=\"{hours}\" is not a positive number of hours; using 24."
                )),
            }
        }
        (config, warnings)
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
        Config::from_attributes(|name| map.get(name).cloned())
    }

    #[test]
    fn no_attributes_give_the_defaults_without_warnings() {
        assert_eq!(read(&[]), (Config::default(), vec![]));
    }

    #[test]
    fn good_values_are_taken() {
        let (config, warnings) = read(&[
            ("server", "https://agent.example/"),
            ("product-id", " crm "),
            ("public-key", "pk_live_abc"),
            ("title", "Ask Pipewise"),
            ("open", "true"),
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
        let (config, warnings) = read(&[
            ("server", "javascript:alert(1)"),
            ("product-id", " "),
            ("public-key", "sk_live_secret"),
            ("open", "maybe"),
        ]);
        assert_eq!(config, Config::default());
        assert_eq!(warnings.len(), 4);
        for (warning, option) in warnings.iter().zip([
            "data-server",
            "data-product-id",
            "data-public-key",
            "data-open",
        ]) {
            assert!(warning.contains(option), "{warning}");
        }
    }
}
