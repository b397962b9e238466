//! The language Jenkins answers its queue reasons in.
//!
//! Jenkins renders `why` in the request's locale, and the Locale plugin can force
//! one language for every request whatever `Accept-Language` says
//! (docs/jenkins-api.md §14). The stand-in answers in English unless a test forces
//! German, with Jenkins' own texts from `hudson/model/Messages_de.properties`.

use serde::Deserialize;

/// A language the stand-in can force.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum Language {
    /// Jenkins' default texts (`Messages.properties`).
    #[default]
    #[serde(rename = "en")]
    English,
    /// `Messages_de.properties`.
    #[serde(rename = "de")]
    German,
}

/// A buildable item's `why` in English, as the stand-in builds it, in `language`.
pub fn render(english: &str, language: Language) -> String {
    match language {
        Language::English => english.to_owned(),
        Language::German => german(english),
    }
}

/// Jenkins' German texts for the English ones `why.rs` builds.
fn german(english: &str) -> String {
    let quoted = |text: &str| format!("\u{201e}{text}\u{201c}");
    if english == "Waiting for next available executor" {
        return "Warte auf den n\u{e4}chsten freien Build-Prozessor".to_owned();
    }
    if let Some(label) = between(
        english,
        "There are no nodes with the label \u{2018}",
        "\u{2019}",
    ) {
        return format!("Es gibt keine Knoten mit dem Label {}", quoted(label));
    }
    if let Some(label) = between(
        english,
        "All nodes of label \u{2018}",
        "\u{2019} are offline",
    ) {
        return format!("Alle Knoten des Labels {} sind offline", quoted(label));
    }
    if let Some(name) = between(
        english,
        "Waiting for next available executor on \u{2018}",
        "\u{2019}",
    ) {
        return format!("Warte auf den n\u{e4}chsten freien Build-Prozessor auf {name}");
    }
    english
        .split("; ")
        .map(|reason| node_reason(reason).unwrap_or_else(|| reason.to_owned()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// One per-node reason (`Queue.NodeOffline`, `Node.*`) in German.
fn node_reason(reason: &str) -> Option<String> {
    let quoted = |text: &str| format!("\u{201e}{text}\u{201c}");
    if let Some(node) = between(reason, "\u{2018}", "\u{2019} is offline") {
        return Some(format!("{node} ist offline"));
    }
    if let Some(node) = between(reason, "\u{2018}", "\u{2019} is not accepting tasks") {
        return Some(format!("{} nimmt keine Tasks an.", quoted(node)));
    }
    if let Some(node) = between(
        reason,
        "\u{2018}",
        "\u{2019} is reserved for jobs with matching label expression",
    ) {
        let text = "ist f\u{fc}r Projekte mit passendem Label-Ausdruck reserviert";
        return Some(format!("{} {text}", quoted(node)));
    }
    let inner = between(reason, "\u{2018}", "\u{2019}")?;
    let (node, label) = inner.split_once("\u{2019} doesn\u{2019}t have label \u{2018}")?;
    Some(format!(
        "{} hat nicht das Label {}",
        quoted(node),
        quoted(label)
    ))
}

fn between<'a>(text: &'a str, prefix: &str, suffix: &str) -> Option<&'a str> {
    text.strip_prefix(prefix)?.strip_suffix(suffix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_texts_are_jenkins_own() {
        let de = |text: &str| render(text, Language::German);
        assert_eq!(
            de("There are no nodes with the label \u{2018}linux\u{2019}"),
            "Es gibt keine Knoten mit dem Label \u{201e}linux\u{201c}"
        );
        assert_eq!(
            de("Waiting for next available executor on \u{2018}linux\u{2019}"),
            "Warte auf den n\u{e4}chsten freien Build-Prozessor auf linux"
        );
        assert_eq!(
            de(
                "\u{2018}a\u{2019} doesn\u{2019}t have label \u{2018}linux\u{2019}; \u{2018}b\u{2019} is offline"
            ),
            "\u{201e}a\u{201c} hat nicht das Label \u{201e}linux\u{201c}; b ist offline"
        );
    }
}
