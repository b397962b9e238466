use serde_json::{Value, json};

use super::*;

const QUEUED: u64 = 1_764_277_200_000;

fn reached(milestone: Milestone, node: &str, item: u64, after_ms: u64) -> Reached {
    Reached {
        milestone,
        node: node.to_owned(),
        queue_item: item,
        in_queue_since: QUEUED,
        at: QUEUED + after_ms,
    }
}

/// The EMF line of a recorded milestone, parsed.
fn line(timed: &Timed) -> Value {
    let record = timed.record().expect("a recorded milestone has a record");
    serde_json::from_str(&record.to_line(QUEUED)).unwrap()
}

#[test]
fn an_agent_online_is_an_emf_queue_to_online_time_for_its_template() {
    let milestones = Milestones::default();

    let timed = milestones.record(
        &reached(Milestone::Online, "ecs-linux-7", 7, 42_500),
        "linux",
    );

    let line = line(&timed);
    let directive = &line["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(directive["Namespace"], "EcsAgents");
    assert_eq!(directive["Dimensions"], json!([["Template"]]));
    assert_eq!(
        directive["Metrics"],
        json!([{"Name": "QueueToOnlineMs", "Unit": "Milliseconds"}])
    );
    assert_eq!(
        (line["Template"].as_str(), line["QueueToOnlineMs"].as_f64()),
        (Some("linux"), Some(42_500.0))
    );
}

#[test]
fn a_build_start_is_an_emf_queue_to_build_start_time() {
    let milestones = Milestones::default();

    let timed = milestones.record(
        &reached(Milestone::BuildStart, "ecs-linux-7", 7, 45_000),
        "linux",
    );

    let line = line(&timed);
    assert_eq!(
        line["_aws"]["CloudWatchMetrics"][0]["Metrics"],
        json!([{"Name": "QueueToBuildStartMs", "Unit": "Milliseconds"}])
    );
    assert_eq!(line["QueueToBuildStartMs"].as_f64(), Some(45_000.0));
}

#[test]
fn time_to_build_start_is_also_published_across_templates_for_the_alarm() {
    let milestones = Milestones::default();

    let started = milestones.record(
        &reached(Milestone::BuildStart, "ecs-linux-7", 7, 45_000),
        "linux",
    );
    let online = milestones.record(
        &reached(Milestone::Online, "ecs-linux-7", 7, 40_000),
        "linux",
    );

    assert_eq!(
        line(&started)["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
        json!([["Template"], []])
    );
    assert_eq!(
        line(&online)["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
        json!([["Template"]])
    );
}

#[test]
fn a_repeated_milestone_counts_once() {
    let milestones = Milestones::default();
    let event = reached(Milestone::Online, "ecs-linux-7", 7, 42_500);

    let first = milestones.record(&event, "linux");
    let again = milestones.record(&event, "linux");

    assert!(
        matches!(first, Timed::Recorded { ms: 42_500, .. }),
        "{first:?}"
    );
    assert_eq!(
        again,
        Timed::Duplicate {
            milestone: Milestone::Online,
            node: "ecs-linux-7".into()
        }
    );
    assert_eq!(again.record(), None);
}

#[test]
fn a_late_event_counts_once_with_its_own_times() {
    let milestones = Milestones::default();
    // Delivered an hour after it happened: the times it carries count, not its arrival.
    let late = reached(Milestone::BuildStart, "ecs-linux-7", 7, 61_000);

    let first = milestones.record(&late, "linux");
    let retried = milestones.record(&late, "linux");

    assert_eq!(
        first,
        Timed::Recorded {
            metric: "QueueToBuildStartMs",
            template: "linux".into(),
            ms: 61_000
        }
    );
    assert!(matches!(retried, Timed::Duplicate { .. }), "{retried:?}");
}

#[test]
fn online_and_build_start_of_one_agent_each_count() {
    let milestones = Milestones::default();

    let online = milestones.record(
        &reached(Milestone::Online, "ecs-linux-7", 7, 40_000),
        "linux",
    );
    let started = milestones.record(
        &reached(Milestone::BuildStart, "ecs-linux-7", 7, 41_000),
        "linux",
    );

    assert!(matches!(online, Timed::Recorded { .. }), "{online:?}");
    assert!(matches!(started, Timed::Recorded { .. }), "{started:?}");
}

#[test]
fn builds_of_different_items_on_one_agent_each_count() {
    let milestones = Milestones::default();

    let first = milestones.record(
        &reached(Milestone::BuildStart, "ecs-big-7", 7, 40_000),
        "big",
    );
    let second = milestones.record(
        &reached(Milestone::BuildStart, "ecs-big-7", 9, 1_000),
        "big",
    );

    assert!(
        matches!(second, Timed::Recorded { ms: 1_000, .. }),
        "{first:?} {second:?}"
    );
}

#[test]
fn a_milestone_before_its_queue_entry_counts_as_no_wait() {
    let milestones = Milestones::default();
    let skewed = Reached {
        at: QUEUED - 300,
        ..reached(Milestone::Online, "ecs-linux-7", 7, 0)
    };

    let timed = milestones.record(&skewed, "linux");

    assert!(matches!(timed, Timed::Recorded { ms: 0, .. }), "{timed:?}");
}

#[test]
fn the_memory_forgets_the_oldest_milestone_first() {
    let milestones = Milestones::default();
    let first = reached(Milestone::Online, "ecs-linux-0", 0, 1);
    milestones.record(&first, "linux");
    for item in 1..=REMEMBERED as u64 {
        milestones.record(
            &reached(Milestone::Online, &format!("ecs-linux-{item}"), item, 1),
            "linux",
        );
    }
    let newest = reached(
        Milestone::Online,
        &format!("ecs-linux-{REMEMBERED}"),
        REMEMBERED as u64,
        1,
    );

    assert!(matches!(
        milestones.record(&newest, "linux"),
        Timed::Duplicate { .. }
    ));
    assert!(matches!(
        milestones.record(&first, "linux"),
        Timed::Recorded { .. }
    ));
}

// --- The parts ECS spends. ---

fn times(
    created: Option<u64>,
    pull: Option<u64>,
    pulled: Option<u64>,
    started: Option<u64>,
) -> TaskTimes {
    TaskTimes {
        created_at: created,
        pull_started_at: pull,
        pull_stopped_at: pulled,
        started_at: started,
    }
}

#[test]
fn a_started_task_has_all_three_parts() {
    let phases = EcsPhases::of(&times(
        Some(1_000),
        Some(19_000),
        Some(27_500),
        Some(28_700),
    ));

    assert_eq!(
        phases,
        EcsPhases {
            provisioning_ms: Some(18_000),
            image_pull_ms: Some(8_500),
            start_ms: Some(1_200),
        }
    );
}

#[test]
fn a_failed_pull_has_only_its_provisioning() {
    // events/ecs/task-failed-to-start-image-pull.json: pullStartedAt, no pullStoppedAt, no startedAt.
    let phases = EcsPhases::of(&times(Some(1_000), Some(19_000), None, None));

    assert_eq!(
        phases,
        EcsPhases {
            provisioning_ms: Some(18_000),
            ..EcsPhases::default()
        }
    );
}

#[test]
fn a_task_that_never_pulled_has_no_parts_and_no_record() {
    let phases = EcsPhases::of(&times(Some(1_000), None, None, None));

    assert!(phases.is_empty());
    assert_eq!(phases.record("linux"), None);
}

#[test]
fn times_out_of_order_measure_nothing() {
    let phases = EcsPhases::of(&times(Some(20_000), Some(19_000), Some(27_500), None));

    assert_eq!(phases.provisioning_ms, None);
    assert_eq!(phases.image_pull_ms, Some(8_500));
}

#[test]
fn the_parts_are_one_emf_record_with_the_measured_metrics_only() {
    let phases = EcsPhases::of(&times(Some(1_000), Some(19_000), None, None));

    let line: Value =
        serde_json::from_str(&phases.record("broken").unwrap().to_line(QUEUED)).unwrap();

    assert_eq!(
        line["_aws"]["CloudWatchMetrics"][0]["Metrics"],
        json!([{"Name": "TaskProvisioningMs", "Unit": "Milliseconds"}])
    );
    assert_eq!(
        (
            line["Template"].as_str(),
            line["TaskProvisioningMs"].as_f64(),
            line.get("ImagePullMs")
        ),
        (Some("broken"), Some(18_000.0), None)
    );
}

#[test]
fn all_three_parts_are_named_as_the_dashboard_reads_them() {
    let phases = EcsPhases::of(&times(
        Some(1_000),
        Some(19_000),
        Some(27_500),
        Some(28_700),
    ));

    let line: Value =
        serde_json::from_str(&phases.record("linux").unwrap().to_line(QUEUED)).unwrap();

    assert_eq!(
        (
            line["TaskProvisioningMs"].as_f64(),
            line["ImagePullMs"].as_f64(),
            line["TaskStartMs"].as_f64()
        ),
        (Some(18_000.0), Some(8_500.0), Some(1_200.0))
    );
}
