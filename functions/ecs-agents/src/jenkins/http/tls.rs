//! Certificate authorities to trust for Jenkins besides the system's: a
//! controller behind a corporate or private CA. The bundle is added to the
//! client's roots (docs/aws.md §23), so publicly signed controllers keep
//! working alongside.

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::{self, PemObject};

/// CA certificates, parsed from a PEM bundle once per cold start. Empty: the
/// system's roots only.
#[derive(Debug, Clone, Default)]
pub struct CaBundle {
    certificates: Vec<CertificateDer<'static>>,
}

/// Why a PEM bundle is unusable. Describes the problem, never the content.
#[derive(Debug, thiserror::Error)]
pub enum CaBundleError {
    /// No `-----BEGIN CERTIFICATE-----` block in it.
    #[error("it holds no PEM certificate (-----BEGIN CERTIFICATE-----)")]
    NoCertificate,
    /// A certificate block that does not decode.
    #[error("a PEM certificate in it does not decode")]
    Malformed(#[source] pem::Error),
    /// A block that decodes but is no usable CA certificate.
    #[error("a PEM certificate in it is not a usable CA certificate")]
    NotACertificate(#[source] rustls::Error),
}

impl CaBundle {
    /// Every certificate of a PEM bundle (other PEM blocks, such as keys, are
    /// skipped).
    pub fn from_pem(pem: &[u8]) -> Result<Self, CaBundleError> {
        let certificates = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(CaBundleError::Malformed)?;
        if certificates.is_empty() {
            return Err(CaBundleError::NoCertificate);
        }
        // Checked here, so the error names the bundle's source at cold start.
        let mut roots = rustls::RootCertStore::empty();
        for certificate in &certificates {
            roots
                .add(certificate.clone())
                .map_err(CaBundleError::NotACertificate)?;
        }
        Ok(Self { certificates })
    }

    /// How many certificates the bundle holds.
    pub fn len(&self) -> usize {
        self.certificates.len()
    }

    /// Whether the bundle is empty (the system's roots only).
    pub fn is_empty(&self) -> bool {
        self.certificates.is_empty()
    }

    pub(super) fn certificates(&self) -> &[CertificateDer<'static>] {
        &self.certificates
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-signed CA certificate as PEM.
    fn ca_pem() -> String {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().pem()
    }

    #[test]
    fn every_certificate_of_a_bundle_is_kept() {
        let bundle = CaBundle::from_pem(format!("{}{}", ca_pem(), ca_pem()).as_bytes()).unwrap();
        assert_eq!(bundle.len(), 2);
    }

    #[test]
    fn text_without_a_certificate_is_refused() {
        let error = CaBundle::from_pem(b"not a certificate").unwrap_err();
        assert!(matches!(error, CaBundleError::NoCertificate), "{error}");
    }

    #[test]
    fn a_certificate_block_that_does_not_decode_is_refused() {
        let pem = "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n";
        let error = CaBundle::from_pem(pem.as_bytes()).unwrap_err();
        assert!(matches!(error, CaBundleError::Malformed(_)), "{error}");
    }

    #[test]
    fn a_block_that_decodes_to_no_certificate_is_refused() {
        let pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let error = CaBundle::from_pem(pem.as_bytes()).unwrap_err();
        assert!(
            matches!(error, CaBundleError::NotACertificate(_)),
            "{error}"
        );
    }

    #[test]
    fn a_client_trusting_a_bundle_builds() {
        // The extra roots are parsed when the client is built, at cold start.
        let bundle = CaBundle::from_pem(ca_pem().as_bytes()).unwrap();
        let token = crate::secret::Secret::new("t");
        assert!(
            super::super::JenkinsHttp::trusting("https://ci.example.com", "ci", token, &bundle)
                .is_ok()
        );
    }
}
