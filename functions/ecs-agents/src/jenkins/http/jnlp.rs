//! The agent secret in `jenkins-agent.jnlp` (docs/jenkins-api.md §2): the first
//! `<argument>` in both the compact (2.348+) and the legacy format.

use crate::secret::Secret;

/// An HMAC-SHA256 in hex (§2).
const SECRET_LEN: usize = 64;

/// The secret of a `.jnlp` file. The error is a fixed text that never
/// quotes the file, which holds the secret.
pub(super) fn secret(jnlp: &str) -> Result<Secret, &'static str> {
    const OPEN: &str = "<argument>";
    let start = jnlp.find(OPEN).ok_or("it has no <argument>")? + OPEN.len();
    let len = jnlp[start..]
        .find("</argument>")
        .ok_or("its first <argument> is not closed")?;
    let value = jnlp[start..start + len].trim();
    let is_hex = value
        .bytes()
        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if value.len() == SECRET_LEN && is_hex {
        Ok(Secret::new(value))
    } else {
        Err("its first <argument> is not a secret of 64 lower-case hex digits")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "e001b3fc14e3f3c1278b45fad750361b64d955841b795245adb1b61a013b749f";

    #[test]
    fn whitespace_around_the_secret_is_ignored() {
        let jnlp = format!("<argument>\n  {SECRET}\n</argument>");
        assert_eq!(secret(&jnlp).unwrap().expose(), SECRET);
    }

    #[test]
    fn upper_case_hex_is_not_a_secret() {
        let jnlp = format!("<argument>{}</argument>", SECRET.to_uppercase());
        assert!(secret(&jnlp).is_err());
    }

    #[test]
    fn a_secret_of_the_wrong_length_is_refused() {
        let jnlp = format!("<argument>{}</argument>", &SECRET[..63]);
        assert!(secret(&jnlp).is_err());
    }

    #[test]
    fn an_unclosed_first_argument_is_refused() {
        assert_eq!(
            secret(&format!("<argument>{SECRET}")).unwrap_err(),
            "its first <argument> is not closed"
        );
    }
}
