//! Reconcile runs while the agents file changes: one version per run, named
//! in the summary, and no revision retired while another instance may still
//! launch from it.

use std::sync::Arc;

use super::*;
use crate::config::{ConfigVersion, TaskSource};
use crate::launch::LauncherOptions;
use crate::live_config::READ_TIMEOUT;
use crate::live_config::fake::FakeAgentsFile;
use crate::ports::Deployment;

const INTERVAL: Duration = Duration::from_secs(30);

#[tokio::test]
async fn the_run_summary_names_the_agents_file_version() {
    let r = reconciler(ReconcileOptions::default());
    let summary = r.run(now_ms()).await.unwrap();
    assert_eq!(
        summary.config_version,
        ConfigVersion::built_in(CONFIG).to_string()
    );
}

#[tokio::test(start_paused = true)]
async fn stale_revisions_wait_until_every_instance_can_have_read_the_new_version() {
    // GIVEN the revision version 1 registered for `linux`, and version 2 with another image
    let store = FakeAgentsFile::new();
    let deployment = Deployment::with_fakes(CONFIG).following(store.follow(CONFIG, INTERVAL));
    let old_hash = match &deployment.config().templates[0].task {
        TaskSource::Register { hash, .. } => hash.clone(),
        TaskSource::Existing { .. } => unreachable!("a rendered template"),
    };
    let old = "arn:aws:ecs:us-east-1:123456789012:task-definition/ecs-linux:1";
    deployment.ecs.add_registered(old, &old_hash);
    let launcher = Launcher::new(Arc::new(deployment), LauncherOptions::default());
    let r = Reconciler::new(launcher, ReconcileOptions::default());
    let published = now_ms();
    store.publish_at(&CONFIG.replace("cpu: 512, memory: 1024, subnets: [s-1]}\n  - {name: warm", "image: 'jenkins/inbound-agent:jdk21', cpu: 512, memory: 1024, subnets: [s-1]}\n  - {name: warm"), published);

    // WHEN a run comes right after the publication, and one after two intervals
    let early = r.run(published).await.unwrap();
    let settle = (2 * INTERVAL + READ_TIMEOUT).as_millis() as u64;
    let late = r.run(published + settle).await.unwrap();

    // THEN only the second retires version 1's revision: a webhook instance
    // still on version 1 may launch from it until it has read version 2
    assert_eq!(early.config_version, "v1");
    assert_eq!(early.deregistered, Vec::<String>::new());
    assert_eq!(late.deregistered, [old]);
}
