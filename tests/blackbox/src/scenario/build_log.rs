//! The emitter's build-log part, played in the scenario as the scenario plays
//! its webhook part: what `infra/jenkins/ecs-agents-emitter.groovy` prints to
//! a waiting Pipeline build's log (docs/emitter.md, "What a waiting build
//! shows"), from the webhook's answer and from what Jenkins tells its
//! `ComputerListener`s. The lines are the script's, word for word; the
//! emitter's own tests (`tests/emitter`, module `build_log`) hold the script
//! to them.

use jenkins_stand_in::{ComputerEvent, RunningStandIn};
use serde_json::Value;

use super::{CLOUD, PULL_ERROR, Plan, Row};

/// How every line the emitter prints begins.
pub const PREFIX: &str = "[ecs-agents] ";

/// Where the functions' notes begin in an offline cause (`launch::NOTE_PREFIX`).
const NOTE: &str = "ecs-agents: queue item ";

/// The line the emitter prints for the webhook's answer to `queue.buildable`:
/// the template it matched and the agent the launch worker will launch, or
/// that no template serves the label. What became of the launch comes later,
/// as the functions' notes ([`relay`]).
pub fn answer_line(status: u16, body: &Value) -> Option<String> {
    let text = |key: &str| body[key].as_str();
    let line = match (status, body["outcome"].as_str()?) {
        (200..=299, "accepted") => format!(
            "template {} serves this build; launching agent {}",
            text("template")?,
            text("node")?
        ),
        (_, "ignored") if text("reason")?.starts_with("no template serves") => {
            format!("{}: no agent is launched for this build", text("reason")?)
        }
        _ => return None,
    };
    Some(format!("{PREFIX}{line}"))
}

/// Prints `line` to queue item `item`'s log if it is a Pipeline run and the
/// line is not the last one printed there (the emitter drops repeats).
pub fn print(jenkins: &RunningStandIn, item: u64, line: &str) {
    let Ok(lines) = jenkins.build_log(item) else {
        return; // a freestyle build: no log while it waits
    };
    if lines.last().map(String::as_str) != Some(line) {
        jenkins
            .print_to_build_log(item, line)
            .expect("the item has a log");
    }
}

/// Turns the `ComputerListener` callbacks since the last call into lines of
/// the waiting builds' logs: the functions' notes (an offline cause that is
/// one of ours, on a node of the cloud), and our agents coming online (the
/// queue item read from the node's description).
pub fn relay(jenkins: &RunningStandIn) {
    let cloud = CLOUD;
    for event in jenkins.computer_events() {
        match event {
            ComputerEvent::TemporarilyOffline { computer, cause } => {
                let ours = computer.starts_with(&format!("{cloud}-"))
                    || computer == format!("{cloud}_placeholder");
                let said = cause.find(NOTE).and_then(|at| note(&cause[at..]));
                let of_ours = |(_, node, _): &(u64, String, String)| {
                    ours && node.starts_with(&format!("{cloud}-"))
                };
                if let Some((item, _, line)) = said.filter(of_ours) {
                    print(jenkins, item, &line);
                }
            }
            ComputerEvent::Online { computer } => {
                let description = jenkins.node(&computer).map(|c| c.config.description);
                let item = description.as_deref().and_then(queue_item);
                if let Some(item) = item.filter(|_| computer.starts_with(&format!("{cloud}-"))) {
                    print(
                        jenkins,
                        item,
                        &format!("{PREFIX}agent {computer} connected"),
                    );
                }
            }
        }
    }
    jenkins.clear_computer_events();
}

/// `ecs-agents: queue item 42, agent NODE: TEXT` → item 42, the node, and its line.
fn note(text: &str) -> Option<(u64, String, String)> {
    let rest = text.strip_prefix(NOTE)?;
    let (item, rest) = rest.split_once(", agent ")?;
    let (node, said) = rest.split_once(": ")?;
    let line = format!("{PREFIX}agent {node}: {said}");
    Some((item.parse().ok()?, node.to_owned(), line))
}

/// The queue item in our nodes' description: `…, queue item 42; created …`.
fn queue_item(description: &str) -> Option<u64> {
    let after = description.split("queue item ").nth(1)?;
    after
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// What the log of a Pipeline row's run must show, each line as the parts it
/// holds: the template chosen, the node and its task, and the agent
/// connecting; or the task's failure, what to fix, and that it is not retried.
fn expected(row: &Row) -> Vec<Vec<String>> {
    let chosen = vec![format!(
        "{PREFIX}template {} serves this build; launching agent {}",
        row.template, row.node
    )];
    let task = format!(
        "{PREFIX}agent {}: ECS task {} (https://",
        row.node, row.task_arn
    );
    match row.plan {
        Plan::Build | Plan::BuildAcrossRestart => vec![
            chosen,
            vec![task, "started from template".into()],
            vec![format!("{PREFIX}agent {} connected", row.node)],
        ],
        Plan::FailToStart => vec![
            chosen,
            vec![
                task,
                format!("failed to start: {PULL_ERROR}."),
                "The image or its tag does not exist".into(),
                "Not retried".into(),
            ],
        ],
    }
}

/// The Pipeline job whose run 1 the builds of `plan` are, if they are
/// Pipeline builds.
pub fn pipeline_job(plan: Plan) -> Option<&'static str> {
    match plan {
        Plan::BuildAcrossRestart => Some("pipeline"),
        Plan::FailToStart => Some("broken-pipeline"),
        Plan::Build => None,
    }
}

/// Relays what is left, then checks that the log of `row`'s run (if it is a
/// Pipeline run) shows what [`expected`] says, and keeps it for the report.
pub fn check(jenkins: &RunningStandIn, row: &mut Row, logs: &mut Vec<(u64, Vec<String>)>) {
    relay(jenkins);
    let Some(job) = pipeline_job(row.plan) else {
        return;
    };
    // By the run: a controller restart forgets the block's first queue item.
    let lines = jenkins.run_log(job, 1);
    let missing: Vec<String> = expected(row)
        .into_iter()
        .filter(|parts| {
            !lines
                .iter()
                .any(|l| parts.iter().all(|p| l.contains(p.as_str())))
        })
        .map(|parts| parts.join(" … "))
        .collect();
    if !missing.is_empty() && row.problem.is_none() {
        row.fail(format!("its build log lacks {missing:?}: {lines:?}"));
    }
    logs.push((row.item, lines));
}
