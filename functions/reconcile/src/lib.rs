//! One scheduled tick → one reconcile run. The schedule's payload carries
//! nothing we need; the run's summary is the function's result, and a run
//! that could not read Jenkins or ECS fails (and did nothing).

use std::time::Duration;

use ecs_agents::ecs::AgentTasks;
use ecs_agents::events::EventPublisher;
use ecs_agents::jenkins::JenkinsNodes;
use ecs_agents::launch::now_ms;
use ecs_agents::reconcile::{ReconcileOptions, Reconciler};
use lambda_runtime::Diagnostic;
use serde_json::Value;

/// Runs one reconcile pass.
pub async fn handle<J, E, P>(reconciler: &Reconciler<J, E, P>) -> Result<Value, Diagnostic>
where
    J: JenkinsNodes,
    E: AgentTasks,
    P: EventPublisher,
{
    match reconciler.run(now_ms()).await {
        Ok(summary) => Ok(serde_json::to_value(&summary).unwrap_or_default()),
        Err(error) => {
            tracing::error!(%error, "reconcile run failed");
            Err(Diagnostic {
                error_type: "Unavailable".into(),
                error_message: error.to_string(),
            })
        }
    }
}

/// `RECONCILE_DRY_RUN` (true/false) and `RECONCILE_BUDGET_SECONDS`.
pub fn options_from_env() -> Result<ReconcileOptions, String> {
    options_from_lookup(|name| std::env::var(name).ok())
}

/// [`options_from_env`] through `lookup`.
pub fn options_from_lookup(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<ReconcileOptions, String> {
    let mut options = ReconcileOptions::default();
    if let Some(text) = lookup("RECONCILE_DRY_RUN") {
        options.dry_run = text
            .parse()
            .map_err(|_| format!("RECONCILE_DRY_RUN: `{text}` is not true or false"))?;
    }
    if let Some(text) = lookup("RECONCILE_BUDGET_SECONDS") {
        let seconds: u64 = text.parse().map_err(|_| {
            format!("RECONCILE_BUDGET_SECONDS: `{text}` is not a number of seconds")
        })?;
        options.budget = Duration::from_secs(seconds);
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_default_to_acting_within_forty_seconds() {
        let options = options_from_lookup(|_| None).unwrap();
        assert_eq!(
            (options.dry_run, options.budget),
            (false, Duration::from_secs(40))
        );
    }

    #[test]
    fn bad_options_name_the_variable() {
        let error =
            options_from_lookup(|name| (name == "RECONCILE_DRY_RUN").then(|| "maybe".to_owned()))
                .unwrap_err();
        assert_eq!(error, "RECONCILE_DRY_RUN: `maybe` is not true or false");
        let dry =
            options_from_lookup(|name| (name == "RECONCILE_DRY_RUN").then(|| "true".to_owned()))
                .unwrap();
        assert!(dry.dry_run);
    }
}
