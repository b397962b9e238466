//! The CLI's commands: each prints its answer to stdout, problems to stderr,
//! and returns the exit code (0 ok, 1 invalid input, 2 no answer).

use std::path::Path;
use std::process::ExitCode;

use ecs_agents::config::{AgentTemplate, AgentsConfig, TaskSource};
use ecs_agents::labels::{LabelExpr, LabelSet};
use ecs_agents::secret::Secret;
use ecs_agents::webhook::signature::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};

const INVALID: u8 = 1;
const NO_ANSWER: u8 = 2;

/// `check`: validate the file; with the stack's `AgentExecutionSecretArns`,
/// also warn about what its execution role cannot read (still exit 0).
pub fn check(file: &Path, execution_secret_arns: Option<&str>) -> ExitCode {
    let config = match load(file) {
        Ok(config) => config,
        Err(code) => return code,
    };
    if let Some(list) = execution_secret_arns {
        let allowed: Vec<String> = list.split(',').map(str::to_owned).collect();
        for warning in crate::execution_access::warnings(&config, &allowed) {
            eprintln!("warning: {warning}");
        }
    }
    let names: Vec<&str> = config.templates.iter().map(|t| t.name.as_str()).collect();
    println!(
        "{}: valid; cloud `{}`, {} template{}: {}",
        file.display(),
        config.cloud.name,
        names.len(),
        if names.len() == 1 { "" } else { "s" },
        names.join(", ")
    );
    ExitCode::SUCCESS
}

/// `match`: the template a job's label expression would get.
pub fn match_label(expression: &str, file: &Path) -> ExitCode {
    let config = match load(file) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let Some(expr) = LabelExpr::parse_lax(expression) else {
        eprintln!(
            "no template serves an unrestricted job (empty label): such jobs run on the controller's own agents"
        );
        return ExitCode::from(NO_ANSWER);
    };
    match config.select(&expr) {
        Some(template) => {
            println!("{}", template.name);
            println!("  expression: {}", expr.expression());
            println!("  template labels: {}", template.labels.to_label_string());
            let skipped = config
                .templates
                .iter()
                .take_while(|t| t.name != template.name)
                .count();
            if skipped > 0 {
                println!(
                    "  ({skipped} earlier template{} did not match)",
                    if skipped == 1 { "" } else { "s" }
                );
            }
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("no template serves {}", expr.expression());
            ExitCode::from(NO_ANSWER)
        }
    }
}

/// `render`: the task definition a template registers, and its hash.
pub fn render(name: &str, file: &Path) -> ExitCode {
    let config = match load(file) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let Some(template) = config.template(name) else {
        let names: Vec<&str> = config.templates.iter().map(|t| t.name.as_str()).collect();
        eprintln!(
            "no template named `{name}`; templates: {}",
            names.join(", ")
        );
        return ExitCode::from(NO_ANSWER);
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&rendering(template)).unwrap_or_default()
    );
    ExitCode::SUCCESS
}

fn rendering(template: &AgentTemplate) -> serde_json::Value {
    match &template.task {
        TaskSource::Register { definition, hash } => serde_json::json!({
            "template": template.name,
            "hash": hash,
            "taskDefinition": definition,
        }),
        TaskSource::Existing {
            reference,
            container,
        } => serde_json::json!({
            "template": template.name,
            "existingTaskDefinition": reference,
            "agentContainerName": container,
        }),
    }
}

/// `labels`: evaluate or print an expression.
pub fn labels(expression: &str, labels: &[String], lax: bool, canonical: bool) -> ExitCode {
    let expr = if lax {
        match LabelExpr::parse_lax(expression) {
            Some(expr) => expr,
            None => {
                // Jenkins treats a blank label as "no restriction": any node.
                println!("{}", if canonical { "" } else { "true" });
                return ExitCode::SUCCESS;
            }
        }
    } else {
        match LabelExpr::parse(expression) {
            Ok(expr) => expr,
            Err(error) => {
                eprintln!("invalid label expression: {error}");
                return ExitCode::from(INVALID);
            }
        }
    };
    if canonical {
        println!("{}", expr.canonical());
    } else {
        let set = labels
            .iter()
            .fold(LabelSet::from_label_string(""), |set, l| {
                set.with(l.clone())
            });
        println!("{}", expr.matches(&set));
    }
    ExitCode::SUCCESS
}

fn load(file: &Path) -> Result<AgentsConfig, ExitCode> {
    let text = std::fs::read_to_string(file).map_err(|error| {
        eprintln!("cannot read {}: {error}", file.display());
        ExitCode::from(INVALID)
    })?;
    AgentsConfig::from_yaml(&text).map_err(|errors| {
        eprint!("{}: {errors}", file.display());
        ExitCode::from(INVALID)
    })
}

/// `sign`: a Function URL event with a fresh signature.
pub fn sign(file: &Path, secret: &str, at: Option<u64>) -> ExitCode {
    let now = at.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    });
    match signed_event(file, &Secret::new(secret), now) {
        Ok(event) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&event).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Err(problem) => {
            eprintln!("{}: {problem}", file.display());
            ExitCode::from(INVALID)
        }
    }
}

fn signed_event(file: &Path, secret: &Secret, now: u64) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read: {e}"))?;
    let mut event: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    let body = event["body"]
        .as_str()
        .ok_or("no string `body`: not a Function URL event")?;
    let mut webhook_event: serde_json::Value =
        serde_json::from_str(body).map_err(|e| format!("`body` is not JSON: {e}"))?;
    if webhook_event.get("eventTime").is_some() {
        webhook_event["eventTime"] = serde_json::json!(now * 1000);
    }
    let body = webhook_event.to_string();
    let headers = event["headers"]
        .as_object_mut()
        .ok_or("no `headers` object")?;
    headers.insert(TIMESTAMP_HEADER.into(), serde_json::json!(now.to_string()));
    headers.insert(
        SIGNATURE_HEADER.into(),
        serde_json::json!(signature::sign(secret, now, body.as_bytes())),
    );
    event["body"] = serde_json::json!(body);
    Ok(event)
}
