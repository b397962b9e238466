//! Every AWS operation the code can call has a statement in the stack that allows it, for every
//! function, checked on the stack as deployed with every optional feature on. The operations
//! are found in the adapters' source (SDK fluent calls on a `client`), so a new call without
//! its IAM statement fails here, not on its first real invocation. What each operation needs
//! is the table below (docs/aws.md §14): adding an operation is one line.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::eval::Stack;
use super::{resources, template};

/// What an operation needs from IAM: an action, and for tagging on create the
/// `ecs:CreateAction` the statement's condition must name (docs/aws.md §14).
pub(super) struct Need {
    action: &'static str,
    create_action: Option<&'static str>,
}

pub(super) const fn allow(action: &'static str) -> Need {
    Need {
        action,
        create_action: None,
    }
}

const fn tag_on(create_action: &'static str) -> Need {
    Need {
        action: "ecs:TagResource",
        create_action: Some(create_action),
    }
}

/// SDK operation (its fluent method) → what the functions' roles need for it.
const OPERATIONS: &[(&str, &[Need])] = &[
    // Launching: tags and roles go with the task and the task definition.
    (
        "run_task",
        &[
            allow("ecs:RunTask"),
            tag_on("RunTask"),
            allow("iam:PassRole"),
        ],
    ),
    (
        "register_task_definition",
        &[
            allow("ecs:RegisterTaskDefinition"),
            tag_on("RegisterTaskDefinition"),
            allow("iam:PassRole"),
        ],
    ),
    (
        "describe_task_definition",
        &[allow("ecs:DescribeTaskDefinition")],
    ),
    (
        "list_task_definition_families",
        &[allow("ecs:ListTaskDefinitionFamilies")],
    ),
    ("list_task_definitions", &[allow("ecs:ListTaskDefinitions")]),
    (
        "deregister_task_definition",
        &[allow("ecs:DeregisterTaskDefinition")],
    ),
    ("describe_tasks", &[allow("ecs:DescribeTasks")]),
    ("list_tasks", &[allow("ecs:ListTasks")]),
    ("stop_task", &[allow("ecs:StopTask")]),
    ("put_events", &[allow("events:PutEvents")]),
    // Cold start: the Jenkins token and the CA bundle.
    (
        "get_secret_value",
        &[allow("secretsmanager:GetSecretValue")],
    ),
    ("get_parameter", &[allow("ssm:GetParameter")]),
    // The published agents file the functions follow (read only).
    ("get_object", &[allow("s3:GetObject")]),
    // The agents' environment files (the secret's way into the container).
    ("put_object", &[allow("s3:PutObject")]),
    ("delete_object", &[allow("s3:DeleteObject")]),
    ("list_objects_v2", &[allow("s3:ListBucket")]),
    // The work queue: the webhook records, the launch worker puts work back for later.
    ("send_message", &[allow("sqs:SendMessage")]),
    (
        "change_message_visibility",
        &[allow("sqs:ChangeMessageVisibility")],
    ),
];

/// Which of the operations the code calls each function calls.
enum Calls {
    /// These only.
    Only(&'static [&'static str]),
    /// All of them but these.
    AllBut(&'static [&'static str]),
}

impl Calls {
    fn includes(&self, operation: &str) -> bool {
        match self {
            Calls::Only(these) => these.contains(&operation),
            Calls::AllBut(these) => !these.contains(&operation),
        }
    }
}

/// Per function: the webhook reads its secret and the agents file, reports a refused agents
/// file and records work, nothing else (it calls neither Jenkins nor ECS); the three functions
/// that launch call the rest; only the launch worker puts work back on the queue.
const CALLS: &[(&str, Calls)] = &[
    (
        "QueueWebhook",
        Calls::Only(&[
            "get_secret_value",
            "get_object",
            "put_events",
            "send_message",
        ]),
    ),
    ("LaunchWorker", Calls::AllBut(&["send_message"])),
    (
        "TaskStopped",
        Calls::AllBut(&["send_message", "change_message_visibility"]),
    ),
    (
        "Reconcile",
        Calls::AllBut(&["send_message", "change_message_visibility"]),
    ),
];

fn calls_of(function: &str) -> &'static Calls {
    CALLS
        .iter()
        .find(|(id, _)| *id == function)
        .map(|(_, calls)| calls)
        .unwrap_or_else(|| panic!("{function} has no row in CALLS"))
}

/// Every optional feature on, so that every conditional statement is there to be found.
pub(super) const EVERYTHING_ON: &[(&str, &str)] = &[
    ("CreateAgentInfrastructure", "true"),
    (
        "AgentTaskRoleArns",
        "arn:aws:iam::123456789012:role/agent-task",
    ),
    (
        "AgentExecutionRoleArns",
        "arn:aws:iam::123456789012:role/agent-execution",
    ),
    (
        "ExtraTaskDefinitionArns",
        "arn:aws:ecs:us-east-1:123456789012:task-definition/other:*",
    ),
    (
        "JenkinsCaBundleArn",
        "arn:aws:ssm:us-east-1:123456789012:parameter/corp/ca",
    ),
    (
        "AgentExecutionSecretArns",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:ci/*",
    ),
];

/// The SDK operations the library calls: `client.<operation>()` in its non-test source. The
/// adapters hold every SDK client in a binding or field named `client` (or `…_client`).
fn operations_in_source() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../functions/ecs-agents/src");
    let mut found = vec![];
    for file in rust_files(&root) {
        let text = std::fs::read_to_string(&file).unwrap();
        let code: String = text
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<String>()
            .split_whitespace()
            .collect();
        let code = without_inline_tests(&code);
        let before_scan = found.len();
        let mut rest = code;
        while let Some(at) = rest.find("client.") {
            let after = &rest[at + "client.".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            let before = rest[..at].chars().last();
            let is_client = before.is_none_or(|c| !c.is_ascii_alphanumeric() || c == '_');
            if is_client && !name.is_empty() && after[name.len()..].starts_with("()") {
                found.push(name);
            }
            rest = after;
        }
        // A request sent from a file where no `client.<operation>()` was found: the scan would
        // miss its operation.
        let uses_the_sdk = code.contains("aws_sdk_") || code.contains("aws_config");
        assert!(
            found.len() > before_scan || !(uses_the_sdk && code.contains(".send()")),
            "{}: sends an SDK request but calls no `client.<operation>()`; name its SDK client \
             `client` (or `…_client`) so this test finds the operation",
            file.display()
        );
    }
    found.sort();
    found.dedup();
    found
}

/// `code` (without whitespace) up to its inline test module, if any: `#[cfg(test)] mod x {`.
/// A `#[cfg(test)] mod x;` declaration only names a file, which `rust_files` leaves out.
fn without_inline_tests(code: &str) -> &str {
    let marker = "#[cfg(test)]mod";
    let mut from = 0;
    while let Some(at) = code[from..].find(marker).map(|i| i + from) {
        let after = &code[at + marker.len()..];
        let name_end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if after[name_end..].starts_with('{') {
            return &code[..at];
        }
        from = at + marker.len();
    }
    code
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = vec![];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() && name != "tests" {
            files.extend(rust_files(&path));
        } else if name.ends_with(".rs") && name != "tests.rs" && name != "fake.rs" {
            files.push(path);
        }
    }
    files
}

/// The statements of a deployed policy document, or of a `"<Id>"` policy resource.
pub(super) fn document_statements(stack: &Stack, policy: &Value) -> Vec<Value> {
    let document = match policy.as_str() {
        Some(reference) if reference.starts_with('<') => {
            let id = reference.trim_matches(['<', '>']);
            match stack.properties(id) {
                Some(properties) => properties["PolicyDocument"].clone(),
                None => return vec![],
            }
        }
        Some(_managed_arn) => return vec![], // an AWS managed policy: not ours to read
        None => policy.clone(),
    };
    match &document["Statement"] {
        Value::Array(statements) => statements.clone(),
        Value::Null => vec![],
        single => vec![single.clone()],
    }
}

/// Every statement the function `id` gets: inline ones and the policies it references.
fn function_statements(stack: &Stack, id: &str) -> Vec<Value> {
    let properties = stack.properties(id).expect("functions are unconditional");
    let policies = properties["Policies"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    policies
        .iter()
        .flat_map(|p| document_statements(stack, p))
        .collect()
}

/// IAM's wildcard match: `*` any run of characters, `?` one; actions ignore case.
fn matches(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b) && go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    go(&p, &t)
}

pub(super) fn texts(value: &Value) -> Vec<&str> {
    match value {
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        other => other.as_str().into_iter().collect(),
    }
}

/// Whether some statement allows what `need` asks for.
pub(super) fn allowed(statements: &[Value], need: &Need) -> bool {
    statements.iter().any(|s| {
        s["Effect"] == "Allow"
            && texts(&s["Action"]).iter().any(|a| matches(a, need.action))
            && need.create_action.is_none_or(|create| {
                texts(&s["Condition"]["StringEquals"]["ecs:CreateAction"]).contains(&create)
            })
    })
}

fn describe(need: &Need) -> String {
    match need.create_action {
        Some(create) => format!("{} (ecs:CreateAction {create})", need.action),
        None => need.action.to_owned(),
    }
}

#[test]
fn every_operation_the_code_calls_is_allowed_to_every_function_that_calls_it() {
    // Arrange
    let t = template();
    let stack = Stack::new(&t, EVERYTHING_ON);
    let functions: Vec<&String> = resources(&t)
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
        .map(|(id, _)| id)
        .collect();
    let operations = operations_in_source();
    // Act
    let mut violations = vec![];
    for operation in &operations {
        let Some((_, needs)) = OPERATIONS.iter().find(|(name, _)| name == operation) else {
            violations.push(format!(
                "{operation}: no row in OPERATIONS says what it needs"
            ));
            continue;
        };
        for id in functions
            .iter()
            .filter(|id| calls_of(id).includes(operation))
        {
            let statements = function_statements(&stack, id);
            for need in needs.iter().filter(|need| !allowed(&statements, need)) {
                violations.push(format!("{id}: {operation} needs {}", describe(need)));
            }
        }
    }
    // Assert
    assert!(
        operations.len() >= 10,
        "the scan found too few operations: {operations:?}"
    );
    assert!(violations.is_empty(), "{violations:#?}");
}

#[test]
fn every_row_of_the_operations_table_is_an_operation_the_code_calls() {
    // A stale row would keep a permission alive that nothing uses.
    let operations = operations_in_source();
    let stale: Vec<&str> = OPERATIONS
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| !operations.iter().any(|o| o == name))
        .collect();
    assert!(stale.is_empty(), "{stale:?} (found: {operations:?})");
}

#[test]
fn the_webhook_can_record_work_but_not_launch() {
    let t = template();
    let stack = Stack::new(&t, EVERYTHING_ON);
    let webhook = function_statements(&stack, "QueueWebhook");
    assert!(allowed(&webhook, &allow("sqs:SendMessage")));
    for action in [
        "ecs:RunTask",
        "ecs:StopTask",
        "iam:PassRole",
        "s3:PutObject",
        "sqs:ChangeMessageVisibility",
    ] {
        assert!(
            !allowed(&webhook, &allow(action)),
            "the webhook may {action}"
        );
    }
    // Of the secrets, its own only: never the Jenkins token.
    let secrets: Vec<&Value> = webhook
        .iter()
        .filter(|s| texts(&s["Action"]).contains(&"secretsmanager:GetSecretValue"))
        .collect();
    assert_eq!(secrets.len(), 1, "{secrets:#?}");
    assert!(
        !secrets[0]["Resource"]
            .to_string()
            .contains("JenkinsApiToken"),
        "{secrets:#?}"
    );
}

#[test]
fn only_the_webhook_sends_work_and_only_the_launch_worker_puts_it_back() {
    let t = template();
    let stack = Stack::new(&t, EVERYTHING_ON);
    for (id, _) in CALLS {
        let statements = function_statements(&stack, id);
        assert_eq!(
            allowed(&statements, &allow("sqs:SendMessage")),
            *id == "QueueWebhook",
            "{id}"
        );
        assert_eq!(
            allowed(&statements, &allow("sqs:ChangeMessageVisibility")),
            *id == "LaunchWorker",
            "{id}"
        );
    }
}
