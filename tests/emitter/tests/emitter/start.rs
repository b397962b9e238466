//! What already waits when the script starts: Jenkins restores its queue and runs init scripts
//! in no fixed order (docs/jenkins-api.md §17), and a re-run starts with an empty memory.

use crate::{announced_until, controller};

#[test]
fn items_restored_before_the_script_ran_are_announced_when_it_starts() {
    let (webhook, mut jenkins) = controller();
    jenkins.restore(901, "linux");
    jenkins.restore(902, "linux");
    jenkins.queue("take 902");
    jenkins.restore(903, "-");
    jenkins.restore(904, "linux&&arm64");

    let result = jenkins.install();

    assert!(
        result.contains("4 item(s) already in the queue"),
        "{result}"
    );
    assert_eq!(announced_until(904, &webhook, &mut jenkins), [901, 904]);
}

#[test]
fn a_rerun_announces_the_items_still_waiting_once_more_and_only_once() {
    let (webhook, mut jenkins) = controller();
    jenkins.install();
    jenkins.queue("enter 911 linux");
    webhook.wait_for(1);

    jenkins.install();
    webhook.wait_for(2);
    // Re-entering buildable after the re-run's announcement announces nothing new.
    jenkins.queue("block 911");
    jenkins.queue("unblock 911 ; enter 912 linux");

    assert_eq!(
        announced_until(912, &webhook, &mut jenkins),
        [911, 911, 912]
    );
}
