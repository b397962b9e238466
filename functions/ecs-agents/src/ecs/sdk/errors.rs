//! SDK errors in the port's terms: worth retrying ([`EcsError::Throttled`],
//! [`EcsError::Unavailable`]) or not ([`EcsError::Rejected`],
//! [`EcsError::TokenConflict`]).
//!
//! Classification goes by the error *code* ECS sends (`__type` in its JSON
//! body), which is the same for every operation, so one function serves them
//! all. `ThrottlingException` is not in the ECS model at all: it arrives as
//! an unmodelled error and only its code identifies it. The code alone is not
//! enough, though: ECS wraps EC2 throttling and quotas that clear by
//! themselves in `InvalidParameterException` and the like (docs/aws.md §9),
//! so the message is read too.

use aws_sdk_ecs::config::http::HttpResponse;
use aws_sdk_ecs::error::{BuildError, DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::ecs::EcsError;
use crate::ecs::transient::clears_by_itself;

/// Codes AWS uses for rate limiting (docs/aws.md §3: "Rate exceeded").
const THROTTLING: &[&str] = &[
    "ThrottlingException",
    "ThrottledException",
    "Throttling",
    "RequestLimitExceeded",
    "TooManyRequestsException",
];

/// Codes for faults on AWS's side.
const SERVER: &[&str] = &["ServerException", "ServiceUnavailable", "InternalFailure"];

/// Maps a failed call of `operation` to an [`EcsError`].
pub(super) fn classify<E>(operation: &str, error: SdkError<E, HttpResponse>) -> EcsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let detail = format!("{operation}: {}", DisplayErrorContext(&error));
    match &error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            EcsError::Unavailable(detail)
        }
        SdkError::ServiceError(context) => {
            let status = context.raw().status().as_u16();
            let message = error.message().unwrap_or_default();
            by_code(error.code().unwrap_or_default(), message, status, detail)
        }
        // ConstructionFailure: the request could not even be built.
        _ => EcsError::Rejected(detail),
    }
}

/// What the adapter makes of an ECS error answer to `operation`: its code
/// (`__type`), message and HTTP status, by the same rules as [`classify`].
/// For whoever stands in for ECS's wire, such as the simulator
/// (`tests/simulator`), so its throttling goes through this classification.
pub fn service_error(operation: &str, code: &str, message: &str, status: u16) -> EcsError {
    by_code(
        code,
        message,
        status,
        format!("{operation}: {code}: {message}"),
    )
}

fn by_code(code: &str, message: &str, status: u16, detail: String) -> EcsError {
    if THROTTLING.contains(&code) || status == 429 {
        EcsError::Throttled(detail)
    } else if code == "ConflictException" {
        // RunTask: the client token was used before with other parameters.
        EcsError::TokenConflict(detail)
    } else if SERVER.contains(&code) || status >= 500 {
        EcsError::Unavailable(detail)
    } else if clears_by_itself(message) {
        passing(message, detail)
    } else {
        // ClientException, InvalidParameterException, AccessDeniedException,
        // Platform*Exception, ClusterNotFoundException, Unsupported…: the
        // same request will fail the same way.
        EcsError::Rejected(detail)
    }
}

/// A refusal whose words say it will pass (docs/aws.md §9): a limit
/// "exceeded" is throttling (EC2's, wrapped by ECS, or ECS's own); a quota
/// other tasks free or a slow network interface is capacity.
fn passing(message: &str, detail: String) -> EcsError {
    if message.to_lowercase().contains("exceeded") {
        EcsError::Throttled(detail)
    } else {
        EcsError::Unavailable(detail)
    }
}

/// Whether ECS said a task definition (family, revision or ARN) does not
/// exist: it answers `ClientException: Unable to describe task definition.`
pub(super) fn is_unknown_task_definition<E: ProvideErrorMetadata>(
    error: &SdkError<E, HttpResponse>,
) -> bool {
    error.code() == Some("ClientException")
        && error.message().is_some_and(|m| {
            m.to_ascii_lowercase()
                .contains("unable to describe task definition")
        })
}

/// An SDK type builder missing a required field: our mapping is incomplete.
pub(super) fn incomplete(error: BuildError) -> EcsError {
    EcsError::Rejected(format!("incomplete ecs request: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_codes_and_429_are_throttled() {
        for code in THROTTLING {
            assert!(matches!(
                by_code(code, "", 400, String::new()),
                EcsError::Throttled(_)
            ));
        }
        assert!(matches!(
            by_code("", "", 429, String::new()),
            EcsError::Throttled(_)
        ));
    }

    #[test]
    fn server_faults_are_unavailable_and_client_faults_rejected() {
        assert!(matches!(
            by_code("ServerException", "", 500, String::new()),
            EcsError::Unavailable(_)
        ));
        assert!(matches!(
            by_code("Weird", "", 503, String::new()),
            EcsError::Unavailable(_)
        ));
        for code in [
            "ClientException",
            "InvalidParameterException",
            "AccessDeniedException",
            "PlatformUnknownException",
            "PlatformTaskDefinitionIncompatibilityException",
            "ClusterNotFoundException",
            "UnsupportedFeatureException",
        ] {
            assert!(
                matches!(by_code(code, "", 400, String::new()), EcsError::Rejected(_)),
                "{code}"
            );
        }
    }

    #[test]
    fn refusals_whose_words_say_they_pass_are_transient_whatever_their_code() {
        let ec2_throttling = "Error retrieving security group information for \
            [sg-05937427457b61ff5]: Request limit exceeded. (ErrorCode: RequestLimitExceeded)";
        let vcpus = "You've reached the limit on the number of vCPUs you can run concurrently";
        let eni = "Timeout waiting for network interface provisioning to complete.";
        for (code, message, expected) in [
            ("InvalidParameterException", ec2_throttling, "Throttled"),
            ("InvalidParameterException", "Rate exceeded", "Throttled"),
            ("ClientException", "Rate exceeded", "Throttled"),
            ("InvalidParameterException", vcpus, "Unavailable"),
            ("ClientException", vcpus, "Unavailable"),
            ("InvalidParameterException", eni, "Unavailable"),
        ] {
            let error = by_code(code, message, 400, format!("RunTask: {code}: {message}"));
            assert!(error.is_retryable(), "{code}: {message}: {error:?}");
            assert!(format!("{error:?}").starts_with(expected), "{error:?}");
            assert!(
                error.to_string().contains(message),
                "the cause is kept: {error}"
            );
        }
        for text in crate::ecs::transient::REAL_TEXTS {
            let error = by_code("InvalidParameterException", text, 400, text.into());
            assert!(error.is_retryable(), "{text}");
        }
    }

    #[test]
    fn refusals_of_a_misconfiguration_stay_rejected() {
        for (code, message) in [
            (
                "InvalidParameterException",
                "Security group sg-0a and subnet subnet-0b belong to different networks.",
            ),
            (
                "AccessDeniedException",
                "User: arn:aws:sts::123456789012:assumed-role/webhook/fn is not authorized to \
                 perform: iam:PassRole on resource: arn:aws:iam::123456789012:role/agent",
            ),
            ("ClientException", "TaskDefinition is inactive"),
        ] {
            let error = by_code(code, message, 400, message.into());
            assert!(matches!(error, EcsError::Rejected(_)), "{code}: {error:?}");
        }
    }
}
