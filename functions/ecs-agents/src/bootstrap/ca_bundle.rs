//! The certificate authorities to trust for Jenkins besides the system's
//! (`JENKINS_CA_BUNDLE_ARN`): a PEM bundle in a Secrets Manager secret or an
//! SSM parameter, read once at cold start. The ARN says which service holds
//! it, and the stack grants reading exactly that ARN.

use aws_config::SdkConfig;
use aws_sdk_ssm::config::http::HttpResponse;
use aws_sdk_ssm::error::{DisplayErrorContext, SdkError};
use aws_sdk_ssm::operation::get_parameter::GetParameterError;

use super::secrets_manager::{SecretsError, read_secret};
use crate::jenkins::http::{CaBundle, CaBundleError};

/// Where the bundle is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaBundleSource {
    /// A Secrets Manager secret (its ARN).
    Secret(String),
    /// An SSM parameter, String or SecureString (its ARN).
    Parameter(String),
}

impl CaBundleSource {
    /// The source an ARN names; `Err` says what is wrong, to go with the
    /// variable's name.
    pub fn from_arn(arn: &str) -> Result<Self, String> {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        match parts.as_slice() {
            ["arn", _, "secretsmanager", _, _, resource] if resource.starts_with("secret:") => {
                Ok(Self::Secret(arn.to_owned()))
            }
            ["arn", _, "ssm", _, _, resource] if resource.starts_with("parameter/") => {
                Ok(Self::Parameter(arn.to_owned()))
            }
            _ => Err(format!(
                "`{arn}` is neither a Secrets Manager secret ARN (arn:aws:secretsmanager:…:secret:…) \
                 nor an SSM parameter ARN (arn:aws:ssm:…:parameter/…)"
            )),
        }
    }

    /// The ARN.
    pub fn arn(&self) -> &str {
        match self {
            Self::Secret(arn) | Self::Parameter(arn) => arn,
        }
    }
}

/// Why the bundle could not be read. Names the ARN, never the content.
#[derive(Debug, thiserror::Error)]
pub enum CaBundleReadError {
    /// GetSecretValue failed.
    #[error("JENKINS_CA_BUNDLE_ARN: {0}")]
    Secret(#[from] SecretsError),
    /// GetParameter failed.
    #[error("JENKINS_CA_BUNDLE_ARN: could not read parameter `{arn}`: {detail}")]
    Parameter {
        /// The parameter's ARN.
        arn: String,
        /// What SSM said.
        detail: String,
        /// The SDK error (boxed: it is large).
        #[source]
        source: Box<SdkError<GetParameterError, HttpResponse>>,
    },
    /// The value is not a PEM bundle.
    #[error("JENKINS_CA_BUNDLE_ARN: `{arn}`: {source}")]
    Invalid {
        /// Where it was read.
        arn: String,
        /// What is wrong with it.
        #[source]
        source: CaBundleError,
    },
}

/// Reads and parses the bundle at `source`, in the functions' region.
pub async fn read_ca_bundle(
    sdk: &SdkConfig,
    source: &CaBundleSource,
) -> Result<CaBundle, CaBundleReadError> {
    let pem = match source {
        CaBundleSource::Secret(arn) => {
            let client = aws_sdk_secretsmanager::Client::new(sdk);
            read_secret(&client, arn).await?.expose().to_owned()
        }
        CaBundleSource::Parameter(arn) => {
            read_parameter(&aws_sdk_ssm::Client::new(sdk), arn).await?
        }
    };
    parse(source, &pem)
}

fn parse(source: &CaBundleSource, pem: &str) -> Result<CaBundle, CaBundleReadError> {
    CaBundle::from_pem(pem.as_bytes()).map_err(|error| CaBundleReadError::Invalid {
        arn: source.arn().to_owned(),
        source: error,
    })
}

async fn read_parameter(
    client: &aws_sdk_ssm::Client,
    arn: &str,
) -> Result<String, CaBundleReadError> {
    let unreadable =
        |source: SdkError<GetParameterError, HttpResponse>| CaBundleReadError::Parameter {
            arn: arn.to_owned(),
            detail: DisplayErrorContext(&source).to_string(),
            source: Box::new(source),
        };
    // GetParameter takes a name or an ARN; decryption makes SecureString work too.
    let output = client
        .get_parameter()
        .name(arn)
        .with_decryption(true)
        .send()
        .await
        .map_err(unreadable)?;
    Ok(output
        .parameter()
        .and_then(|p| p.value())
        .unwrap_or_default()
        .to_owned())
}

#[cfg(test)]
mod tests {
    use aws_sdk_ssm::operation::get_parameter::GetParameterOutput;
    use aws_sdk_ssm::types::Parameter;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    use super::*;

    const PARAMETER: &str = "arn:aws:ssm:us-east-1:123456789012:parameter/corp/ca-bundle";

    #[test]
    fn the_arn_says_which_service_holds_the_bundle() {
        let secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:corp/ca-AbCdEf";
        assert_eq!(
            CaBundleSource::from_arn(secret),
            Ok(CaBundleSource::Secret(secret.to_owned()))
        );
        assert_eq!(
            CaBundleSource::from_arn(PARAMETER),
            Ok(CaBundleSource::Parameter(PARAMETER.to_owned()))
        );
    }

    #[test]
    fn a_name_or_another_services_arn_is_refused() {
        for text in ["/corp/ca-bundle", "arn:aws:s3:::corp/ca.pem"] {
            let problem = CaBundleSource::from_arn(text).unwrap_err();
            assert!(
                problem.starts_with(&format!("`{text}` is neither")),
                "{problem}"
            );
        }
    }

    #[tokio::test]
    async fn a_parameter_is_read_by_its_arn_decrypted() {
        let rule = mock!(aws_sdk_ssm::Client::get_parameter)
            .match_requests(|req| {
                req.name() == Some(PARAMETER) && req.with_decryption() == Some(true)
            })
            .then_output(|| {
                GetParameterOutput::builder()
                    .parameter(
                        Parameter::builder()
                            .value("-----BEGIN CERTIFICATE-----")
                            .build(),
                    )
                    .build()
            });
        let client = mock_client!(aws_sdk_ssm, RuleMode::MatchAny, [&rule]);
        let value = read_parameter(&client, PARAMETER).await.unwrap();
        assert_eq!(value, "-----BEGIN CERTIFICATE-----");
    }

    #[test]
    fn a_value_that_is_no_pem_bundle_is_an_error_naming_where_it_was_read() {
        let source = CaBundleSource::Parameter(PARAMETER.to_owned());
        let error = parse(&source, "not pem").unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "JENKINS_CA_BUNDLE_ARN: `{PARAMETER}`: it holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
            )
        );
    }

    #[tokio::test]
    async fn a_parameter_that_cannot_be_read_is_an_error_naming_it_and_the_cause() {
        let body = r#"{"__type":"ParameterNotFound","message":"Parameter not found."}"#;
        let rule = mock!(aws_sdk_ssm::Client::get_parameter)
            .sequence()
            .http_status(400, Some(body.into()))
            .build();
        let client = mock_client!(aws_sdk_ssm, RuleMode::MatchAny, [&rule]);
        let error = read_parameter(&client, PARAMETER).await.unwrap_err();
        let text = error.to_string();
        assert!(
            text.starts_with(&format!(
                "JENKINS_CA_BUNDLE_ARN: could not read parameter `{PARAMETER}`"
            )),
            "{text}"
        );
        assert!(text.contains("ParameterNotFound"), "{text}");
    }
}
