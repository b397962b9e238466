//! Denying permissions to the API users: `GET`/`PUT`/`DELETE /_stand-in/permissions`
//! ([`Denials`] as JSON) and the same on [`RunningStandIn`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::Denials;
use crate::RunningStandIn;
use crate::ops::ControlError;
use crate::state::Shared;

/// `GET /_stand-in/permissions`: what is denied, by permission id.
pub async fn get(State(shared): State<Shared>) -> Response {
    Json(shared.lock().permissions.clone()).into_response()
}

/// `PUT /_stand-in/permissions` [`Denials`]: replaces what is denied; 400 for a name
/// Jenkins does not have (nothing changes then).
pub async fn put(State(shared): State<Shared>, Json(denials): Json<Denials>) -> Response {
    match set(&shared, &denials) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, Json(e)).into_response(),
    }
}

/// `DELETE /_stand-in/permissions`: every permission granted again.
pub async fn delete(State(shared): State<Shared>) -> Response {
    shared.lock().permissions = Denials::none();
    StatusCode::NO_CONTENT.into_response()
}

fn set(shared: &Shared, denials: &Denials) -> Result<(), ControlError> {
    let resolved = denials.resolved()?;
    shared.lock().permissions = resolved;
    Ok(())
}

impl RunningStandIn {
    /// Withholds these permissions from the API users from now on, replacing earlier
    /// denials; an unknown permission name is refused and changes nothing.
    pub fn set_denials(&self, denials: &Denials) -> Result<(), ControlError> {
        set(self.shared(), denials)
    }

    /// Withholds one more permission everywhere (an id such as
    /// `hudson.model.Computer.Disconnect`, or a title such as `Agent/Disconnect`).
    pub fn deny(&self, permission: &str) -> Result<(), ControlError> {
        let denials = self.denials().deny(permission);
        self.set_denials(&denials)
    }

    /// Withholds one more Job permission (`Job/Read`, `Job/Discover`) on a job or folder
    /// and everything in it.
    pub fn deny_on_job(&self, job: &str, permission: &str) -> Result<(), ControlError> {
        let denials = self.denials().deny_on_job(job, permission);
        self.set_denials(&denials)
    }

    /// What is denied now, by permission id.
    pub fn denials(&self) -> Denials {
        self.shared().lock().permissions.clone()
    }

    /// Grants every permission again.
    pub fn grant_all(&self) {
        self.shared().lock().permissions = Denials::none();
    }
}
