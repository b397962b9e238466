//! HTTP Basic authentication with API tokens.

use crate::helpers::{TOKEN, USER, spawn};

#[tokio::test]
async fn a_request_without_credentials_is_refused_as_anonymous() {
    // GIVEN a stand-in
    let app = spawn().await;
    // WHEN the computer list is requested without credentials
    let response = app
        .client
        .get(app.url("/computer/api/json"))
        .send()
        .await
        .unwrap();
    // THEN Jenkins answers as it does for anonymous without Overall/Read
    assert_eq!(response.status(), 403);
    assert_eq!(
        response.headers()["X-You-Are-Authenticated-As"],
        "anonymous"
    );
}

#[tokio::test]
async fn a_wrong_token_is_refused_with_a_basic_challenge() {
    let app = spawn().await;
    let response = app
        .client
        .get(app.url("/computer/api/json"))
        .basic_auth(USER, Some("not-the-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["WWW-Authenticate"],
        "Basic realm=\"Jenkins\""
    );
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Invalid password/token for user: admin")
    );
}

#[tokio::test]
async fn a_valid_token_is_accepted_without_a_crumb() {
    let app = spawn().await;
    let response = app
        .client
        .post(app.url("/computer/doCreateItem"))
        .basic_auth(USER, Some(TOKEN))
        .form(&[
            ("name", "a"),
            ("type", "hudson.slaves.DumbSlave"),
            ("json", "{}"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
}
