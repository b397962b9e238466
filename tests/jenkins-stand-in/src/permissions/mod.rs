//! Who may do what: the permissions Jenkins checks on the calls the functions make, and the
//! ones a test withholds from the API users (docs/jenkins-api.md §13).
//!
//! The model is a matrix authorization with every API user granted every permission below
//! except Overall/Administer, minus what a test denies: everywhere, or on one job or folder
//! and everything in it. As in Jenkins a permission is also held when one that implies it is
//! held, so denying Agent/Connect alone changes nothing while Agent/Disconnect is granted.

pub(crate) mod control;
pub mod denied;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::ops::ControlError;

/// One Jenkins permission: its id, the group title and name the 403 text shows, and the
/// permission that implies it (docs/jenkins-api.md §13).
#[derive(Debug, PartialEq, Eq)]
pub struct Permission {
    /// `hudson.model.Computer.Create`: the group's class name, a dot, the name.
    pub id: &'static str,
    /// `Agent/Create`: the group's title, a slash, the name.
    pub title: &'static str,
    /// The next permission up the chain, if any.
    implied_by: Option<&'static Permission>,
    /// Whether the API users can hold it (the generic permissions only imply others, and
    /// Overall/Administer would imply everything).
    grantable: bool,
}

impl Permission {
    /// Every permission that implies this one, nearest first (`X-Permission-Implied-By`).
    pub fn implied_by(&self) -> impl Iterator<Item = &'static Permission> {
        std::iter::successors(self.implied_by, |p| p.implied_by)
    }
}

const fn permission(
    id: &'static str,
    title: &'static str,
    implied_by: Option<&'static Permission>,
) -> Permission {
    Permission {
        id,
        title,
        implied_by,
        grantable: true,
    }
}

const fn generic(id: &'static str, implied_by: &'static Permission) -> Permission {
    Permission {
        id,
        title: id,
        implied_by: Some(implied_by),
        grantable: false,
    }
}

/// `Jenkins.ADMINISTER`: never granted to the API users here.
pub static ADMINISTER: Permission = Permission {
    id: "hudson.model.Hudson.Administer",
    title: "Overall/Administer",
    implied_by: None,
    grantable: false,
};
static GENERIC_READ: Permission = generic("hudson.security.Permission.GenericRead", &ADMINISTER);
static GENERIC_WRITE: Permission = generic("hudson.security.Permission.GenericWrite", &ADMINISTER);
static GENERIC_CREATE: Permission =
    generic("hudson.security.Permission.GenericCreate", &GENERIC_WRITE);
static GENERIC_DELETE: Permission =
    generic("hudson.security.Permission.GenericDelete", &GENERIC_WRITE);
/// `Jenkins.READ`: every API URL.
pub static OVERALL_READ: Permission = permission(
    "hudson.model.Hudson.Read",
    "Overall/Read",
    Some(&GENERIC_READ),
);
/// `Computer.CREATE`: `doCreateItem`.
pub static AGENT_CREATE: Permission = permission(
    "hudson.model.Computer.Create",
    "Agent/Create",
    Some(&GENERIC_CREATE),
);
/// `Computer.DELETE`: `doDelete`.
pub static AGENT_DELETE: Permission = permission(
    "hudson.model.Computer.Delete",
    "Agent/Delete",
    Some(&GENERIC_DELETE),
);
/// `Computer.DISCONNECT`: `changeOfflineCause`, `toggleOffline` to offline.
pub static AGENT_DISCONNECT: Permission = permission(
    "hudson.model.Computer.Disconnect",
    "Agent/Disconnect",
    Some(&ADMINISTER),
);
/// `Computer.CONNECT`: the `.jnlp` file, `toggleOffline` back online.
pub static AGENT_CONNECT: Permission = permission(
    "hudson.model.Computer.Connect",
    "Agent/Connect",
    Some(&AGENT_DISCONNECT),
);
/// `Item.READ`: seeing a job's queue items.
pub static JOB_READ: Permission =
    permission("hudson.model.Item.Read", "Job/Read", Some(&GENERIC_READ));
/// `Item.DISCOVER`: knowing a job's queue item exists.
pub static JOB_DISCOVER: Permission = permission(
    "hudson.model.Item.Discover",
    "Job/Discover",
    Some(&JOB_READ),
);

/// The permissions a test may deny.
static ALL: [&Permission; 8] = [
    &ADMINISTER,
    &OVERALL_READ,
    &AGENT_CREATE,
    &AGENT_DELETE,
    &AGENT_DISCONNECT,
    &AGENT_CONNECT,
    &JOB_READ,
    &JOB_DISCOVER,
];

/// The permissions that can be denied on one job or folder.
static JOB_SCOPED: [&Permission; 2] = [&JOB_READ, &JOB_DISCOVER];

/// A permission by id (`hudson.model.Computer.Disconnect`) or title (`Agent/Disconnect`).
pub fn lookup(name: &str) -> Result<&'static Permission, ControlError> {
    ALL.iter()
        .copied()
        .find(|p| p.id == name || p.title.eq_ignore_ascii_case(name))
        .ok_or_else(|| ControlError::BadRequest(format!("unknown permission {name}")))
}

/// What a test withholds from the API users: permissions everywhere (`deny`), and Job
/// permissions on a job or folder and everything inside it (`jobs`, by full name). Names
/// are ids or `Group/Permission` titles; the stand-in answers with ids.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Denials {
    /// Denied everywhere.
    #[serde(default)]
    pub deny: BTreeSet<String>,
    /// Denied on a job or folder (full name, `folder/job`) and what it contains.
    #[serde(default)]
    pub jobs: BTreeMap<String, BTreeSet<String>>,
}

impl Denials {
    /// Nothing denied.
    pub fn none() -> Denials {
        Denials::default()
    }

    /// Also denies `permission` everywhere.
    pub fn deny(mut self, permission: &str) -> Denials {
        self.deny.insert(permission.to_owned());
        self
    }

    /// Also denies `permission` on the job or folder `job`.
    pub fn deny_on_job(mut self, job: &str, permission: &str) -> Denials {
        let on_job = self.jobs.entry(job.to_owned()).or_default();
        on_job.insert(permission.to_owned());
        self
    }

    /// The same denials with every name checked and turned into its id.
    pub fn resolved(&self) -> Result<Denials, ControlError> {
        let ids = |names: &BTreeSet<String>, allowed: &[&Permission]| {
            names
                .iter()
                .map(|name| {
                    let p = lookup(name)?;
                    match allowed.contains(&p) {
                        true => Ok(p.id.to_owned()),
                        false => Err(ControlError::BadRequest(format!(
                            "{} cannot be denied on a job, only everywhere",
                            p.title
                        ))),
                    }
                })
                .collect::<Result<BTreeSet<_>, _>>()
        };
        let jobs = self
            .jobs
            .iter()
            .map(|(job, names)| Ok((job.clone(), ids(names, &JOB_SCOPED)?)))
            .collect::<Result<_, ControlError>>()?;
        Ok(Denials {
            deny: ids(&self.deny, &ALL)?,
            jobs,
        })
    }

    /// Whether the API users hold `permission` on `job` (a full name; `None` for permissions
    /// outside any job): granted and not denied, or implied by one that is.
    pub fn holds(&self, permission: &Permission, job: Option<&str>) -> bool {
        let granted = permission.grantable && !self.denied(permission, job);
        granted || permission.implied_by.is_some_and(|p| self.holds(p, job))
    }

    fn denied(&self, permission: &Permission, job: Option<&str>) -> bool {
        if self.deny.contains(permission.id) {
            return true;
        }
        let Some(job) = job else { return false };
        self.jobs.iter().any(|(scope, ids)| {
            ids.contains(permission.id) && (job == scope || is_inside(job, scope))
        })
    }

    /// What the API users may know of a job's queue items.
    pub fn job_access(&self, job: &str) -> JobAccess {
        if self.holds(&JOB_READ, Some(job)) {
            JobAccess::Read
        } else if self.holds(&JOB_DISCOVER, Some(job)) {
            JobAccess::Discover
        } else {
            JobAccess::None
        }
    }
}

/// Whether `job` is inside the folder `folder` (full names).
fn is_inside(job: &str, folder: &str) -> bool {
    job.strip_prefix(folder)
        .is_some_and(|rest| rest.starts_with('/'))
}

/// How much of a job the API users may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobAccess {
    /// Job/Read: its queue items are listed and readable.
    Read,
    /// Job/Discover without Read: unlisted; its queue item answers 403.
    Discover,
    /// Neither: unlisted; its queue item answers 404.
    None,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_permission_implied_by_a_granted_one_is_held_even_when_denied() {
        let denials = Denials::none().deny("Agent/Connect").resolved().unwrap();
        assert!(denials.holds(&AGENT_CONNECT, None));
        let both = denials.deny("Agent/Disconnect").resolved().unwrap();
        assert!(!both.holds(&AGENT_CONNECT, None));
    }

    #[test]
    fn a_folder_denial_covers_the_jobs_inside_it_and_no_others() {
        let denials = Denials::none().deny_on_job("team", "Job/Read");
        let denials = denials.resolved().unwrap();
        assert_eq!(denials.job_access("team/app"), JobAccess::Discover);
        assert_eq!(denials.job_access("team"), JobAccess::Discover);
        assert_eq!(denials.job_access("teammate"), JobAccess::Read);
    }

    #[test]
    fn permissions_are_named_by_id_or_title_and_unknown_ones_are_refused() {
        assert_eq!(lookup("agent/create").unwrap().id, AGENT_CREATE.id);
        assert_eq!(lookup("hudson.model.Item.Read").unwrap().title, "Job/Read");
        assert!(lookup("Agent/Build").is_err());
        let on_job = Denials::none().deny_on_job("x", "Agent/Delete");
        assert!(on_job.resolved().is_err());
    }

    #[test]
    fn the_chain_of_agent_connect_ends_at_administer() {
        let chain: Vec<&str> = AGENT_CONNECT.implied_by().map(|p| p.id).collect();
        assert_eq!(
            chain,
            [
                "hudson.model.Computer.Disconnect",
                "hudson.model.Hudson.Administer"
            ]
        );
    }
}
