//! The local run's scenario (`scripts/run`), played through the real
//! handlers in process: it must go as planned, and the README must show
//! what it prints.

use blackbox_tests::Backends;
use blackbox_tests::scenario::{self, Report};

async fn play_in_process() -> Report {
    let backends = Backends::start().await.unwrap();
    let dir = std::env::temp_dir().join(format!("ecs-agents-scenario-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let agents_file = dir.join("agents.yaml");
    std::fs::write(
        &agents_file,
        backends.agents(scenario::AGENTS).await.unwrap(),
    )
    .unwrap();
    let functions = backends
        .in_process(&backends.function_env(&agents_file))
        .await
        .unwrap();
    // Boxed: the whole scenario is one future, too big for a test thread's
    // stack in a debug build once it sits there.
    let report = Box::pin(scenario::play(&backends, &functions))
        .await
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    report
}

#[tokio::test]
async fn the_local_run_scenario_goes_as_planned_and_the_readme_shows_its_table() {
    let report = play_in_process().await;
    println!("{report}");
    assert_eq!(report.all_problems(), Vec::<String>::new());
    let outcomes: Vec<&str> = report.rows.iter().map(|r| r.outcome.as_str()).collect();
    assert!(
        outcomes[0].starts_with("built across a controller restart, released, stopped ("),
        "{outcomes:?}"
    );
    assert!(
        outcomes[3].starts_with("failed to start, not relaunched (")
            && outcomes[3].contains(scenario::PULL_ERROR),
        "{outcomes:?}"
    );
    assert_eq!(report.launch_failures.get(scenario::PULL_ERROR), Some(&1));
    assert_times_to_start_were_recorded(&report);
    assert_build_logs_show_the_launches(&report);
    assert_readme_shows(&report);
}

/// Every agent that built was recorded online after at least ECS's part,
/// and its build started 100 ms later; the broken one neither.
fn assert_times_to_start_were_recorded(report: &Report) {
    use scenario::timing::{ACCEPT_MS, CONNECT_MS, PROVISIONING_MS, PULL_MS, START_MS};
    for row in &report.rows {
        let times = (row.online_ms, row.build_start_ms);
        match row.plan {
            scenario::Plan::FailToStart => assert_eq!(times, (None, None), "#{}", row.item),
            _ => {
                let online = row.online_ms.unwrap_or_default();
                let least = PROVISIONING_MS + PULL_MS + START_MS + CONNECT_MS;
                assert!(online >= least, "#{}: {times:?}", row.item);
                assert_eq!(
                    row.build_start_ms,
                    Some(online + ACCEPT_MS),
                    "#{}",
                    row.item
                );
            }
        }
    }
}

/// The Pipeline builds' logs, as the emitter prints them while they wait: the
/// restarted build's launch (template, task with its console link, agent
/// connected), in that order: the webhook answers once it has recorded the
/// work, before launch-worker launches and notes the task; and the broken
/// image's failure, what to fix, and no retry.
fn assert_build_logs_show_the_launches(report: &Report) {
    let log = |row: usize| {
        let item = report.rows[row].item;
        let found = report.build_logs.iter().find(|(i, _)| *i == item);
        found.map(|(_, lines)| lines.clone()).unwrap_or_default()
    };
    let (pipeline, broken) = (log(0), log(3));
    let node = &report.rows[0].node;
    let at = |found: Option<usize>, what: &str| {
        found.unwrap_or_else(|| panic!("{what} not in {pipeline:#?}"))
    };
    let chosen = format!("[ecs-agents] template linux serves this build; launching agent {node}");
    let chosen = at(pipeline.iter().position(|l| *l == chosen), &chosen);
    let started = pipeline.iter().position(|l| {
        l.contains(&report.rows[0].task_arn)
            && l.contains("https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/")
            && l.contains("started from template linux")
    });
    let started = at(started, "the task's note");
    let connected = format!("[ecs-agents] agent {node} connected");
    let connected = at(pipeline.iter().position(|l| *l == connected), &connected);
    assert!(chosen < started && started < connected, "{pipeline:#?}");
    assert!(
        broken.iter().any(
            |l| l.contains(&format!("failed to start: {}.", scenario::PULL_ERROR))
                && l.contains("The image or its tag does not exist")
                && l.contains("Not retried")
        ),
        "{broken:#?}"
    );
}

/// The README's table must have the report's rows, task ids and times aside.
fn assert_readme_shows(report: &Report) {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let shown: Vec<Vec<String>> = readme
        .lines()
        .filter(|l| l.starts_with('#') && l.chars().nth(1).is_some_and(|c| c.is_ascii_digit()))
        .map(cells)
        .collect();
    let expected: Vec<Vec<String>> = report
        .to_string()
        .lines()
        .filter(|l| l.starts_with('#'))
        .map(cells)
        .collect();
    assert_eq!(
        shown, expected,
        "the README's table differs from what scripts/run prints now"
    );
}

/// A table line's cells but the task id (column 6); the measured times
/// (launch, online, started: columns 7 to 9) only as whether they are there,
/// their digits masked. ECS's parts (column 10) are the scenario's own
/// timeline, the same on every run.
fn cells(line: &str) -> Vec<String> {
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .enumerate()
        .filter(|(i, _)| *i != 5)
        .map(|(i, c)| match i {
            6..=8 => c
                .replace(|ch: char| ch.is_ascii_digit(), "")
                .replace(' ', "N "),
            _ => c.to_owned(),
        })
        .collect()
}
