//! `PUT /api/auth/user/preferences`: strict types, partial updates and what they change.

use serde_json::{Value, json};

use crate::helpers::{TestApp, json_body, spawn_app};

async fn put_prefs(app: &TestApp, access: &str, body: &Value) -> reqwest::Response {
    app.client
        .put(app.url("/api/auth/user/preferences"))
        .bearer_auth(access)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn preferences_update_and_persist() {
    let app = spawn_app().await;
    let tokens = app.signed_in_user("prefs").await;
    let r = put_prefs(
        &app,
        &tokens.access,
        &json!({"visual_density": 5, "color_contrast": "high", "motion_sensitivity": true}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let body = json_body(r).await;
    assert_eq!(body["message"], "Preferences updated successfully");
    let p = &body["accessibility_preferences"];
    assert_eq!(p["visual_density"], 5);
    assert_eq!(p["color_contrast"], "high");
    assert_eq!(p["motion_sensitivity"], true);
    assert_eq!(p["reading_level"], 3, "untouched fields keep their value");

    let r = put_prefs(
        &app,
        &tokens.access,
        &json!({"reading_level": 1, "preferred_sign_language": "auslan"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let user = json_body(app.get_user(&tokens.access).await).await;
    let p = &user["accessibility_preferences"];
    assert_eq!(p["reading_level"], 1);
    assert_eq!(p["preferred_sign_language"], "Auslan");
    assert_eq!(p["visual_density"], 5);
}

#[tokio::test]
async fn an_invalid_update_changes_nothing() {
    let app = spawn_app().await;
    let tokens = app.signed_in_user("strict").await;
    for body in [
        json!({"visual_density": 99}),
        json!({"visual_density": "4"}),
        json!({"visual_density": 4.5}),
        json!({"reading_level": -4}),
        json!({"color_contrast": "purple"}),
        json!({"motion_sensitivity": "yes"}),
        json!({"preferred_sign_language": "XYZ"}),
        json!({"preferred_sign_language": "x".repeat(200)}),
        json!({"visual_density": 2, "color_contrast": "purple"}),
        json!({"visual_densty": 2}),
    ] {
        let r = put_prefs(&app, &tokens.access, &body).await;
        assert_eq!(r.status(), 422, "{body}");
        let err = json_body(r).await;
        assert!(
            err["fields"].as_object().is_some_and(|f| !f.is_empty()),
            "{err}"
        );
    }
    let user = json_body(app.get_user(&tokens.access).await).await;
    assert_eq!(
        user["accessibility_preferences"]["visual_density"], 3,
        "nothing applied"
    );
    assert_eq!(
        user["accessibility_preferences"]["color_contrast"],
        "normal"
    );
}

#[tokio::test]
async fn non_object_bodies_are_400_and_empty_object_is_a_no_op() {
    let app = spawn_app().await;
    let tokens = app.signed_in_user("shapes").await;
    for body in [json!(null), json!([1, 2]), json!("x"), json!(3)] {
        let r = put_prefs(&app, &tokens.access, &body).await;
        assert_eq!(r.status(), 400, "{body}");
    }
    let r = put_prefs(&app, &tokens.access, &json!({})).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        json_body(r).await["accessibility_preferences"]["visual_density"],
        3
    );
}

#[tokio::test]
async fn preferences_need_a_token() {
    let app = spawn_app().await;
    let r = app
        .client
        .put(app.url("/api/auth/user/preferences"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}
