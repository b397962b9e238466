//! Binding `doCreateItem`'s `json` form field to a `DumbSlave` the way Stapler's
//! `req.bindJSON` does (docs/jenkins-api.md §1): `$class` (or the deprecated `stapler-class`)
//! selects polymorphic objects, numbers may come as strings, missing fields take
//! Jenkins' defaults. Only `hudson.slaves.JNLPLauncher` can be bound.

use serde_json::Value;

use crate::names::java_trim;
use crate::state::computer::{JnlpLauncher, Mode, NodeConfig, WorkDirSettings};

const JNLP_LAUNCHER: &str = "hudson.slaves.JNLPLauncher";

/// Binds the submitted form object to a node named `name`; errors are the binding
/// failures Jenkins reports as a 500.
pub fn bind_node(name: &str, form: &Value) -> Result<NodeConfig, String> {
    let mut node = NodeConfig::new(name);
    node.remote_fs = java_trim(&string(form, "remoteFS")?.unwrap_or_default()).to_owned();
    node.description = string(form, "nodeDescription")?.unwrap_or_default();
    node.label_string = java_trim(&string(form, "labelString")?.unwrap_or_default()).to_owned();
    if let Some(n) = integer(form, "numExecutors")? {
        node.num_executors = u32::try_from(n).map_err(|_| format!("bad numExecutors {n}"))?;
    }
    if let Some(mode) = string(form, "mode")? {
        node.mode = Mode::parse(&mode)
            .ok_or_else(|| format!("No enum constant hudson.model.Node.Mode.{mode}"))?;
    }
    if let Some(launcher) = form.get("launcher").filter(|v| !v.is_null()) {
        node.launcher = bind_launcher(launcher)?;
    }
    if let Some(strategy) = form.get("retentionStrategy").and_then(class_of) {
        node.retention_strategy = strategy.to_owned();
    }
    Ok(node)
}

/// The class a polymorphic object asks for: `$class` wins over `stapler-class`.
fn class_of(object: &Value) -> Option<&str> {
    object
        .get("$class")
        .or_else(|| object.get("stapler-class"))
        .and_then(Value::as_str)
}

fn bind_launcher(object: &Value) -> Result<JnlpLauncher, String> {
    match class_of(object) {
        Some(JNLP_LAUNCHER) | None => {}
        Some(other) => return Err(format!("Failed to instantiate class {other}")),
    }
    let mut launcher = JnlpLauncher {
        web_socket: boolean(object, "webSocket")?.unwrap_or(false),
        tunnel: fix_empty_and_trim(string(object, "tunnel")?),
        work_dir_settings: WorkDirSettings::default(),
    };
    if let Some(settings) = object.get("workDirSettings").filter(|v| !v.is_null()) {
        let defaults = WorkDirSettings::default();
        launcher.work_dir_settings = WorkDirSettings {
            disabled: boolean(settings, "disabled")?.unwrap_or(false),
            work_dir_path: fix_empty_and_trim(string(settings, "workDirPath")?),
            internal_dir: fix_empty_and_trim(string(settings, "internalDir")?)
                .unwrap_or(defaults.internal_dir),
            fail_if_work_dir_is_missing: boolean(settings, "failIfWorkDirIsMissing")?
                .unwrap_or(false),
        };
    }
    Ok(launcher)
}

/// `Util.fixEmptyAndTrim`.
fn fix_empty_and_trim(text: Option<String>) -> Option<String> {
    text.map(|t| java_trim(&t).to_owned())
        .filter(|t| !t.is_empty())
}

fn string(object: &Value, key: &str) -> Result<Option<String>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::Bool(b)) => Ok(Some(b.to_string())),
        Some(other) => Err(format!("{key}: cannot bind {other} to a string")),
    }
}

fn integer(object: &Value, key: &str) -> Result<Option<i64>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| format!("{key}: {n}")),
        Some(Value::String(s)) => java_trim(s)
            .parse()
            .map(Some)
            .map_err(|_| format!("java.lang.NumberFormatException: For input string: \"{s}\"")),
        Some(other) => Err(format!("{key}: cannot bind {other} to an int")),
    }
}

fn boolean(object: &Value, key: &str) -> Result<Option<bool>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        // Stapler converts strings the way Boolean.valueOf does, plus the checkbox "on".
        Some(Value::String(s)) => Ok(Some(s.eq_ignore_ascii_case("true") || s == "on")),
        Some(other) => Err(format!("{key}: cannot bind {other} to a boolean")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::bind_node;
    use crate::state::computer::Mode;

    #[test]
    fn the_documented_form_binds_every_field() {
        let form = json!({"nodeDescription": "d", "numExecutors": "2", "remoteFS": " /a ",
            "labelString": "ecs linux", "mode": "EXCLUSIVE",
            "launcher": {"stapler-class": "x", "$class": "hudson.slaves.JNLPLauncher",
                "webSocket": true, "workDirSettings": {"disabled": false, "workDirPath": "",
                "internalDir": "remoting", "failIfWorkDirIsMissing": false}}});
        let node = bind_node("n", &form).unwrap();
        assert_eq!(node.num_executors, 2);
        assert_eq!(node.remote_fs, "/a");
        assert_eq!(node.mode, Mode::Exclusive);
        assert!(node.launcher.web_socket);
        assert_eq!(node.launcher.work_dir_settings.work_dir_path, None);
    }

    #[test]
    fn an_empty_form_takes_jenkins_defaults() {
        let node = bind_node("n", &json!({})).unwrap();
        assert_eq!((node.num_executors, node.mode), (1, Mode::Normal));
        assert!(!node.launcher.web_socket);
    }

    #[test]
    fn a_non_numeric_executor_count_fails_to_bind() {
        assert!(bind_node("n", &json!({"numExecutors": "many"})).is_err());
    }
}
