//! The simulator's scripted product adviser: a small microwave catalogue (seed 001's example
//! is "a built-in microwave with at least 20 liters capacity") and the rules that answer a
//! visitor's message with text, product options, variants and follow-up suggestions.
//!
//! Every product has a title, a price, an image and a page served by this server
//! (`/aui/images/…`, `/aui/products/…`), parameters (capacity, power, type, features) and
//! colour variants. The rules read keywords: built-in or freestanding, a capacity ("20
//! liters", "25 l"), a budget ("under 300"), grill or combi, a colour, "price", "energy".

use docent_protocol::aui::{ProductOption, WidgetParameter};
use serde_json::{json, Value};

/// One microwave of the catalogue.
#[derive(Debug, Clone)]
pub struct Microwave {
    pub id: &'static str,
    pub title: &'static str,
    pub built_in: bool,
    pub liters: u32,
    pub watts: u32,
    pub grill: bool,
    pub combi: bool,
    /// Euros.
    pub price: u32,
    pub energy: &'static str,
    pub features: &'static [&'static str],
    /// Colour name, its price difference in euros, and its SVG fill.
    pub variants: &'static [(&'static str, i32, &'static str)],
}

pub const CATALOGUE: &[Microwave] = &[
    Microwave {
        id: "kestrel-bi20",
        title: "Kestrel BI-20 Built-in Microwave",
        built_in: true,
        liters: 20,
        watts: 800,
        grill: false,
        combi: false,
        price: 349,
        energy: "Standby 0.5 W",
        features: &["5 power levels", "Defrost by weight", "Child lock"],
        variants: &[("Stainless steel", 0, "#b8bec4"), ("White", -20, "#f1f1ee")],
    },
    Microwave {
        id: "kestrel-bi25",
        title: "Kestrel BI-25 Built-in Microwave with Grill",
        built_in: true,
        liters: 25,
        watts: 900,
        grill: true,
        combi: false,
        price: 489,
        energy: "Standby 0.3 W, eco mode",
        features: &["1000 W quartz grill", "8 auto programmes", "Steam cleaning"],
        variants: &[
            ("Stainless steel", 0, "#b8bec4"),
            ("Black glass", 20, "#22252a"),
        ],
    },
    Microwave {
        id: "norrland-c32",
        title: "Norrland C32 Built-in Combi Microwave Oven",
        built_in: true,
        liters: 32,
        watts: 1000,
        grill: true,
        combi: true,
        price: 799,
        energy: "Standby 0.2 W, eco mode",
        features: &[
            "Hot-air convection to 230 °C",
            "Grill",
            "Sensor cooking",
            "Telescopic rack",
        ],
        variants: &[
            ("Black glass", 0, "#22252a"),
            ("Stainless steel", 30, "#b8bec4"),
        ],
    },
    Microwave {
        id: "arden-s17",
        title: "Arden S17 Compact Microwave",
        built_in: false,
        liters: 17,
        watts: 700,
        grill: false,
        combi: false,
        price: 89,
        energy: "Standby 0.8 W",
        features: &["Mechanical dials", "Turntable 25 cm"],
        variants: &[("White", 0, "#f1f1ee"), ("Black", 5, "#2b2b2b")],
    },
    Microwave {
        id: "arden-g23",
        title: "Arden G23 Microwave with Grill",
        built_in: false,
        liters: 23,
        watts: 800,
        grill: true,
        combi: false,
        price: 139,
        energy: "Standby 0.5 W",
        features: &["900 W grill", "Combination cooking", "Digital display"],
        variants: &[("Silver", 0, "#c9ccd0"), ("Black", 0, "#2b2b2b")],
    },
    Microwave {
        id: "norrland-f28",
        title: "Norrland F28 Inverter Microwave",
        built_in: false,
        liters: 28,
        watts: 1000,
        grill: false,
        combi: false,
        price: 229,
        energy: "Inverter, standby 0.3 W",
        features: &[
            "Inverter power control",
            "Flatbed (no turntable)",
            "Sensor reheat",
        ],
        variants: &[("Stainless steel", 0, "#b8bec4"), ("Black", 0, "#2b2b2b")],
    },
];

pub fn find(id: &str) -> Option<&'static Microwave> {
    CATALOGUE.iter().find(|m| m.id == id)
}

/// What the adviser answers to one message.
#[derive(Debug, Clone, Default)]
pub struct Advice {
    pub text: String,
    pub options: Vec<ProductOption>,
    pub variants_options: Vec<Value>,
    pub followup_suggestions: Vec<String>,
    /// The products shown, for later questions ("what is the price range?").
    pub shown: Vec<&'static str>,
}

/// The greeting of a new task.
pub const WELCOME: &str = "Hi! I'm the microwave adviser. Tell me what you cook and where the \
                           microwave should go, and I'll find the right one.";

pub fn welcome_suggestions() -> Vec<String> {
    vec![
        "I need a built-in microwave with at least 20 liters".into(),
        "Show me microwaves with a grill".into(),
        "What is there under €150?".into(),
    ]
}

/// Words that content moderation refuses (the simulator's stand-in for AUI's moderation).
const FLAGGED: &[(&str, &str)] = &[
    ("idiot", "harassment"),
    ("stupid bot", "harassment"),
    ("kill", "violence"),
];

/// The moderation category and the flagged word, when the message is refused.
pub fn moderation(text: &str) -> Option<(&'static str, &'static str)> {
    let lower = text.to_lowercase();
    FLAGGED
        .iter()
        .find(|(word, _)| lower.contains(word))
        .map(|(word, category)| (*category, *word))
}

/// `echo: X` (with `--control`): X as the reply, a suggestion, and every text field of one
/// product card (its title, price, link, a spec's label and value, a feature).
pub fn echo(payload: &str) -> Advice {
    Advice {
        text: payload.into(),
        options: vec![ProductOption {
            is_recommended: true,
            widget_parameters: vec![
                parameter("Title", json!(payload), "title"),
                parameter("Price", json!(payload), "price"),
                parameter("Link", json!(payload), "url"),
                parameter(payload, json!(payload), "text"),
                parameter("Features", json!([payload]), "list"),
            ],
        }],
        followup_suggestions: vec![payload.into()],
        ..Advice::default()
    }
}

/// Answers `text`; `shown` is what the task showed last; `base` prefixes image and page URLs.
pub fn advise(text: &str, shown: &[&'static str], base: &str) -> Advice {
    let lower = text.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));

    if has(&["price range", "how much", "cost"]) && !shown.is_empty() {
        let products: Vec<&Microwave> = shown.iter().filter_map(|id| find(id)).collect();
        let low = products.iter().map(|m| m.price).min().unwrap_or(0);
        let high = products.iter().map(|m| m.price).max().unwrap_or(0);
        return Advice {
            text: format!(
                "The options I showed you range from €{low} to €{high}. The {} is the best \
                 value among them.",
                products
                    .iter()
                    .min_by_key(|m| m.price)
                    .map(|m| m.title)
                    .unwrap_or("first")
            ),
            followup_suggestions: vec![
                "Do any of these come in stainless steel?".into(),
                "Which one has the best energy rating?".into(),
            ],
            shown: shown.to_vec(),
            ..Advice::default()
        };
    }
    if has(&["energy", "efficien", "standby"]) && !shown.is_empty() {
        let mut products: Vec<&Microwave> = shown.iter().filter_map(|id| find(id)).collect();
        products.sort_by_key(|m| (!m.energy.contains("eco"), m.price));
        let best = products[0];
        return Advice {
            text: format!(
                "Microwaves are not energy-labelled in the EU, so compare standby use: the {} \
                 has the lowest ({}).",
                best.title, best.energy
            ),
            options: vec![option(best, true, base)],
            variants_options: variants(best, base),
            followup_suggestions: vec!["What is the price range?".into()],
            shown: vec![best.id],
        };
    }
    if let Some(colour) = colour_asked(&lower) {
        let pool: Vec<&Microwave> = if shown.is_empty() {
            CATALOGUE.iter().collect()
        } else {
            shown.iter().filter_map(|id| find(id)).collect()
        };
        let matching: Vec<&Microwave> = pool
            .into_iter()
            .filter(|m| {
                m.variants
                    .iter()
                    .any(|(name, ..)| name.to_lowercase() == colour)
            })
            .collect();
        if matching.is_empty() {
            return Advice {
                text: format!("None of these comes in {colour}, I'm afraid."),
                followup_suggestions: vec!["Show me all built-in microwaves".into()],
                shown: shown.to_vec(),
                ..Advice::default()
            };
        }
        let names: Vec<&str> = matching.iter().map(|m| m.title).collect();
        return Advice {
            text: format!("Yes: {} come in {colour}.", names.join(" and ")),
            options: matching
                .iter()
                .enumerate()
                .map(|(i, m)| option(m, i == 0, base))
                .collect(),
            variants_options: variants(matching[0], base),
            followup_suggestions: vec!["What is the price range?".into()],
            shown: matching.iter().map(|m| m.id).collect(),
        };
    }

    let built_in = has(&["built-in", "built in", "builtin", "integrated"]);
    let freestanding = has(&["freestanding", "free-standing", "countertop", "worktop"]);
    let grill = has(&["grill"]);
    let combi = has(&["combi", "convection", "oven"]);
    let min_liters = number_before(&lower, &["liter", "litre", " l ", "l "]);
    let budget = number_after(&lower, &["under", "below", "less than", "up to", "max"]);
    let cheap = has(&["cheap", "budget", "affordable"]);
    let asked = built_in
        || freestanding
        || grill
        || combi
        || min_liters.is_some()
        || budget.is_some()
        || cheap
        || has(&["microwave", "recommend", "show me", "options"]);
    if !asked {
        let text = if has(&["hello", "hi ", "hey"]) || lower.trim() == "hi" {
            "Hello! Are you looking for a built-in or a freestanding microwave?"
        } else {
            "I can help you choose a microwave. Should it be built in or stand on the \
             worktop, and how many liters do you need?"
        };
        return Advice {
            text: text.into(),
            followup_suggestions: welcome_suggestions(),
            shown: shown.to_vec(),
            ..Advice::default()
        };
    }
    let mut matching: Vec<&Microwave> = CATALOGUE
        .iter()
        .filter(|m| !built_in || m.built_in)
        .filter(|m| !freestanding || !m.built_in)
        .filter(|m| !grill || m.grill)
        .filter(|m| !combi || m.combi)
        .filter(|m| min_liters.is_none_or(|l| m.liters >= l))
        .filter(|m| budget.is_none_or(|b| m.price <= b))
        .collect();
    matching.sort_by_key(|m| m.price);
    if cheap {
        matching.truncate(2);
    }
    matching.truncate(3);
    if matching.is_empty() {
        return Advice {
            text: "I found no microwave that meets all of that. Shall I relax the capacity or \
                   the budget?"
                .into(),
            followup_suggestions: vec![
                "Show me all built-in microwaves".into(),
                "What is there under €300?".into(),
            ],
            shown: shown.to_vec(),
            ..Advice::default()
        };
    }
    let mut what = String::new();
    if built_in {
        what.push_str("built-in ");
    } else if freestanding {
        what.push_str("freestanding ");
    }
    what.push_str("microwaves");
    if combi {
        what.push_str(" with a combi oven");
    } else if grill {
        what.push_str(" with a grill");
    }
    if let Some(liters) = min_liters {
        what.push_str(&format!(" with {liters}+ liters capacity"));
    }
    if let Some(budget) = budget {
        what.push_str(&format!(" under €{budget}"));
    }
    let text = if matching.len() == 1 {
        format!(
            "I found one {} that fits: the {}.",
            what.trim_end_matches('s'),
            matching[0].title
        )
    } else {
        format!("I found several {what}. Here are the top options for you:")
    };
    // The recommended one: the best value (cheapest) that fits.
    Advice {
        text,
        options: matching
            .iter()
            .enumerate()
            .map(|(i, m)| option(m, i == 0, base))
            .collect(),
        variants_options: variants(matching[0], base),
        followup_suggestions: vec![
            "What is the price range?".into(),
            "Do any of these come in stainless steel?".into(),
            "Which one has the best energy rating?".into(),
        ],
        shown: matching.iter().map(|m| m.id).collect(),
    }
}

fn colour_asked(lower: &str) -> Option<String> {
    ["stainless steel", "black glass", "white", "black", "silver"]
        .iter()
        .find(|c| lower.contains(*c))
        .map(|c| c.to_string())
}

/// The first number directly before one of `units` ("20 liters", "25l").
fn number_before(lower: &str, units: &[&str]) -> Option<u32> {
    let padded = format!("{lower} ");
    units.iter().find_map(|unit| {
        padded.match_indices(unit).find_map(|(at, _)| {
            let before = padded[..at].trim_end();
            let digits: String = before
                .chars()
                .rev()
                .take_while(char::is_ascii_digit)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            digits.parse().ok()
        })
    })
}

/// The first number after one of `words` ("under €300", "below 200").
fn number_after(lower: &str, words: &[&str]) -> Option<u32> {
    words.iter().find_map(|word| {
        let (_, rest) = lower.split_once(word)?;
        let digits: String = rest
            .trim_start_matches(|c: char| c.is_whitespace() || c == '€' || c == '$')
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    })
}

fn parameter(title: &str, value: Value, kind: &str) -> WidgetParameter {
    WidgetParameter {
        title: title.into(),
        value,
        kind: kind.into(),
    }
}

pub fn image_url(base: &str, id: &str, colour: Option<&str>) -> String {
    match colour {
        Some(colour) => format!("{base}/aui/images/{id}--{}.svg", slug(colour)),
        None => format!("{base}/aui/images/{id}.svg"),
    }
}

pub fn slug(text: &str) -> String {
    text.to_lowercase().replace(' ', "-")
}

/// A product as an AUI option: `{is_recommended, widget_parameters}`.
pub fn option(m: &Microwave, recommended: bool, base: &str) -> ProductOption {
    ProductOption {
        is_recommended: recommended,
        widget_parameters: vec![
            parameter("Title", json!(m.title), "title"),
            parameter("Price", json!(format!("€{}.00", m.price)), "price"),
            parameter("Image", json!(image_url(base, m.id, None)), "image"),
            parameter(
                "Link",
                json!(format!("{base}/aui/products/{}", m.id)),
                "url",
            ),
            parameter(
                "Type",
                json!(if m.built_in {
                    "Built-in"
                } else {
                    "Freestanding"
                }),
                "text",
            ),
            parameter("Capacity (L)", json!(m.liters), "number"),
            parameter("Power (W)", json!(m.watts), "number"),
            parameter("Energy", json!(m.energy), "text"),
            parameter("Features", json!(m.features), "list"),
        ],
    }
}

/// A product's colour variants, each option-shaped (which the widget reads as a card).
pub fn variants(m: &Microwave, base: &str) -> Vec<Value> {
    m.variants
        .iter()
        .map(|(colour, delta, _)| {
            let price = m.price as i32 + delta;
            json!({
                "is_recommended": false,
                "widget_parameters": [
                    {"title": "Title", "value": format!("{} — {colour}", m.title), "type": "title"},
                    {"title": "Price", "value": format!("€{price}.00"), "type": "price"},
                    {"title": "Image", "value": image_url(base, m.id, Some(colour)), "type": "image"},
                    {"title": "Colour", "value": colour, "type": "text"},
                ],
            })
        })
        .collect()
}

/// A small picture of a microwave in the product's (or the variant's) colour.
pub fn svg(m: &Microwave, colour: Option<&str>) -> String {
    let fill = colour
        .and_then(|c| m.variants.iter().find(|(name, ..)| slug(name) == c))
        .or(m.variants.first())
        .map(|(_, _, fill)| *fill)
        .unwrap_or("#b8bec4");
    let label = escape(m.title);
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 160" width="240" height="160" role="img" aria-label="{label}"><rect width="240" height="160" fill="#f6f7f9"/><rect x="20" y="28" width="200" height="104" rx="10" fill="{fill}" stroke="#555" stroke-width="2"/><rect x="34" y="42" width="130" height="76" rx="6" fill="#1d2530" opacity="0.85"/><circle cx="192" cy="58" r="8" fill="#444"/><circle cx="192" cy="84" r="8" fill="#444"/><rect x="180" y="102" width="24" height="8" rx="3" fill="#444"/><text x="120" y="152" font-family="sans-serif" font-size="11" text-anchor="middle" fill="#333">{} L · {} W</text></svg>"##,
        m.liters, m.watts
    )
}

/// A minimal product page (the cards' link).
pub fn page(m: &Microwave, base: &str) -> String {
    let title = escape(m.title);
    let features: String = m
        .features
        .iter()
        .map(|f| format!("<li>{}</li>", escape(f)))
        .collect();
    format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>{title}</title>\
         <h1>{title}</h1><img src=\"{}\" alt=\"{title}\" width=\"240\" height=\"160\">\
         <p>€{}.00 · {} L · {} W · {}</p><ul>{features}</ul></html>",
        image_url(base, m.id, None),
        m.price,
        m.liters,
        m.watts,
        if m.built_in {
            "Built-in"
        } else {
            "Freestanding"
        }
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_echo_puts_the_payload_in_the_text_a_suggestion_and_the_card() {
        let advice = echo("<b>x</b>");
        assert_eq!(advice.text, "<b>x</b>");
        assert_eq!(advice.followup_suggestions, ["<b>x</b>"]);
        let card = &advice.options[0].widget_parameters;
        assert!(card
            .iter()
            .all(|p| p.value.to_string().contains("<b>x</b>")));
        assert!(card.iter().any(|p| p.title == "<b>x</b>"));
    }

    #[test]
    fn the_seed_question_finds_built_in_microwaves_of_20_liters_or_more() {
        let advice = advise(
            "I am looking for a built-in microwave with at least 20 liters capacity",
            &[],
            "http://x",
        );
        assert!(advice
            .text
            .starts_with("I found several built-in microwaves"));
        assert_eq!(advice.options.len(), 3);
        assert!(advice.options[0].is_recommended);
        assert!(!advice.variants_options.is_empty());
        let products: Vec<_> = advice.options.iter().map(|o| o.to_product()).collect();
        assert!(products
            .iter()
            .all(|p| p.title.is_some() && p.price.is_some()));
        assert!(products[0].image_url.as_deref().unwrap().ends_with(".svg"));
        let followup = advise("What is the price range?", &advice.shown, "http://x");
        assert!(followup.text.contains("€349"), "{}", followup.text);
    }

    #[test]
    fn numbers_are_read_around_units_and_budgets() {
        assert_eq!(number_before("at least 25l please", &["l "]), Some(25));
        assert_eq!(number_after("something under €150", &["under"]), Some(150));
        let advice = advise("a microwave under 150", &[], "");
        assert!(advice.shown.iter().all(|id| find(id).unwrap().price <= 150));
        assert!(moderation("you idiot").is_some());
        assert!(moderation("a grill please").is_none());
    }
}
