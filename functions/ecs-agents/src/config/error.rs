//! Configuration errors: every problem in the file, each naming where it is.

use std::fmt;

/// One problem in the agents file: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Where, e.g. `templates[2] (linux-arm).memory` or `cloud.cluster`.
    pub path: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl ConfigError {
    /// An error at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// All problems found in one agents file; never empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl ConfigErrors {
    /// The individual errors, in file order.
    pub fn errors(&self) -> &[ConfigError] {
        &self.0
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        writeln!(
            f,
            "{count} error{} in agents config:",
            if count == 1 { "" } else { "s" }
        )?;
        for error in &self.0 {
            writeln!(f, "  - {error}")?;
        }
        Ok(())
    }
}

/// Collects errors under a path prefix while a section is checked.
#[derive(Debug, Default)]
pub(crate) struct Errors {
    list: Vec<ConfigError>,
}

impl Errors {
    /// Records `message` for the field `field` of the section at `at`.
    pub(crate) fn at(&mut self, at: &str, field: &str, message: impl Into<String>) {
        let path = match (at.is_empty(), field.is_empty()) {
            (true, _) => field.to_owned(),
            (false, true) => at.to_owned(),
            (false, false) => format!("{at}.{field}"),
        };
        self.list.push(ConfigError::new(path, message));
    }

    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    /// The recorded errors as text, for tests.
    #[cfg(test)]
    pub(crate) fn messages(self) -> Vec<String> {
        self.list.iter().map(ToString::to_string).collect()
    }

    pub(crate) fn into_result<T>(self, ok: impl FnOnce() -> T) -> Result<T, ConfigErrors> {
        if self.list.is_empty() {
            Ok(ok())
        } else {
            Err(ConfigErrors(self.list))
        }
    }
}
