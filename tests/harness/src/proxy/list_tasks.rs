//! ListTasks as ECS documents it, where moto is lenient: "When you specify
//! startedBy as the filter, it must be the only filter that you use"
//! (docs/aws.md §8). moto answers such a call; the proxy refuses it, so code
//! that combines `startedBy` with `desiredStatus` (or any other filter)
//! fails every test instead of working until it meets real ECS.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The `X-Amz-Target` of ListTasks.
pub(super) const LIST_TASKS: &str = "AmazonEC2ContainerServiceV20141113.ListTasks";

/// ListTasks' filters other than `startedBy`; `cluster` and the paging
/// fields only say where and how much to list.
const OTHER_FILTERS: [&str; 5] = [
    "desiredStatus",
    "family",
    "serviceName",
    "containerInstance",
    "launchType",
];

/// ECS's text for the rule, as its API reference words it. What ECS itself
/// answers has not been captured (docs/aws.md §8), so the proxy quotes the
/// reference under the code ECS uses for a request it refuses.
pub const STARTED_BY_ALONE: &str =
    "When you specify startedBy as the filter, it must be the only filter that you use.";

/// The refusal of a ListTasks `request` that combines `startedBy` with
/// another filter, if it does.
pub(super) fn refusal(request: &Value) -> Option<Response> {
    request.get("startedBy")?;
    let others: Vec<&str> = OTHER_FILTERS
        .into_iter()
        .filter(|name| request.get(*name).is_some_and(|v| !v.is_null()))
        .collect();
    if others.is_empty() {
        return None;
    }
    let body = json!({
        "__type": "InvalidParameterException",
        "message": format!("{STARTED_BY_ALONE} (also given: {})", others.join(", ")),
    });
    let content_type = [(header::CONTENT_TYPE, "application/x-amz-json-1.1")];
    Some((StatusCode::BAD_REQUEST, content_type, body.to_string()).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn started_by_alone_or_other_filters_alone_pass() {
        for request in [
            json!({"cluster": "agents", "startedBy": "ecs-agents-bb", "maxResults": 100, "nextToken": "x"}),
            json!({"cluster": "agents", "desiredStatus": "STOPPED", "family": "bb-linux"}),
            json!({}),
        ] {
            assert!(refusal(&request).is_none(), "{request}");
        }
    }

    #[test]
    fn started_by_with_any_other_filter_is_refused() {
        for other in OTHER_FILTERS {
            let request = json!({"cluster": "agents", "startedBy": "ecs-agents-bb", other: "x"});
            let response = refusal(&request).expect("refused");
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{other}");
        }
    }
}
