//! The functions' one HTTPS stack, set up once per cold start: reqwest (hyper
//! 1, rustls, ring) for Jenkins and, through [`SdkHttpClient`], for the
//! AWS SDK; on Linux the system's trust store read from one file and parsed
//! once, its roots shared by both clients.
//!
//! Before, each client loaded the trust store itself (the SDK's own hyper
//! client through rustls-native-certs, reqwest through
//! rustls-platform-verifier), which was most of a cold start's own work, and
//! the SDK's client linked HTTP/2 besides (benches/README.md, "Cold start and
//! binary size"). Where the roots come from is [`roots`]' concern
//! (docs/aws.md §23, §31). Elsewhere than Linux (the CLI on a workstation)
//! each client asks the platform's verifier, as reqwest does by default.

mod roots;
mod sdk;

use std::sync::{Arc, OnceLock};

use reqwest::ClientBuilder;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

pub use roots::{TrustStoreError, bundle_paths};
pub use sdk::SdkHttpClient;

/// The TLS setup every client of a process shares. Cloning shares it.
#[derive(Debug, Clone)]
pub struct Https {
    roots: Roots,
}

#[derive(Debug, Clone)]
enum Roots {
    /// Roots parsed once, with the provider their configurations use.
    Parsed {
        provider: Arc<CryptoProvider>,
        store: Arc<RootCertStore>,
    },
    /// reqwest's default: the platform's verifier (the OS's trust settings).
    Platform,
}

impl Https {
    /// The process's stack on the system's trust store, read on first use and
    /// shared from then on: the trust store belongs to the process, like the
    /// environment that chooses it, and each client of a cold start (the
    /// SDK's, Jenkins') takes it from here instead of parsing it again.
    pub fn system() -> Result<&'static Self, TrustStoreError> {
        static SYSTEM: OnceLock<Https> = OnceLock::new();
        if let Some(https) = SYSTEM.get() {
            return Ok(https);
        }
        let https = Self::from_system()?;
        Ok(SYSTEM.get_or_init(|| https))
    }

    /// On Linux, reads the system's trust store (`SSL_CERT_FILE`,
    /// `SSL_CERT_DIR`, or the platform's bundle: [`bundle_paths`]);
    /// elsewhere, [`Https::platform`]. [`Https::system`] keeps one.
    pub fn from_system() -> Result<Self, TrustStoreError> {
        if cfg!(target_os = "linux") {
            Self::from_lookup(|name| std::env::var_os(name))
        } else {
            Ok(Self::platform())
        }
    }

    /// Like [`Https::from_system`] on Linux, reading the variables through
    /// `lookup` (tests pass a map).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Self, TrustStoreError> {
        Ok(Self::with_roots(roots::load(&lookup)?))
    }

    /// A stack trusting exactly `roots`.
    pub fn with_roots(roots: RootCertStore) -> Self {
        Self {
            roots: Roots::Parsed {
                provider: Arc::new(rustls::crypto::ring::default_provider()),
                store: Arc::new(roots),
            },
        }
    }

    /// A stack whose clients each ask the platform's verifier (reqwest's
    /// default, through rustls-platform-verifier).
    pub fn platform() -> Self {
        // reqwest is built without a provider of its own (the workspace's
        // Cargo.toml): the verifier's configuration takes the process's.
        // Err only means one is installed already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Self {
            roots: Roots::Platform,
        }
    }

    /// How many root certificates were parsed (none when the platform verifies).
    pub fn root_count(&self) -> usize {
        match &self.roots {
            Roots::Parsed { store, .. } => store.len(),
            Roots::Platform => 0,
        }
    }

    /// A reqwest client builder trusting the system's roots and `extra` (a
    /// private CA). Parsed roots are shared, or copied when `extra` adds to
    /// them, never parsed again. Fails on an `extra` certificate that is not
    /// one.
    pub fn client_builder(
        &self,
        extra: &[CertificateDer<'static>],
    ) -> Result<ClientBuilder, rustls::Error> {
        let builder = reqwest::Client::builder();
        Ok(match &self.roots {
            Roots::Parsed { provider, store } => {
                let store = if extra.is_empty() {
                    Arc::clone(store)
                } else {
                    let mut roots = RootCertStore::clone(store);
                    for certificate in extra {
                        roots.add(certificate.clone())?;
                    }
                    Arc::new(roots)
                };
                builder.tls_backend_preconfigured(config(provider, store))
            }
            Roots::Platform => {
                let extra = extra
                    .iter()
                    .filter_map(|c| reqwest::Certificate::from_der(c).ok());
                builder.tls_certs_merge(extra)
            }
        })
    }

    /// The AWS SDK's HTTP client over this stack (give it to
    /// `aws_config::ConfigLoader::http_client`).
    pub fn sdk_http_client(&self) -> aws_smithy_runtime_api::client::http::SharedHttpClient {
        aws_smithy_runtime_api::client::http::SharedHttpClient::new(SdkHttpClient::new(
            self.clone(),
        ))
    }
}

/// TLS 1.2 and 1.3 with `provider`'s defaults (ring: ECDHE with X25519 or
/// the NIST curves, AES-GCM and ChaCha20-Poly1305), trusting `roots`. No
/// ALPN: both clients speak HTTP/1.1.
fn config(provider: &Arc<CryptoProvider>, roots: Arc<RootCertStore>) -> ClientConfig {
    ClientConfig::builder_with_provider(Arc::clone(provider))
        .with_safe_default_protocol_versions()
        .expect("the ring provider supports TLS 1.2 and 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

#[cfg(test)]
mod tests;
