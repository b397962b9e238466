//! Request signing between the Jenkins-side emitter and the webhook.
//!
//! The emitter sends `X-Ecs-Agents-Timestamp: <unix seconds>` and
//! `X-Ecs-Agents-Signature: sha256=<hex>`, the HMAC-SHA256 of
//! `"<timestamp>." + body` under the shared webhook secret. Signing the
//! timestamp with the body makes a captured request useless after the
//! ±5-minute window; the comparison is constant-time.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{KeyInit, Mac};
use sha2::Sha256;

use crate::secret::Secret;

/// Header with the signing time, unix seconds.
pub const TIMESTAMP_HEADER: &str = "x-ecs-agents-timestamp";
/// Header with `sha256=<hex HMAC>`.
pub const SIGNATURE_HEADER: &str = "x-ecs-agents-signature";
/// How far a request's timestamp may be from now.
pub const MAX_SKEW: Duration = Duration::from_secs(300);

type HmacSha256 = hmac::Hmac<Sha256>;

/// Why a request is not authentic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No signature header.
    #[error("missing {SIGNATURE_HEADER} header")]
    MissingSignature,
    /// No or unreadable timestamp header.
    #[error("missing or malformed {TIMESTAMP_HEADER} header (unix seconds expected)")]
    BadTimestamp,
    /// Timestamp outside the window: a replay, or a clock far off.
    #[error("timestamp is {0} s away from now; at most 300 s allowed")]
    Stale(u64),
    /// The signature does not match.
    #[error("signature does not match")]
    BadSignature,
}

/// The signature header value for `body` signed at `timestamp`.
pub fn sign(secret: &Secret, timestamp: u64, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
    )
}

/// Checks a request's timestamp and signature.
pub fn verify(
    secret: &Secret,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: SystemTime,
) -> Result<(), AuthError> {
    let signature = signature.ok_or(AuthError::MissingSignature)?;
    let timestamp: u64 = timestamp
        .and_then(|t| t.trim().parse().ok())
        .ok_or(AuthError::BadTimestamp)?;
    let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let skew = now.abs_diff(timestamp);
    if skew > MAX_SKEW.as_secs() {
        return Err(AuthError::Stale(skew));
    }
    let given = signature
        .trim()
        .strip_prefix("sha256=")
        .and_then(|hex_text| hex::decode(hex_text).ok())
        .ok_or(AuthError::BadSignature)?;
    mac(secret, timestamp, body)
        .verify_slice(&given)
        .map_err(|_| AuthError::BadSignature)
}

fn mac(secret: &Secret, timestamp: u64, body: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_764_270_000;

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    fn secret() -> Secret {
        Secret::new("test-webhook-secret")
    }

    #[test]
    fn a_request_signed_with_the_shared_secret_is_accepted() {
        let signature = sign(&secret(), NOW, b"{}");
        assert_eq!(
            verify(
                &secret(),
                Some(&NOW.to_string()),
                Some(&signature),
                b"{}",
                at(NOW + 10)
            ),
            Ok(())
        );
    }

    #[test]
    fn a_changed_body_timestamp_or_key_is_rejected() {
        let signature = sign(&secret(), NOW, b"{}");
        let ts = NOW.to_string();
        assert_eq!(
            verify(&secret(), Some(&ts), Some(&signature), b"{ }", at(NOW)),
            Err(AuthError::BadSignature)
        );
        let later = (NOW + 1).to_string();
        assert_eq!(
            verify(&secret(), Some(&later), Some(&signature), b"{}", at(NOW)),
            Err(AuthError::BadSignature)
        );
        assert_eq!(
            verify(
                &Secret::new("other"),
                Some(&ts),
                Some(&signature),
                b"{}",
                at(NOW)
            ),
            Err(AuthError::BadSignature)
        );
    }

    #[test]
    fn requests_outside_five_minutes_are_replays() {
        let signature = sign(&secret(), NOW, b"{}");
        let ts = NOW.to_string();
        assert_eq!(
            verify(&secret(), Some(&ts), Some(&signature), b"{}", at(NOW + 301)),
            Err(AuthError::Stale(301))
        );
        assert_eq!(
            verify(&secret(), Some(&ts), Some(&signature), b"{}", at(NOW - 301)),
            Err(AuthError::Stale(301))
        );
    }

    #[test]
    fn missing_or_malformed_headers_are_rejected() {
        let ts = NOW.to_string();
        assert_eq!(
            verify(&secret(), Some(&ts), None, b"{}", at(NOW)),
            Err(AuthError::MissingSignature)
        );
        assert_eq!(
            verify(&secret(), None, Some("sha256=00"), b"{}", at(NOW)),
            Err(AuthError::BadTimestamp)
        );
        assert_eq!(
            verify(&secret(), Some("soon"), Some("sha256=00"), b"{}", at(NOW)),
            Err(AuthError::BadTimestamp)
        );
        assert_eq!(
            verify(&secret(), Some(&ts), Some("md5=00"), b"{}", at(NOW)),
            Err(AuthError::BadSignature)
        );
        assert_eq!(
            verify(&secret(), Some(&ts), Some("sha256=zz"), b"{}", at(NOW)),
            Err(AuthError::BadSignature)
        );
    }
}
