//! Secret values (API tokens, the webhook key, agent secrets) in a type that
//! cannot leak: `Debug` and `Display` print a placeholder, and the value is
//! reachable only through an explicit [`Secret::expose`].

use std::fmt;

/// A secret string. Formatting it never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the one place that must send it somewhere.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(**redacted**)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("**redacted**")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_a_secret_never_shows_its_value() {
        let secret = Secret::new("hunter2");
        assert!(!format!("{secret:?} {secret} {:?}", Some(&secret)).contains("hunter2"));
        assert_eq!(secret.expose(), "hunter2");
    }
}
