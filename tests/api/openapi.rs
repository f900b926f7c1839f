//! The OpenAPI document at /api/openapi.json covers exactly the routes the API
//! registers, and every documented operation is really routed.

use std::collections::BTreeSet;

use pinkflow::routes::api::{docs, routes};
use serde_json::Value;

use crate::helpers::{json_body, spawn_app};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if item.get(method).is_some() {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

fn registered() -> BTreeSet<(String, String)> {
    routes()
        .iter()
        .map(|r| (r.method.as_str().to_owned(), r.path.to_owned()))
        .collect()
}

#[test]
fn every_api_route_is_documented_and_nothing_else() {
    let doc = serde_json::to_value(docs::document()).unwrap();
    let documented = documented(&doc);
    let registered = registered();
    let undocumented: Vec<_> = registered.difference(&documented).collect();
    let phantom: Vec<_> = documented.difference(&registered).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the OpenAPI document (add #[utoipa::path] and list them in docs::ApiDoc): {undocumented:?}"
    );
    assert!(
        phantom.is_empty(),
        "documented operations that are not routed: {phantom:?}"
    );
    assert!(registered.len() >= 7);
}

#[test]
fn every_operation_is_complete() {
    let doc = serde_json::to_value(docs::document()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let what = format!("{method} {path}");
            assert!(op["summary"].is_string(), "{what}: summary");
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.keys().any(|c| c.starts_with('2')), "{what}: 2xx");
            for code in ["429", "503"] {
                assert!(responses.contains_key(code), "{what}: {code}");
            }
            if op.get("requestBody").is_some() {
                for code in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(code), "{what}: {code}");
                }
            }
            if op.get("security").is_some() {
                assert!(responses.contains_key("401"), "{what}: 401");
            }
            for (code, response) in responses {
                if code.starts_with('4') || code.starts_with('5') {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{what} {code}: error schema"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn the_document_is_served_and_every_operation_is_routed() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let served = json_body(r).await;
    assert_eq!(served, serde_json::to_value(docs::document()).unwrap());

    // Every documented method reaches a handler (no routing 404/405: a handler may
    // answer 404 for a missing resource, but not with the router's 404 body); every
    // other method on a documented path is a 405. Path parameters are filled with `1`.
    let unrouted = app
        .client
        .get(app.url("/api/no-such-route/1"))
        .send()
        .await
        .unwrap();
    assert_eq!(unrouted.status(), 404);
    let unrouted = unrouted.text().await.unwrap();
    for (path, item) in served["paths"].as_object().unwrap() {
        let concrete = path
            .split('/')
            .map(|seg| if seg.starts_with('{') { "1" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        for method in METHODS {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = app
                .client
                .request(m, app.url(&concrete))
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let json = r
                .headers()
                .get("content-type")
                .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
            let body = r.text().await.unwrap_or_default();
            if item.get(method).is_some() {
                assert!(
                    status != 405 && !(status == 404 && (body == unrouted || !json)),
                    "{method} {path} is documented but answers {status} {body}"
                );
            } else {
                assert_eq!(status, 405, "{method} {path} is not documented");
            }
        }
    }
}

#[tokio::test]
async fn the_developers_page_lists_every_operation_from_the_document() {
    let app = spawn_app().await;
    let home = app.get_html("/").await;
    assert!(home.contains("<a href=\"/developers\">"), "footer link");
    let html = app.get_html("/developers").await;
    assert_eq!(html.matches("<h1").count(), 1);
    assert!(html.contains("href=\"/api/openapi.json\""));
    let doc = serde_json::to_value(docs::document()).unwrap();
    for (method, path) in documented(&doc) {
        assert!(
            html.contains(&format!("<code>{method} {path}</code>")),
            "{method} {path} missing from /developers"
        );
    }
    // Fields, responses and a curl example with the documented example body.
    assert!(html.contains("<code>visual_density</code>"));
    assert!(html.contains("<th scope=\"row\">422</th>"));
    assert!(html.contains("curl -X PUT https://pinkflow.example/api/auth/user/preferences"));
    assert!(html.contains("Authorization: Bearer ACCESS_TOKEN"));
    // Works the same as an htmx fragment.
    let r = app.get_hx("/developers").await;
    assert_eq!(r.status(), 200);
}

#[test]
fn the_sign_language_pattern_names_every_sign_language() {
    let doc = serde_json::to_value(docs::document()).unwrap();
    let schemas = &doc["components"]["schemas"];
    for schema in ["RegisterRequest", "PreferencesRequest"] {
        assert_eq!(
            schemas[schema]["properties"]["preferred_sign_language"]["pattern"],
            docs::SIGN_LANGUAGE_PATTERN,
            "{schema}"
        );
    }
    let any_case = |code: &str| -> String {
        code.chars()
            .map(|c| format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase()))
            .collect()
    };
    let codes: Vec<String> = pinkflow::domain::SIGN_LANGUAGES
        .iter()
        .map(|(code, _, _)| any_case(code))
        .collect();
    assert_eq!(
        docs::SIGN_LANGUAGE_PATTERN,
        format!("^ *({}) *$", codes.join("|"))
    );
}
