//! Agent name validation of `ComputerSet.checkName` and `Jenkins.checkGoodName`
//! (docs/jenkins-api.md §1): every failure becomes a 400 with the text in `X-Error`.

/// Characters Jenkins refuses anywhere in a name.
const UNSAFE: &str = "?*/\\%!@#$^&|<>[]:;";

/// Validates a submitted agent name and returns it trimmed, or the message Jenkins
/// answers with. Like Jenkins, a missing or blank name is reported as a missing
/// parameter (`Util.fixEmptyAndTrim` turns it into `null` before `checkGoodName`).
pub fn check_name(submitted: Option<&str>) -> Result<String, String> {
    let name = submitted.map(java_trim).unwrap_or_default();
    if name.is_empty() {
        return Err("Query parameter 'name' is required".to_owned());
    }
    if name == "." || name == ".." {
        return Err(format!("“{name}” is not an allowed name"));
    }
    for ch in name.chars() {
        if is_iso_control(ch) {
            return Err(format!("No control code is allowed: {}", printable(name)));
        }
        if UNSAFE.contains(ch) {
            return Err(format!("‘{ch}’ is an unsafe character"));
        }
    }
    if name.ends_with('.') {
        return Err("A name cannot end with ‘.’".to_owned());
    }
    Ok(name.to_owned())
}

/// `String.trim()` in Java: strips every character up to U+0020, no more.
pub fn java_trim(text: &str) -> &str {
    text.trim_matches(|c: char| c <= ' ')
}

/// `Character.isISOControl`.
fn is_iso_control(ch: char) -> bool {
    matches!(ch, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
}

/// `Jenkins.toPrintableName`: control characters as `\uDECIMAL;`.
fn printable(name: &str) -> String {
    name.chars()
        .map(|ch| {
            if is_iso_control(ch) {
                format!("\\u{};", ch as u32)
            } else {
                ch.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn a_good_name_is_returned_trimmed() {
        assert_eq!(
            check_name(Some("  ecs-agent-1 ")),
            Ok("ecs-agent-1".to_owned())
        );
    }

    #[test]
    fn a_blank_name_is_a_missing_parameter() {
        let expected = Err("Query parameter 'name' is required".to_owned());
        assert_eq!(check_name(Some("   ")), expected);
        assert_eq!(check_name(None), expected);
    }

    #[test]
    fn unsafe_characters_are_named_in_curly_quotes() {
        assert_eq!(
            check_name(Some("a/b")),
            Err("‘/’ is an unsafe character".to_owned())
        );
        assert_eq!(
            check_name(Some("a;b")),
            Err("‘;’ is an unsafe character".to_owned())
        );
    }

    #[test]
    fn control_characters_are_shown_as_decimal_escapes() {
        let error = check_name(Some("a\u{7f}b")).unwrap_err();
        assert_eq!(error, "No control code is allowed: a\\u127;b");
    }

    #[test]
    fn dots_are_refused_alone_and_at_the_end() {
        assert_eq!(
            check_name(Some("..")),
            Err("“..” is not an allowed name".to_owned())
        );
        assert_eq!(
            check_name(Some("agent.")),
            Err("A name cannot end with ‘.’".to_owned())
        );
    }
}
