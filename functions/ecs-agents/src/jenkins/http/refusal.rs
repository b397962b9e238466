//! Answers a call does not expect, as [`JenkinsError`]s: overload and server errors are
//! worth retrying, a missing permission names the permission (docs/jenkins-api.md §13),
//! other 4xx are refusals (with Jenkins' `X-Error` if sent).

use reqwest::{Response, StatusCode};

use super::wire;
use crate::jenkins::JenkinsError;

/// The permissions the functions need, by the id `X-Required-Permission` carries, with
/// the `Group/Permission` title Jenkins' 403 text uses (docs/jenkins-api.md §13).
const TITLES: [(&str, &str); 7] = [
    ("hudson.model.Hudson.Read", "Overall/Read"),
    ("hudson.model.Computer.Create", "Agent/Create"),
    ("hudson.model.Computer.Delete", "Agent/Delete"),
    ("hudson.model.Computer.Connect", "Agent/Connect"),
    ("hudson.model.Computer.Disconnect", "Agent/Disconnect"),
    ("hudson.model.Item.Read", "Job/Read"),
    ("hudson.model.Item.Discover", "Job/Discover"),
];

/// Jenkins' 403 page says `<user> is missing the <Group>/<Permission> permission`.
const MISSING: &str = " is missing the ";

/// Maps a status the call does not expect. `user` stands in for Jenkins' name of the
/// caller when a 403 does not say it.
pub(super) async fn unexpected(response: Response, user: &str) -> JenkinsError {
    let status = response.status();
    let path = response.url().path().to_owned();
    // 408 and 429 come from proxies in front of Jenkins and pass with time.
    let transient = matches!(
        status,
        StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_MANY_REQUESTS
    );
    if status.is_server_error() || transient {
        return JenkinsError::Unavailable(format!("{path} answered {status}"));
    }
    if !status.is_client_error() {
        return JenkinsError::Protocol(format!(
            "{path} answered {status}, which jenkins does not document"
        ));
    }
    let x_error = wire::x_error(&response);
    if status == StatusCode::FORBIDDEN
        && let Some(missing) = permission_missing(response, user).await
    {
        return missing;
    }
    let reason = x_error.unwrap_or_else(|| match status {
        StatusCode::UNAUTHORIZED => {
            "authentication failed: check the user and api token".to_owned()
        }
        StatusCode::FORBIDDEN => "the user lacks the permission for this call".to_owned(),
        _ => format!("{path} answered {status}"),
    });
    JenkinsError::Rejected {
        status: status.as_u16(),
        reason,
    }
}

/// The permission a 403 names: in `X-Required-Permission` (`AccessDeniedException3`), or
/// else in the page's text, which a proxy that drops headers still passes. `None` for
/// other 403s (a CSRF failure, a plain `AccessDeniedException`).
async fn permission_missing(response: Response, user: &str) -> Option<JenkinsError> {
    let header = |name: &str| {
        let value = response.headers().get(name)?.to_str().ok()?;
        Some(value.trim().to_owned())
    };
    let user = header("x-you-are-authenticated-as").unwrap_or_else(|| user.to_owned());
    if let Some(id) = header("x-required-permission") {
        let permission = TITLES
            .iter()
            .find(|(known, _)| *known == id)
            .map_or(id.clone(), |(_, title)| (*title).to_owned());
        return Some(JenkinsError::PermissionMissing { user, permission });
    }
    let body = response.text().await.ok()?;
    let (named, permission) = named_in_text(&body)?;
    Some(JenkinsError::PermissionMissing {
        user: named,
        permission,
    })
}

/// `(user, Group/Permission)` from `… <user> is missing the <Group>/<Permission> permission …`.
fn named_in_text(text: &str) -> Option<(String, String)> {
    let (before, after) = text.split_once(MISSING)?;
    let user = before
        .rsplit(|c: char| c.is_whitespace() || c == '>')
        .next()?;
    let (permission, _) = after.split_once(" permission")?;
    let known = TITLES.iter().any(|(_, title)| *title == permission);
    (known && !user.is_empty()).then(|| (user.to_owned(), permission.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::named_in_text;

    #[test]
    fn the_permission_is_read_from_jenkins_access_denied_page() {
        let page = "<h1>Access Denied</h1><p class=\"error\">ecs-agents is missing the \
                    Agent/Create permission</p>";
        assert_eq!(
            named_in_text(page),
            Some(("ecs-agents".to_owned(), "Agent/Create".to_owned()))
        );
    }

    #[test]
    fn text_naming_no_known_permission_is_not_taken_for_one() {
        assert_eq!(named_in_text("x is missing the <script> permission"), None);
        assert_eq!(named_in_text("No valid crumb was included"), None);
    }
}
