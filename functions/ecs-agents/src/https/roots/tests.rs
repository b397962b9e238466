use std::collections::HashMap;
use std::path::PathBuf;

use super::*;

/// A self-signed CA certificate as PEM.
fn ca_pem() -> String {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let key = rcgen::KeyPair::generate().unwrap();
    params.self_signed(&key).unwrap().pem()
}

fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
    let vars: HashMap<String, OsString> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), OsString::from(v)))
        .collect();
    move |name| vars.get(name).cloned()
}

/// A fresh directory of this test process.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ecs-agents-roots-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn without_variables_the_first_platform_bundle_that_exists_is_the_store() {
    let al2023 = "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem";
    let found = files(&lookup(&[]), |path| path == Path::new(al2023)).unwrap();
    assert_eq!(found, [PathBuf::from(al2023)]);
}

#[test]
fn ssl_cert_file_is_the_store_when_set_even_if_a_platform_bundle_exists() {
    let found = files(&lookup(&[("SSL_CERT_FILE", "/corp/ca.pem")]), |_| true).unwrap();
    assert_eq!(found, [PathBuf::from("/corp/ca.pem")]);
}

#[test]
fn without_variables_and_without_a_bundle_the_error_names_the_bundles_looked_for() {
    let error = files(&lookup(&[]), |_| false).unwrap_err();
    let text = error.to_string();
    assert!(text.starts_with("no system trust store"), "{text}");
    assert!(
        text.contains("/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"),
        "{text}"
    );
}

#[test]
fn a_certificate_directory_adds_each_file_once_whatever_links_name_it() {
    let dir = scratch("dir");
    std::fs::write(dir.join("corp.pem"), ca_pem()).unwrap();
    std::os::unix::fs::symlink(dir.join("corp.pem"), dir.join("1a2b3c4d.0")).unwrap();
    let vars = [("SSL_CERT_DIR", dir.to_str().unwrap())];
    let found = files(&lookup(&vars), |_| true).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_certificate_directory_that_does_not_exist_adds_nothing() {
    let vars = [
        ("SSL_CERT_FILE", "/corp/ca.pem"),
        ("SSL_CERT_DIR", "/nonexistent"),
    ];
    let found = files(&lookup(&vars), |_| true).unwrap();
    assert_eq!(found, [PathBuf::from("/corp/ca.pem")]);
}

#[test]
fn certificates_of_a_bundle_that_do_not_parse_are_skipped() {
    let dir = scratch("skip");
    let bundle = dir.join("bundle.pem");
    let broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    std::fs::write(&bundle, format!("{}{broken}{}", ca_pem(), ca_pem())).unwrap();
    let roots = load(&lookup(&[("SSL_CERT_FILE", bundle.to_str().unwrap())])).unwrap();
    assert_eq!(roots.len(), 2);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_store_without_a_usable_certificate_is_an_error_naming_its_files() {
    let dir = scratch("empty");
    let bundle = dir.join("bundle.pem");
    std::fs::write(&bundle, "no certificates here").unwrap();
    let error = load(&lookup(&[("SSL_CERT_FILE", bundle.to_str().unwrap())])).unwrap_err();
    assert!(matches!(error, TrustStoreError::Empty { .. }), "{error}");
    assert!(error.to_string().contains("bundle.pem"), "{error}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_unreadable_store_file_is_an_error_naming_it() {
    let error = load(&lookup(&[("SSL_CERT_FILE", "/nonexistent/ca.pem")])).unwrap_err();
    assert!(
        matches!(error, TrustStoreError::Unreadable { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("/nonexistent/ca.pem"), "{error}");
}
