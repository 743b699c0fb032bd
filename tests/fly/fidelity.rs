//! The fake holds requests to Fly's specs: these show it refuses what they refuse, so the
//! adapter's passing runs mean something.

use super::*;
use fly::{graphql, openapi};

#[test]
fn a_query_naming_a_field_or_argument_the_schema_lacks_is_refused() {
    let schema = graphql::schema();
    assert!(schema
        .check("query($app: String!) { app(name: $app) { releasesUnprocessed(first: 2) { nodes { id version imageRef } } } }")
        .is_empty());
    let problems = schema.check(
        "query { app(name: \"x\") { releasesUnprocessed(first: 2) { nodes { id commitSha } } } }",
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("commitSha"), "{problems:?}");
    let problems = schema.check("query { app(name: \"x\") { image(digest: \"sha\") { digest } } }");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("takes no argument `digest`")),
        "{problems:?}"
    );
}

#[test]
fn a_request_off_the_openapi_documents_is_refused() {
    let machines = openapi::machines();
    let update = machines
        .route("POST", "/v1/apps/shop-web/machines/148e001")
        .unwrap();
    assert_eq!(update.name(), UPDATE);
    let bad = serde_json::json!({ "config": { "image": 7 } });
    assert!(!machines.check_request(update, Some(&bad), false).is_empty());
    let list = machines.route("GET", "/v1/apps/shop-web/machines").unwrap();
    let query = vec![("regions".to_owned(), "ams".to_owned())];
    assert!(!machines.check_query(list, &query, &[]).is_empty());
    let releases = openapi::releases();
    let patch = releases.route("PATCH", "/api/v1/releases/rel_1").unwrap();
    let wrong = serde_json::json!({ "status": "done" });
    assert!(
        !releases
            .check_request(patch, Some(&wrong), false)
            .is_empty()
    );
}

#[test]
fn a_missing_spec_file_fails_naming_it() {
    let failure = std::panic::catch_unwind(|| openapi::read("fly-not-there.json")).unwrap_err();
    let message = failure
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        message.contains("../shared/specs/fly-not-there.json"),
        "{message}"
    );
}

#[tokio::test]
async fn a_token_in_the_wrong_scheme_is_refused_and_noted() {
    let h = standard().await;
    let response = reqwest::Client::new()
        .get(format!("{}/v1/apps/{APP}/machines", h.fake.url))
        .header("authorization", format!("Bearer {ORG_TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let violations = h.fake.with(|s| s.violations.clone());
    assert!(
        violations.iter().any(|v| v.contains("FlyV1")),
        "{violations:?}"
    );
}
