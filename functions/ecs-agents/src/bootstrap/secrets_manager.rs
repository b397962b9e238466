//! Reading secrets (the Jenkins API token, the webhook key) from AWS Secrets
//! Manager once, at cold start, straight into a [`Secret`].
//!
//! Two shapes are accepted, because the console stores key/value secrets as
//! JSON: a plain `SecretString` is the secret as is (not trimmed), and a JSON
//! object with exactly one string value (`{"token": "…"}`) yields that value.
//! Anything else (several keys, non-string values) is kept as the plain
//! string. Binary secrets are not supported.

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::config::http::HttpResponse;
use aws_sdk_secretsmanager::error::{DisplayErrorContext, SdkError};
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;

use crate::secret::Secret;

/// Why a secret could not be read. Messages name the secret id, never its
/// value.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// GetSecretValue failed (missing secret, access denied, network…).
    #[error("could not read secret `{id}`: {detail}")]
    Unreadable {
        /// Secret name or ARN.
        id: String,
        /// What Secrets Manager said.
        detail: String,
        /// The SDK error (boxed: it is large, and errors travel by value).
        #[source]
        source: Box<SdkError<GetSecretValueError, HttpResponse>>,
    },
    /// The secret holds binary data or nothing, not a string.
    #[error("secret `{id}` holds no SecretString (binary secrets are not supported)")]
    NotText {
        /// Secret name or ARN.
        id: String,
    },
    /// The secret's value is empty.
    #[error("secret `{id}` is empty")]
    Empty {
        /// Secret name or ARN.
        id: String,
    },
}

/// Reads secret `id` (name or ARN), current version.
pub async fn read_secret(client: &Client, id: &str) -> Result<Secret, SecretsError> {
    let output = client
        .get_secret_value()
        .secret_id(id)
        .send()
        .await
        .map_err(|source| SecretsError::Unreadable {
            id: id.to_owned(),
            detail: DisplayErrorContext(&source).to_string(),
            source: Box::new(source),
        })?;
    let text = output
        .secret_string()
        .ok_or_else(|| SecretsError::NotText { id: id.to_owned() })?;
    let value = single_json_value(text).unwrap_or_else(|| text.to_owned());
    if value.is_empty() {
        return Err(SecretsError::Empty { id: id.to_owned() });
    }
    Ok(Secret::new(value))
}

/// The value of a JSON object with exactly one entry whose value is a string.
fn single_json_value(text: &str) -> Option<String> {
    let serde_json::Value::Object(object) = serde_json::from_str(text).ok()? else {
        return None;
    };
    match object.into_iter().collect::<Vec<_>>().as_slice() {
        [(_, serde_json::Value::String(value))] => Some(value.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueOutput;
    use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};

    use super::*;

    fn returning(secret_string: &'static str) -> Rule {
        mock!(Client::get_secret_value)
            .match_requests(|req| req.secret_id() == Some("jenkins/api-token"))
            .then_output(move || {
                GetSecretValueOutput::builder()
                    .secret_string(secret_string)
                    .build()
            })
    }

    async fn read(rule: &Rule) -> Result<Secret, SecretsError> {
        let client = mock_client!(aws_sdk_secretsmanager, RuleMode::MatchAny, [rule]);
        read_secret(&client, "jenkins/api-token").await
    }

    #[tokio::test]
    async fn a_plain_secret_string_is_the_secret() {
        let secret = read(&returning("11aa22bb33cc")).await.unwrap();
        assert_eq!(secret.expose(), "11aa22bb33cc");
    }

    #[tokio::test]
    async fn a_json_object_with_one_string_value_yields_that_value() {
        let secret = read(&returning(r#"{"token": "11aa22bb33cc"}"#))
            .await
            .unwrap();
        assert_eq!(secret.expose(), "11aa22bb33cc");
    }

    #[tokio::test]
    async fn a_json_object_with_several_values_is_kept_as_it_is() {
        let text = r#"{"user": "admin", "token": "11aa22bb33cc"}"#;
        assert_eq!(read(&returning(text)).await.unwrap().expose(), text);
    }

    #[tokio::test]
    async fn an_empty_secret_is_an_error_naming_the_secret() {
        let error = read(&returning(r#"{"token": ""}"#)).await.unwrap_err();
        assert_eq!(error.to_string(), "secret `jenkins/api-token` is empty");
    }

    #[tokio::test]
    async fn a_binary_secret_is_an_error() {
        let rule =
            mock!(Client::get_secret_value).then_output(|| GetSecretValueOutput::builder().build());
        let error = read(&rule).await.unwrap_err();
        assert!(matches!(error, SecretsError::NotText { .. }), "{error}");
    }

    #[tokio::test]
    async fn a_missing_secret_is_an_error_naming_the_id_and_the_cause() {
        let body = r#"{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}"#;
        let rule = mock!(Client::get_secret_value)
            .sequence()
            .http_status(400, Some(body.into()))
            .build();
        let error = read(&rule).await.unwrap_err();
        let text = error.to_string();
        assert!(
            text.starts_with("could not read secret `jenkins/api-token`"),
            "{text}"
        );
        assert!(text.contains("can't find the specified secret"), "{text}");
    }

    #[tokio::test]
    async fn read_secrets_and_errors_never_show_the_value() {
        let secret = read(&returning(r#"{"token": "11aa22bb33cc"}"#))
            .await
            .unwrap();
        assert!(!format!("{secret:?} {secret}").contains("11aa22bb33cc"));
        let empty = read(&returning("")).await.unwrap_err();
        assert!(!format!("{empty:?} {empty}").contains("11aa22bb33cc"));
    }
}
