//! The `jenkins-stand-in` binary.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::helpers::{TOKEN, USER};

/// Starts the binary on a free port; returns it and the URL from its first stdout line.
async fn start_binary() -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jenkins-stand-in"))
        .args(["--port", "0", "--user", USER, "--token", TOKEN, "--quiet"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .expect("reader thread")
    .expect("a first line");
    let port = line.trim().strip_prefix("listening on http://127.0.0.1:");
    let port = port.unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    (child, format!("http://127.0.0.1:{port}"))
}

#[tokio::test]
async fn the_binary_announces_its_url_and_stops_on_sigterm() {
    // GIVEN the binary started on a free port
    let (mut child, url) = start_binary().await;
    // WHEN its API is called at the announced URL
    let response = reqwest::Client::new()
        .get(format!("{url}/computer/api/json"))
        .basic_auth(USER, Some(TOKEN))
        .send()
        .await
        .unwrap();
    // THEN it answers, and SIGTERM stops it cleanly
    assert_eq!(response.status(), 200);
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let exit = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "{exit:?}");
}
