//! Following the published file, in virtual time: tokio's clock is paused,
//! so intervals and timeouts pass without waiting.

use std::time::Duration;

use super::fake::FakeAgentsFile;
use super::*;
use crate::config::{AgentsConfig, Pinned, VersionedConfig};
use crate::events::fake::FakePublisher;

const INTERVAL: Duration = Duration::from_secs(30);

const SEED: &str = "
cloud: {name: ecs, cluster: agents, jenkinsUrl: 'https://ci.example.com'}
templates:
  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1]}
";

/// The seed with one more template, `gpu`.
fn with_gpu() -> String {
    format!("{SEED}  - {{name: gpu, labels: gpu, cpu: 512, memory: 1024, subnets: [s-1]}}\n")
}

fn seed() -> VersionedConfig {
    VersionedConfig::new(
        AgentsConfig::from_yaml(SEED).unwrap(),
        ConfigVersion::built_in(SEED),
    )
}

fn following(store: &FakeAgentsFile) -> LiveConfig {
    let pinned = Pinned::new(&seed()).with_jenkins_url("https://ci.example.com");
    LiveConfig::following(seed(), Box::new(store.clone()), pinned, INTERVAL)
}

fn version(live: &LiveConfig) -> String {
    live.current().version().to_string()
}

#[tokio::test(start_paused = true)]
async fn the_first_refresh_reads_the_published_file_and_makes_it_current() {
    let store = FakeAgentsFile::new();
    store.publish(&with_gpu());
    let live = following(&store);
    assert_eq!(version(&live), ConfigVersion::built_in(SEED).to_string());

    let swapped = live.refresh(&FakePublisher::new()).await;

    assert_eq!(swapped.map(|c| c.version().to_string()), Some("v1".into()));
    assert!(live.current().template("gpu").is_some());
}

#[tokio::test(start_paused = true)]
async fn within_the_interval_nothing_is_read() {
    let store = FakeAgentsFile::new();
    store.publish(SEED);
    let live = following(&store);
    let events = FakePublisher::new();
    live.refresh(&events).await;
    for _ in 0..5 {
        tokio::time::advance(Duration::from_secs(5)).await;
        live.refresh(&events).await;
    }
    assert_eq!(store.reads(), 1, "25 s after the first read, within 30 s");
}

#[tokio::test(start_paused = true)]
async fn after_the_interval_one_conditional_read_asks_with_the_etag_last_seen() {
    let store = FakeAgentsFile::new();
    store.publish(SEED);
    let live = following(&store);
    let events = FakePublisher::new();
    live.refresh(&events).await;
    tokio::time::advance(INTERVAL).await;

    let swapped = live.refresh(&events).await;

    assert_eq!(swapped, None, "unchanged");
    assert_eq!(store.known_etags(), [None, Some("etag-1".into())]);
    assert_eq!(version(&live), "v1");
}

#[tokio::test(start_paused = true)]
async fn a_new_version_is_current_once_the_interval_has_passed_and_not_before() {
    let store = FakeAgentsFile::new();
    store.publish(SEED);
    let live = following(&store);
    let events = FakePublisher::new();
    live.refresh(&events).await;
    let before = live.current();
    store.publish(&with_gpu());

    tokio::time::advance(INTERVAL - Duration::from_secs(1)).await;
    live.refresh(&events).await;
    assert_eq!(version(&live), "v1");
    tokio::time::advance(Duration::from_secs(1)).await;
    live.refresh(&events).await;

    assert_eq!(version(&live), "v2");
    // An invocation that took the earlier version keeps it whole.
    assert_eq!(before.version().as_str(), "v1");
    assert!(before.template("gpu").is_none());
}

#[tokio::test(start_paused = true)]
async fn a_version_that_does_not_load_is_refused_once_and_the_last_good_one_kept() {
    let store = FakeAgentsFile::new();
    store.publish(SEED);
    let live = following(&store);
    let events = FakePublisher::new();
    live.refresh(&events).await;
    store.publish(&SEED.replace("cpu: 512", "cpu: lots"));

    for _ in 0..3 {
        tokio::time::advance(INTERVAL).await;
        live.refresh(&events).await;
    }

    assert_eq!(version(&live), "v1");
    let rejected = events.rejected_configs();
    assert_eq!(rejected.len(), 1, "said once: {rejected:?}");
    assert_eq!(rejected[0].config_version, "v1");
    assert_eq!(rejected[0].rejected_version.as_deref(), Some("v2"));
    assert!(
        rejected[0].reason.contains("templates[0] (linux).cpu"),
        "{}",
        rejected[0].reason
    );
    store.publish(&with_gpu());
    tokio::time::advance(INTERVAL).await;
    live.refresh(&events).await;
    assert_eq!(version(&live), "v3", "a good version is taken again");
    assert_eq!(events.rejected_configs().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_version_that_moves_the_deployment_is_refused_saying_what_it_moves() {
    let store = FakeAgentsFile::new();
    store.publish(&SEED.replace("name: ecs", "name: other"));
    let live = following(&store);
    let events = FakePublisher::new();

    live.refresh(&events).await;

    assert_eq!(version(&live), ConfigVersion::built_in(SEED).to_string());
    let reason = &events.rejected_configs()[0].reason;
    assert!(
        reason.contains("cloud.name: is `other`, but this deployment is `ecs`"),
        "{reason}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_unreadable_file_keeps_the_version_and_is_said_once_until_it_reads_again() {
    let store = FakeAgentsFile::new();
    store.publish(SEED);
    let live = following(&store);
    let events = FakePublisher::new();
    live.refresh(&events).await;
    store.fail_reads("GetObject: AccessDenied");

    for _ in 0..3 {
        tokio::time::advance(INTERVAL).await;
        live.refresh(&events).await;
    }
    assert_eq!(store.reads(), 4, "tried again every interval");
    assert_eq!(version(&live), "v1");
    let rejected = events.rejected_configs();
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(rejected[0].rejected_version, None);
    assert_eq!(
        rejected[0].reason,
        "cannot read fake://agents.yaml: GetObject: AccessDenied"
    );

    store.heal();
    tokio::time::advance(INTERVAL).await;
    live.refresh(&events).await;
    store.fail_reads("GetObject: AccessDenied");
    tokio::time::advance(INTERVAL).await;
    live.refresh(&events).await;
    assert_eq!(
        events.rejected_configs().len(),
        2,
        "said again after a good read"
    );
}

#[tokio::test(start_paused = true)]
async fn a_read_that_does_not_answer_is_given_up_after_the_read_timeout() {
    let store = FakeAgentsFile::new();
    store.publish(&with_gpu());
    store.delay_reads(Duration::from_secs(60));
    let live = following(&store);
    let events = FakePublisher::new();
    let started = tokio::time::Instant::now();

    live.refresh(&events).await;

    assert_eq!(started.elapsed(), READ_TIMEOUT);
    assert_eq!(version(&live), ConfigVersion::built_in(SEED).to_string());
    assert!(
        events.rejected_configs()[0]
            .reason
            .ends_with("no answer within 2 s"),
        "{:?}",
        events.rejected_configs()
    );
}

#[tokio::test(start_paused = true)]
async fn with_nothing_published_the_seed_is_used_and_a_deleted_file_returns_to_it() {
    let store = FakeAgentsFile::new();
    let live = following(&store);
    let events = FakePublisher::new();
    assert_eq!(live.refresh(&events).await, None);
    store.publish(&with_gpu());
    tokio::time::advance(INTERVAL).await;
    live.refresh(&events).await;
    assert_eq!(version(&live), "v1");

    store.delete();
    tokio::time::advance(INTERVAL).await;
    live.refresh(&events).await;

    assert_eq!(version(&live), ConfigVersion::built_in(SEED).to_string());
    assert_eq!(store.known_etags()[2], Some("etag-1".into()));
    assert!(events.rejected_configs().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_read_under_way_is_not_waited_for() {
    let store = FakeAgentsFile::new();
    store.publish(SEED);
    store.delay_reads(Duration::from_secs(1));
    let live = following(&store);
    let events = FakePublisher::new();
    let second = async {
        tokio::task::yield_now().await;
        let started = tokio::time::Instant::now();
        let swapped = live.refresh(&events).await;
        (swapped, started.elapsed())
    };

    let (_, (swapped, waited)) = tokio::join!(live.refresh(&events), second);

    assert_eq!((swapped, waited), (None, Duration::ZERO));
    assert_eq!(store.reads(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_fixed_configuration_reads_nothing_and_is_always_settled() {
    let live = LiveConfig::fixed(seed());
    assert_eq!(live.refresh(&FakePublisher::new()).await, None);
    assert!(live.settled(&seed().published_at(1_000), 1_000));
}

#[tokio::test(start_paused = true)]
async fn a_version_is_settled_two_intervals_and_a_read_after_it_was_published() {
    let live = following(&FakeAgentsFile::new());
    let published = seed().published_at(1_000_000);
    let settle = (2 * INTERVAL + READ_TIMEOUT).as_millis() as u64;
    assert!(!live.settled(&published, 1_000_000 + settle - 1));
    assert!(live.settled(&published, 1_000_000 + settle));
    assert!(
        live.settled(&seed(), 0),
        "a built-in file was never published"
    );
}
