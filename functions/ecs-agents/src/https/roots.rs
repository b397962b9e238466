//! The system's trust store, read once per cold start from one PEM bundle.
//!
//! `SSL_CERT_FILE` (a PEM bundle) and `SSL_CERT_DIR` (`:`-separated
//! directories of PEM files) choose it, as for OpenSSL and
//! rustls-native-certs; when neither is set, the first bundle of
//! [`bundle_paths`] that exists is the store: on Lambda's `provided.al2023`,
//! `/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem` (docs/aws.md §31).
//!
//! Unlike rustls-native-certs, the platform's certificate directory is not
//! read besides the bundle: the distributions build the bundle from the same
//! certificates (Debian's `update-ca-certificates`, Fedora's and Amazon
//! Linux's `update-ca-trust`), and reading both (Debian keeps a link per
//! certificate) cost a cold start about 2 ms per client (benches/README.md).
//! Certificates that do not parse are skipped, as the other loaders do.

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// The platform bundles tried in order when neither variable is set: the
/// list of openssl-probe 0.2 (what rustls-native-certs reads) for Linux.
const BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Gentoo
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // Amazon Linux 2023, Fedora, RHEL 7+
    "/etc/pki/tls/certs/ca-bundle.crt",   // its compatibility link, RHEL 6
    "/etc/ssl/ca-bundle.pem",             // openSUSE
    "/etc/pki/tls/cacert.pem",            // OpenELEC
    "/etc/ssl/cert.pem",                  // Alpine
];

/// The platform bundles looked for when neither `SSL_CERT_FILE` nor
/// `SSL_CERT_DIR` is set, in order; the first that exists is read.
pub fn bundle_paths() -> &'static [&'static str] {
    BUNDLES
}

/// The trust store could not be read; the function fails its cold start
/// rather than fail every TLS handshake later.
#[derive(Debug, thiserror::Error)]
pub enum TrustStoreError {
    /// Neither variable is set and no platform bundle exists.
    #[error(
        "no system trust store: SSL_CERT_FILE and SSL_CERT_DIR are not set and none of {tried} exists"
    )]
    NotFound {
        /// The bundles looked for, comma-separated.
        tried: String,
    },
    /// A file of the store cannot be read.
    #[error("cannot read the trust store file {path}: {source}")]
    Unreadable {
        /// Its path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The files hold no certificate that parses.
    #[error("the trust store ({files}) holds no usable certificate")]
    Empty {
        /// The files read, comma-separated.
        files: String,
    },
}

/// Reads and parses the store `lookup`'s variables choose.
pub(super) fn load(
    lookup: &impl Fn(&str) -> Option<OsString>,
) -> Result<RootCertStore, TrustStoreError> {
    let files = files(lookup, |path| path.is_file())?;
    let mut roots = RootCertStore::empty();
    for path in &files {
        let pem = std::fs::read(path).map_err(|source| TrustStoreError::Unreadable {
            path: path.clone(),
            source,
        })?;
        roots
            .add_parsable_certificates(CertificateDer::pem_slice_iter(&pem).filter_map(Result::ok));
    }
    if roots.is_empty() {
        return Err(TrustStoreError::Empty {
            files: join(files.iter().map(|p| p.display().to_string())),
        });
    }
    Ok(roots)
}

/// The files to read: `SSL_CERT_FILE` and the files of the `SSL_CERT_DIR`
/// directories when either is set (a directory that does not exist adds
/// nothing), otherwise the first platform bundle that `exists`.
fn files(
    lookup: &impl Fn(&str) -> Option<OsString>,
    exists: impl Fn(&Path) -> bool,
) -> Result<Vec<PathBuf>, TrustStoreError> {
    let file = lookup("SSL_CERT_FILE").filter(|v| !v.is_empty());
    let dirs = lookup("SSL_CERT_DIR").filter(|v| !v.is_empty());
    if file.is_none() && dirs.is_none() {
        return BUNDLES
            .iter()
            .map(PathBuf::from)
            .find(|path| exists(path))
            .map(|path| vec![path])
            .ok_or_else(|| TrustStoreError::NotFound {
                tried: join(BUNDLES.iter().map(|p| p.to_string())),
            });
    }
    let mut files: Vec<PathBuf> = file.into_iter().map(PathBuf::from).collect();
    // Each file once: a certificate directory links several names to one file.
    let mut seen: HashSet<PathBuf> = files.iter().filter_map(|f| f.canonicalize().ok()).collect();
    for dir in dirs.iter().flat_map(std::env::split_paths) {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            if let Ok(real) = path.canonicalize()
                && real.is_file()
                && seen.insert(real)
            {
                files.push(path);
            }
        }
    }
    Ok(files)
}

fn join(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests;
