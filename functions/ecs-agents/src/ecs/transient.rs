//! ECS texts that name a parameter or a limit, yet describe a condition that
//! clears by itself (docs/aws.md §9). ECS sends them as RunTask errors
//! (EC2 throttling wrapped in `InvalidParameterException`), as RunTask
//! `failures[]` reasons, or as the reason of a task that failed to start (an
//! ENI that was not provisioned in time), so every place that calls a
//! failure transient or permanent reads them first: a word such as
//! "invalid" elsewhere in the text must not make them permanent.

/// Lower-case fragments of those texts, each from a message ECS really sends.
const CLEARS_BY_ITSELF: [&str; 5] = [
    // EC2 throttling while ECS looks up the task's network: "Error retrieving
    // security group information for [sg-…]: Request limit exceeded.
    // (ErrorCode: RequestLimitExceeded)"; the code may come alone.
    "request limit exceeded",
    "requestlimitexceeded",
    // ECS's own throttling: `ThrottlingException` "Rate exceeded".
    "rate exceeded",
    // The Fargate quotas: "You've reached the limit on the number of vCPUs you
    // can run concurrently" (and, before vCPU quotas, "… of tasks you can run
    // concurrently"). Other tasks ending frees the quota.
    "you can run concurrently",
    // "Timeout waiting for network interface provisioning to complete."
    "timeout waiting for network interface",
];

/// Whether an ECS error message or failure reason describes something that
/// clears by itself (throttling, a quota other tasks free, a slow ENI), so
/// the same launch is worth trying again later.
pub fn clears_by_itself(text: &str) -> bool {
    let lower = text.to_lowercase();
    CLEARS_BY_ITSELF
        .iter()
        .any(|fragment| lower.contains(fragment))
}

/// The texts of docs/aws.md §9, as ECS sends them: cases for every test
/// that classifies ECS's words.
#[cfg(test)]
pub(crate) const REAL_TEXTS: [&str; 5] = [
    "Error retrieving security group information for [sg-05937427457b61ff5]: Request limit \
     exceeded. (ErrorCode: RequestLimitExceeded)",
    "You've reached the limit on the number of vCPUs you can run concurrently",
    "You've reached the limit on the number of tasks you can run concurrently. For more \
     information, see the Troubleshooting section.",
    "Timeout waiting for network interface provisioning to complete.",
    "Rate exceeded",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_of_a_passing_condition_ecs_sends_clears_by_itself() {
        for text in REAL_TEXTS {
            assert!(clears_by_itself(text), "{text}");
        }
    }

    #[test]
    fn configuration_errors_do_not_clear_by_themselves() {
        for text in [
            "Security group sg-0a and subnet subnet-0b belong to different networks.",
            "User: arn:aws:sts::123456789012:assumed-role/webhook/fn is not authorized to perform: \
             iam:PassRole on resource: arn:aws:iam::123456789012:role/agent",
            "TaskDefinition not found.",
            "CannotPullContainerError: docker.io/acme/agent:nope: not found",
            "Too many tags",
        ] {
            assert!(!clears_by_itself(text), "{text}");
        }
    }
}
