//! Black-box tests, one binary (each test binary links the AWS SDKs): the
//! real function handlers and adapters against moto and the Jenkins
//! stand-in, and static checks of the SAM stack.
//!
//! Each test starts and stops the moto and stand-in instances it needs, on
//! free loopback ports; moto comes from the repository's `.venv`
//! (`scripts/python-env`). One module: `cargo test -p blackbox-tests --test
//! blackbox -- stop::`.

mod agents_file;
mod https_proxy;
mod intake;
mod launch;
mod permissions;
mod private_ca;
mod proxy;
mod reasons;
mod reconcile;
mod refusals;
mod restart;
mod reuse;
mod sam_template;
mod scenario;
mod secret_file;
mod stop;
mod timeouts;
