//! The functions' timeouts in the SAM stack against the launch deadline the
//! code runs with: a launch that gives up must still answer before Lambda
//! kills the function. No AWS involved; `SAM_TEMPLATE` checks another copy.

use crate::sam_template::{function, template};

#[test]
fn the_launch_deadline_leaves_the_launching_functions_time_to_clean_up_and_answer() {
    // Arrange: each function that launches (the webhook only records work,
    // the launch worker launches it), its timeout (its own or the Globals'),
    // and the deadline it runs with (its variable, else the default)
    let t = template();
    let globals = &t["Globals"]["Function"];
    let default = ecs_agents::launch::LauncherOptions::default().deadline;
    for binary in ["launch-worker", "task-stopped", "reconcile"] {
        let properties = &function(&t, binary)["Properties"];
        let timeout = properties["Timeout"]
            .as_u64()
            .or_else(|| globals["Timeout"].as_u64())
            .expect("a numeric Timeout");
        let set = [&properties["Environment"], &globals["Environment"]]
            .into_iter()
            .map(|env| &env["Variables"]["LAUNCH_DEADLINE_SECONDS"])
            .find(|value| !value.is_null());
        let deadline = set.map_or(default.as_secs(), |value| {
            value
                .as_u64()
                .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
                .expect("LAUNCH_DEADLINE_SECONDS is a number of seconds")
        });
        // Assert: the deadline, the grace for deleting the node, and a
        // second to answer fit in the timeout
        let grace = ecs_agents::launch::CLEANUP_GRACE.as_secs();
        assert!(
            deadline + grace < timeout,
            "{binary}: a {deadline} s launch deadline plus {grace} s to clean up is not under its {timeout} s timeout"
        );
    }
}
