//! One scheduled tick → one reconcile run. The schedule's payload carries
//! nothing we need; the run's summary is the function's result, and a run
//! that could not read Jenkins or ECS fails (and did nothing). Its settings
//! (`RECONCILE_*`) are read with the others by `ecs_agents::bootstrap`.

use ecs_agents::clock::now_ms;
use ecs_agents::ports::Ports;
use ecs_agents::reconcile::{ReconcileError, Reconciler};
use lambda_runtime::Diagnostic;
use serde_json::Value;

/// Runs one reconcile pass.
pub async fn handle<P: Ports>(reconciler: &Reconciler<P>) -> Result<Value, Diagnostic> {
    handle_at(reconciler, now_ms()).await
}

/// [`handle`] as if run at `now_ms` (epoch ms): tests move time on without waiting.
pub async fn handle_at<P: Ports>(
    reconciler: &Reconciler<P>,
    now_ms: u64,
) -> Result<Value, Diagnostic> {
    match reconciler.run(now_ms).await {
        Ok(summary) => Ok(serde_json::to_value(&summary).unwrap_or_default()),
        Err(error) => Err(failed(error)),
    }
}

/// The run's failure as the function's error. The schedule invokes again
/// within a minute either way; the type tells an outage from a refusal, in
/// the words task-stopped uses.
fn failed(error: ReconcileError) -> Diagnostic {
    tracing::error!(%error, "reconcile run failed");
    let error_type = match error.is_retryable() {
        true => "Retryable",
        false => "NonRetryable",
    };
    Diagnostic {
        error_type: error_type.into(),
        error_message: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use ecs_agents::jenkins::JenkinsError;
    use ecs_agents::launch::Launcher;
    use ecs_agents::reconcile::ReconcileOptions;

    use super::*;

    const CONFIG: &str = "
cloud: {name: ecs, cluster: agents, jenkinsUrl: 'https://jenkins.example.com/'}
templates:
  - {name: linux, labels: linux, cpu: 512, memory: 1024, subnets: [s-1]}
";

    #[tokio::test]
    async fn a_run_answers_with_its_summary() {
        let reconciler = Reconciler::new(Launcher::with_fakes(CONFIG), ReconcileOptions::default());
        let summary = handle(&reconciler).await.unwrap();
        assert_eq!(summary["placeholderCreated"], true, "{summary}");
    }

    #[test]
    fn jenkins_down_is_retryable_and_refused_access_is_not() {
        let down = failed(JenkinsError::Unavailable("connection refused".into()).into());
        assert_eq!(down.error_type, "Retryable");
        assert!(down.error_message.contains("connection refused"));
        let refused = failed(
            JenkinsError::Rejected {
                status: 403,
                reason: "missing Overall/Read".into(),
            }
            .into(),
        );
        assert_eq!(refused.error_type, "NonRetryable");
    }
}
