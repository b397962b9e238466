use rustls::pki_types::pem::PemObject;

use super::*;

fn ca_pem() -> String {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let key = rcgen::KeyPair::generate().unwrap();
    params.self_signed(&key).unwrap().pem()
}

fn store_of(pem: &str) -> RootCertStore {
    let mut store = RootCertStore::empty();
    store.add_parsable_certificates(
        CertificateDer::pem_slice_iter(pem.as_bytes()).map(Result::unwrap),
    );
    store
}

#[test]
fn the_system_store_is_read_once_per_process() {
    let first = Https::system().unwrap();
    let second = Https::system().unwrap();
    assert!(std::ptr::eq(first, second));
    assert!(first.root_count() > 0);
}

#[test]
fn extra_roots_are_added_to_a_copy_leaving_the_shared_store_as_it_was() {
    let https = Https::with_roots(store_of(&ca_pem()));
    let extra = CertificateDer::from_pem_slice(ca_pem().as_bytes()).unwrap();
    assert!(https.client_builder(&[extra]).unwrap().build().is_ok());
    assert_eq!(https.root_count(), 1);
}

#[test]
fn an_extra_root_that_is_no_certificate_is_refused() {
    let https = Https::with_roots(store_of(&ca_pem()));
    let error = https
        .client_builder(&[CertificateDer::from(vec![0u8; 4])])
        .unwrap_err();
    assert!(
        matches!(error, rustls::Error::InvalidCertificate(_)),
        "{error:?}"
    );
}

#[test]
fn a_platform_stack_builds_clients_without_parsing_roots() {
    let https = Https::platform();
    assert!(https.client_builder(&[]).unwrap().build().is_ok());
    assert_eq!(https.root_count(), 0);
}
