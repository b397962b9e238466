//! `AgentsConfigRejected`: a published agents file the functions refused, or
//! could not read, while they kept launching with the version they had.

use serde::Serialize;

/// The event's `detail-type`.
pub const CONFIG_REJECTED: &str = "AgentsConfigRejected";

/// A published agents file the functions would not use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigRejected {
    /// The version the functions keep acting on, as in every `Agent*` event.
    pub config_version: String,
    /// The version refused; none when the file could not be read at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejected_version: Option<String>,
    /// Why, every problem listed.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_detail_names_both_versions_and_the_reason() {
        let event = ConfigRejected {
            config_version: "v1".into(),
            rejected_version: Some("v2".into()),
            reason: "1 error in agents config".into(),
        };
        assert_eq!(
            serde_json::to_value(&event).unwrap(),
            serde_json::json!({"configVersion": "v1", "rejectedVersion": "v2", "reason": "1 error in agents config"})
        );
    }
}
