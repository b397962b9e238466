//! Time to start (docs/how-it-works.md, "Time to start"): the dashboard charts its percentiles
//! per template, and an alarm fires when builds wait too long for their start.

use serde_json::{Value, json};

use super::eval::Stack;
use super::template;

/// The metrics the functions emit per template, as the dashboard must chart them.
const METRICS: [&str; 5] = [
    "QueueToOnlineMs",
    "QueueToBuildStartMs",
    "TaskProvisioningMs",
    "ImagePullMs",
    "TaskStartMs",
];

fn alarm(t: &Value) -> &Value {
    &t["Resources"]["TimeToBuildStartAlarm"]["Properties"]
}

#[test]
fn the_alarm_watches_the_p90_time_to_build_start_of_every_template_in_seconds() {
    let t = template();
    let metrics = alarm(&t)["Metrics"]
        .as_array()
        .expect("a metric-math alarm");
    let stat = metrics
        .iter()
        .find_map(|m| m.get("MetricStat"))
        .expect("a metric");
    assert_eq!(
        stat["Metric"],
        json!({"Namespace": "EcsAgents", "MetricName": "QueueToBuildStartMs"}),
        "no Dimensions: the functions publish a copy without them for this alarm"
    );
    assert_eq!(stat["Stat"], "p90");
    let returned: Vec<&Value> = metrics.iter().filter(|m| m["ReturnData"] == true).collect();
    assert_eq!(returned.len(), 1, "{metrics:?}");
    assert_eq!(
        returned[0]["Expression"], "waited / 1000",
        "milliseconds to seconds"
    );
}

#[test]
fn the_alarm_fires_above_the_parameter_and_tells_the_alarm_topic() {
    let t = template();
    let stack = Stack::new(
        &t,
        &[
            ("TimeToBuildStartAlarmSeconds", "120"),
            ("AlarmEmail", "ops@example.com"),
        ],
    );
    let alarm = stack.properties("TimeToBuildStartAlarm").unwrap();
    // A Number parameter reaches the template as its text.
    assert_eq!(
        (
            alarm["Threshold"].to_string().trim_matches('"'),
            &alarm["ComparisonOperator"]
        ),
        ("120", &json!("GreaterThanThreshold"))
    );
    assert_eq!(alarm["AlarmActions"], json!(["<AlarmTopic>"]));
    assert_eq!(
        alarm["TreatMissingData"], "notBreaching",
        "no builds is no alarm"
    );
}

#[test]
fn the_alarm_parameter_is_a_number_of_seconds_with_a_sensible_documented_default() {
    let t = template();
    let parameter = &t["Parameters"]["TimeToBuildStartAlarmSeconds"];
    assert_eq!(parameter["Type"], "Number");
    let default: u64 = parameter["Default"]
        .to_string()
        .trim_matches('"')
        .parse()
        .unwrap();
    assert!((60..=1800).contains(&default), "{default} s");
    assert!(parameter["MinValue"].as_u64() >= Some(1));
    let deploy =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/deploy.md"))
            .unwrap();
    assert!(
        deploy.contains(&format!("| `TimeToBuildStartAlarmSeconds` | {default} |")),
        "docs/deploy.md lists the parameter with its default"
    );
}

#[test]
fn the_dashboard_charts_p50_p90_and_p99_of_each_time_to_start_metric_per_template() {
    let t = template();
    let dashboard = Stack::new(&t, &[]).properties("Dashboard").unwrap();
    let body: Value = serde_json::from_str(dashboard["DashboardBody"].as_str().unwrap())
        .expect("the dashboard body is JSON");
    let expressions: Vec<String> = body["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|w| {
            w["properties"]["metrics"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|m| m[0]["expression"].as_str().map(str::to_owned))
        .collect();
    for metric in METRICS {
        for percentile in ["p50", "p90", "p99"] {
            let wanted = format!(
                "SEARCH('{{EcsAgents,Template}} MetricName=\"{metric}\"', '{percentile}', 300)"
            );
            assert!(expressions.contains(&wanted), "no {wanted}");
        }
    }
}
