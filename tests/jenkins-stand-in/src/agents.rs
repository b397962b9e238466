//! What an inbound agent process does to the controller: connect with its secret,
//! disconnect, and the `SlaveComputer.setAcceptingTasks` switch (test controls).

use crate::dispatch::maintain;
use crate::jnlp;
use crate::ops::ControlError;
use crate::state::computer::{Computer, OfflineCause};
use crate::state::computer_listener::ComputerEvent;
use crate::state::{State, now_ms};

fn agent<'a>(state: &'a mut State, name: &str) -> Result<&'a mut Computer, ControlError> {
    state
        .agents
        .get_mut(name)
        .filter(|c| !c.removed)
        .ok_or_else(|| ControlError::NotFound(format!("no such agent: {name}")))
}

/// Opens the agent's channel, as `agent.jar` does after reading the `.jnlp` file. With a
/// `secret`, it must be the node's (a WebSocket agent with a bad secret gets 403); a
/// second connection under a connected name is refused with Jenkins' message.
pub fn connect(state: &mut State, name: &str, secret: Option<&str>) -> Result<(), ControlError> {
    let expected = jnlp::secret(&state.settings.jnlp_key, name);
    let computer = agent(state, name)?;
    if secret.is_some_and(|s| s != expected) {
        return Err(ControlError::BadSecret(format!(
            "bad secret for agent {name}"
        )));
    }
    if computer.connected {
        return Err(ControlError::AlreadyConnected(format!(
            "{name} is already connected to this controller. Rejecting this connection."
        )));
    }
    computer.connected = true;
    computer.offline_cause = None;
    state.computer_events.push(ComputerEvent::Online {
        computer: name.to_owned(),
    });
    maintain(state, now_ms());
    Ok(())
}

/// Closes the agent's channel (`OfflineCause.ChannelTermination`). Running builds keep
/// their executors; end them with `finish_builds`.
pub fn disconnect(state: &mut State, name: &str) -> Result<(), ControlError> {
    let computer = agent(state, name)?;
    computer.connected = false;
    computer.offline_cause = Some(OfflineCause::ChannelTermination {
        timestamp: now_ms(),
    });
    maintain(state, now_ms());
    Ok(())
}

/// `SlaveComputer.setAcceptingTasks`: a computer that does not accept tasks keeps its
/// running builds but gets no new ones (`‘X’ is not accepting tasks`).
pub fn set_accepting_tasks(
    state: &mut State,
    name: &str,
    accepting: bool,
) -> Result<(), ControlError> {
    agent(state, name)?.accepting_tasks = accepting;
    maintain(state, now_ms());
    Ok(())
}
