//! `/computer/api/json` (`hudson.model.ComputerSet`) and `/computer/NAME/api/json`.

use serde_json::{Map, Value, json};

use super::Detail;
use crate::state::State;
use crate::state::computer::{Computer, ComputerKind, Executor, OfflineCause};
use crate::state::now_ms;
use crate::state::queue::Executable;

/// The `ComputerSet`: every computer plus executor counts of the online ones.
pub fn computer_set(state: &State, detail: Detail) -> Value {
    let online: Vec<&Computer> = state.computers().filter(|c| !c.is_offline()).collect();
    let busy: usize = online.iter().map(|c| c.count_busy()).sum();
    let total: usize = online.iter().map(|c| c.executors.len()).sum();
    let computers: Vec<Value> = state
        .computers()
        .map(|c| computer(state, c, detail))
        .collect();
    json!({
        "_class": "hudson.model.ComputerSet",
        "busyExecutors": busy,
        "computer": computers,
        "displayName": "Nodes",
        "totalExecutors": total,
    })
}

/// One computer, as `Computer`/`SlaveComputer`/`MasterComputer` export it.
pub fn computer(state: &State, c: &Computer, detail: Detail) -> Value {
    let mut out = common_fields(c);
    let executors = c
        .executors
        .iter()
        .map(|e| executor(state, e, detail))
        .collect();
    out.insert("executors".into(), Value::Array(executors));
    out.insert("monitorData".into(), monitor_data(c));
    let cause = c.effective_offline_cause();
    out.insert(
        "offlineCause".into(),
        cause.map_or(Value::Null, offline_cause),
    );
    out.insert(
        "offlineCauseReason".into(),
        json!(cause.map(|c| c.reason()).unwrap_or_default()),
    );
    if c.kind == ComputerKind::Agent {
        // Known only through an open channel.
        let path = (c.connected && !c.removed).then(|| c.config.remote_fs.clone());
        out.insert("absoluteRemotePath".into(), json!(path));
    }
    Value::Object(out)
}

fn common_fields(c: &Computer) -> Map<String, Value> {
    let agent = c.kind == ComputerKind::Agent;
    let labels: Vec<Value> = if c.removed {
        Vec::new()
    } else {
        c.labels()
            .iter()
            .map(|name| json!({ "name": name }))
            .collect()
    };
    let icon = icon(c);
    // `Computer.getDescription()`: the node's description, "" once the node
    // is gone. Jenkins exports no `idleStartMilliseconds`: neither
    // `Computer.getIdleStartMilliseconds()` nor `Executor`'s is `@Exported`.
    let description = match c.kind {
        _ if c.removed => json!(""),
        ComputerKind::BuiltIn => json!("the Jenkins controller's built-in node"),
        ComputerKind::Agent => json!(c.config.description),
    };
    let fields = json!({
        "_class": if agent { "hudson.slaves.SlaveComputer" } else { "hudson.model.Hudson$MasterComputer" },
        "actions": [],
        "assignedLabels": labels,
        "description": description,
        "displayName": c.display_name(),
        "icon": icon,
        "iconClassName": icon,
        "idle": c.count_busy() == 0,
        "jnlpAgent": agent,
        "launchSupported": !agent,
        "loadStatistics": { "_class": "hudson.model.Label$1" },
        "manualLaunchAllowed": true,
        "numExecutors": if c.removed { 0 } else { c.config.num_executors },
        "offline": c.is_offline(),
        "oneOffExecutors": [],
        "temporarilyOffline": c.temporary_offline.is_some(),
    });
    match fields {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// `IComputer.getIcon()` (an approximation of its symbol choice).
fn icon(c: &Computer) -> &'static str {
    if !c.accepting_tasks {
        "symbol-computer-not-accepting"
    } else if c.temporary_offline.is_some() {
        "symbol-computer-disconnected"
    } else if c.is_offline() {
        "symbol-computer-offline"
    } else {
        "symbol-computer"
    }
}

fn executor(state: &State, e: &Executor, detail: Detail) -> Value {
    if detail == Detail::Default {
        return json!({});
    }
    json!({
        "currentExecutable": e.current.as_ref().map(|x| executable(state, x)),
        "idle": e.current.is_none(),
        "likelyStuck": false,
        "number": e.number,
        // Executor.getProgress(): -1 when idle or when the build has no estimate.
        "progress": -1,
    })
}

/// A build or Pipeline `node` block as exported in executors and left items.
pub fn executable(state: &State, x: &Executable) -> Value {
    let url = format!("{}{}", state.settings.root_url, x.relative_url());
    json!({ "_class": x.class(), "number": x.number, "url": url })
}

/// An `OfflineCause`: its class, timestamp and (for simple causes) description.
pub fn offline_cause(cause: &OfflineCause) -> Value {
    let mut out = json!({ "_class": cause.class(), "timestamp": cause.timestamp() });
    if !matches!(cause, OfflineCause::ChannelTermination { .. }) {
        out["description"] = json!(cause.description());
    }
    out
}

/// `monitorData`: `null` per monitor without a channel, plausible values with one.
fn monitor_data(c: &Computer) -> Value {
    const MONITORS: [&str; 6] = [
        "ArchitectureMonitor",
        "ClockMonitor",
        "DiskSpaceMonitor",
        "ResponseTimeMonitor",
        "SwapSpaceMonitor",
        "TemporarySpaceMonitor",
    ];
    let online = c.connected && !c.removed;
    let map = MONITORS
        .iter()
        .map(|m| {
            let data = if online {
                monitor_value(m, c)
            } else {
                Value::Null
            };
            (format!("hudson.node_monitors.{m}"), data)
        })
        .collect();
    Value::Object(map)
}

fn monitor_value(monitor: &str, c: &Computer) -> Value {
    let now = now_ms();
    let disk = "hudson.node_monitors.DiskSpaceMonitorDescriptor$DiskSpace";
    let root = if c.config.remote_fs.is_empty() {
        "/"
    } else {
        c.config.remote_fs.as_str()
    };
    match monitor {
        "ArchitectureMonitor" => json!("Linux (amd64)"),
        "ClockMonitor" => json!({ "_class": "hudson.util.ClockDifference", "diff": 0 }),
        "DiskSpaceMonitor" => {
            json!({ "_class": disk, "timestamp": now, "path": root, "size": 10_737_418_240_u64 })
        }
        "TemporarySpaceMonitor" => {
            json!({ "_class": disk, "timestamp": now, "path": "/tmp", "size": 10_737_418_240_u64 })
        }
        "ResponseTimeMonitor" => {
            json!({ "_class": "hudson.node_monitors.ResponseTimeMonitor$Data", "timestamp": now, "average": 1 })
        }
        _ => json!({
            "_class": "hudson.node_monitors.SwapSpaceMonitor$MemoryUsage2",
            "availablePhysicalMemory": 2_147_483_648_u64,
            "availableSwapSpace": 0,
            "totalPhysicalMemory": 4_294_967_296_u64,
            "totalSwapSpace": 0,
        }),
    }
}
