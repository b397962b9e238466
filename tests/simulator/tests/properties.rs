//! Fault-injection property tests: random scenarios with random faults,
//! one per seed, and after quiescence the invariants of
//! `simulator::invariants` must hold. A failing seed prints the command
//! that replays it. Also: a run is a function of its seed, and each check
//! catches the breakage it is there for.

use std::ops::Range;

use std::time::Duration;

use simulator::faults::Faults;
use simulator::run::{Report, simulate};
use simulator::world::{Sabotage, Scenario};

/// Seeds per CI run, over the four `invariants_hold_*` tests (which the
/// test harness runs in parallel): a fixed count, so a run is reproducible.
/// `SIM_SEEDS` changes it (e.g. `SIM_SEEDS=20000` for a longer hunt).
const SEEDS: u64 = 1000;

fn seeds(quarter: u64) -> Range<u64> {
    let total = std::env::var("SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SEEDS);
    let per = total.div_ceil(4);
    quarter * per..((quarter + 1) * per).min(total)
}

fn failures(seeds: Range<u64>) -> Vec<String> {
    seeds
        .filter_map(|seed| {
            let report = simulate(Scenario::random(seed), seed);
            (!report.violations.is_empty()).then(|| describe(&report))
        })
        .collect()
}

fn describe(report: &Report) -> String {
    format!(
        "seed {}: {}\n  replay: {}",
        report.seed,
        report.violations.join("; "),
        report.replay_command()
    )
}

fn assert_holds(quarter: u64) {
    let failed = failures(seeds(quarter));
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn invariants_hold_after_random_faults_first_quarter_of_the_seeds() {
    assert_holds(0);
}

#[test]
fn invariants_hold_after_random_faults_second_quarter_of_the_seeds() {
    assert_holds(1);
}

#[test]
fn invariants_hold_after_random_faults_third_quarter_of_the_seeds() {
    assert_holds(2);
}

#[test]
fn invariants_hold_after_random_faults_fourth_quarter_of_the_seeds() {
    assert_holds(3);
}

/// `SIM_SEED=<seed> cargo test -p simulator --test properties -- replay
/// --nocapture`: the run of one seed, its log and its violations (seed 0
/// without `SIM_SEED`).
#[test]
fn replay() {
    let seed = std::env::var("SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let report = simulate(Scenario::random(seed), seed);
    println!("{}", report.log);
    println!("{:?}", Scenario::random(seed).faults);
    assert!(report.violations.is_empty(), "{}", describe(&report));
}

#[test]
fn a_run_is_a_function_of_its_seed() {
    let first = simulate(Scenario::random(7), 7);
    let again = simulate(Scenario::random(7), 7);
    assert_eq!(first.log, again.log);
    assert_eq!(first.ecs, again.ecs);
}

#[test]
fn faults_are_injected() {
    let reports: Vec<Report> = (0..20).map(|s| simulate(Scenario::random(s), s)).collect();
    let lost_events: u64 = reports.iter().map(|r| r.stats.task_events_lost).sum();
    let lost_posts: u64 = reports.iter().map(|r| r.stats.emitter_lost).sum();
    let restarts = reports
        .iter()
        .filter(|r| r.log.contains("restarting"))
        .count();
    assert!(
        lost_events > 0 && lost_posts > 0,
        "{lost_events} {lost_posts}"
    );
    assert!(restarts > 0, "some controller restart was seen by a call");
}

/// A calm run of `seed` (no faults) with `sabotage`, adjusted by `configure`.
fn calm(seed: u64, sabotage: Sabotage, configure: &impl Fn(&mut Scenario)) -> Report {
    let mut scenario = Scenario::random(seed);
    scenario.faults = Faults::none();
    scenario.sabotage = sabotage;
    configure(&mut scenario);
    simulate(scenario, seed)
}

/// The violation mentioning `what` that `sabotage` makes the checks report
/// in a calm run, which reports nothing of the kind without it.
fn caught(sabotage: Sabotage, configure: impl Fn(&mut Scenario), what: &str) -> String {
    let seed = 3;
    let baseline = calm(seed, Sabotage::None, &configure);
    assert!(
        !baseline.violations.iter().any(|v| v.contains(what)),
        "without the sabotage: {:?}",
        baseline.violations
    );
    let broken = calm(seed, sabotage, &configure);
    broken
        .violations
        .into_iter()
        .find(|v| v.contains(what))
        .unwrap_or_else(|| panic!("the checks did not report {what:?}"))
}

#[test]
fn the_checks_catch_a_second_task_when_ecs_forgets_client_tokens() {
    let violation = caught(
        Sabotage::IgnoreClientTokens,
        |s| {
            s.faults.sqs_duplicate = 1.0;
            s.faults.until = s.horizon;
        },
        "a second task was started",
    );
    assert!(violation.contains("sim-linux-"), "{violation}");
}

#[test]
fn the_checks_catch_orphan_tasks_when_stops_change_nothing() {
    // Before the agents, whose nodes are gone, give up reconnecting
    // (10 minutes) and end their tasks themselves.
    caught(
        Sabotage::IgnoreStops,
        |s| s.horizon = Duration::from_secs(12 * 60),
        "orphan task",
    );
}

#[test]
fn the_checks_catch_a_secret_in_a_log_line() {
    let violation = caught(Sabotage::LogSecrets, |_| {}, "a secret in a log line");
    assert!(
        violation.contains("<the secret>"),
        "and never repeat it: {violation}"
    );
}

#[test]
fn the_checks_catch_builds_dropped_when_the_worker_skips_launches_and_no_reconciler_runs() {
    caught(
        Sabotage::SkipLaunches,
        |s| s.reconcile_every = None,
        "waits with 0 live agents and no stated reason",
    );
}

#[test]
fn the_burst_benchmark_meets_its_floor_ratio_at_one_hundred_builds() {
    let row = simulator::bench::burst(100);
    assert_eq!((row.dropped, row.duplicates), (0, 0), "{row:?}");
    assert!(row.time >= row.floor, "nothing beats the floor: {row:?}");
}
