//! Metrics as CloudWatch Embedded Metric Format (EMF) lines on stdout:
//! CloudWatch turns them into metrics with no API call and no cost beyond
//! the log line, and the SAM dashboard and alarms read them.
//!
//! Namespace `EcsAgents`. Emitted: `Launches` and `QueueToLaunchMs` (time
//! from the item entering the Jenkins queue to its task being started) per
//! template; `LaunchFailures` per template and reason class; `AgentsStopped`
//! per stop code; `AgentsConfigRejected` (no dimension) when a published
//! agents file is refused or unreadable; and the time to start
//! (`crate::timing`): `QueueToOnlineMs`, `QueueToBuildStartMs` (per template,
//! and without dimension for the alarm), `TaskProvisioningMs`, `ImagePullMs`
//! and `TaskStartMs` per template.

use std::collections::BTreeMap;

use serde_json::{Value, json};

/// CloudWatch namespace of every metric.
pub const NAMESPACE: &str = "EcsAgents";

/// One EMF record: a few metrics sharing one set of dimensions.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    dimensions: BTreeMap<&'static str, String>,
    metrics: Vec<(&'static str, &'static str, f64)>,
    /// Also published without dimensions (an empty dimension set).
    rollup: bool,
}

impl Record {
    /// An empty record with these dimensions (name, value).
    pub fn new(dimensions: impl IntoIterator<Item = (&'static str, String)>) -> Self {
        Self {
            dimensions: dimensions.into_iter().collect(),
            metrics: Vec::new(),
            rollup: false,
        }
    }

    /// Also publishes the metrics without dimensions, from the same line: an
    /// alarm must name a metric's dimensions and cannot search, so an alarm
    /// over every template reads this copy (docs/aws.md §30).
    pub fn with_rollup(mut self) -> Self {
        self.rollup = true;
        self
    }

    /// Adds a metric: name, CloudWatch unit (`Count`, `Milliseconds`), value.
    pub fn metric(mut self, name: &'static str, unit: &'static str, value: f64) -> Self {
        self.metrics.push((name, unit, value));
        self
    }

    /// The EMF JSON line for this record at `timestamp_ms`.
    pub fn to_line(&self, timestamp_ms: u64) -> String {
        let names: Vec<&str> = self.dimensions.keys().copied().collect();
        let sets = match self.rollup {
            true => json!([names, []]),
            false => json!([names]),
        };
        let definitions: Vec<Value> = self
            .metrics
            .iter()
            .map(|(name, unit, _)| json!({"Name": name, "Unit": unit}))
            .collect();
        let mut line = json!({
            "_aws": {
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{"Namespace": NAMESPACE, "Dimensions": sets, "Metrics": definitions}],
            }
        });
        for (name, value) in &self.dimensions {
            line[name] = json!(value);
        }
        for (name, _, value) in &self.metrics {
            line[name] = json!(value);
        }
        line.to_string()
    }

    /// Writes the record to stdout, where Lambda sends it to CloudWatch Logs.
    pub fn emit(&self) {
        println!("{}", self.to_line(crate::clock::now_ms()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rolled_up_record_is_also_published_without_dimensions() {
        let line = Record::new([("Template", "linux".to_owned())])
            .metric("QueueToBuildStartMs", "Milliseconds", 1234.0)
            .with_rollup()
            .to_line(1_764_277_200_000);
        let value: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            value["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Template"], []])
        );
    }

    #[test]
    fn a_record_is_an_emf_line_cloudwatch_understands() {
        let line = Record::new([("Template", "linux".to_owned())])
            .metric("Launches", "Count", 1.0)
            .metric("QueueToLaunchMs", "Milliseconds", 1234.0)
            .to_line(1_764_277_200_000);
        let value: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["_aws"]["Timestamp"], 1_764_277_200_000u64);
        let directive = &value["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "EcsAgents");
        assert_eq!(directive["Dimensions"], json!([["Template"]]));
        assert_eq!(
            directive["Metrics"][1],
            json!({"Name": "QueueToLaunchMs", "Unit": "Milliseconds"})
        );
        assert_eq!(
            (
                value["Template"].as_str(),
                value["Launches"].as_f64(),
                value["QueueToLaunchMs"].as_f64()
            ),
            (Some("linux"), Some(1.0), Some(1234.0))
        );
    }
}
