//! `/developers`: the API reference for people, rendered on the server from the same
//! OpenAPI document that `/api/openapi.json` serves (no script, no third-party assets).

use std::sync::OnceLock;

use actix_web::HttpResponse;
use askama::Template;
use serde_json::Value;

use crate::render::{PageCtx, View};
use crate::routes::api::docs;
use crate::web::errors::PageError;

pub struct Field {
    pub name: String,
    pub kind: String,
    pub required: bool,
    pub rules: String,
}

pub struct Reply {
    pub status: String,
    pub meaning: String,
}

pub struct Endpoint {
    pub id: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    pub bearer: bool,
    pub body_optional: bool,
    pub fields: Vec<Field>,
    pub replies: Vec<Reply>,
    pub curl: String,
}

#[derive(Template)]
#[template(path = "pages/developers.html")]
struct DevelopersContent<'a> {
    v: &'a View,
    endpoints: &'a [Endpoint],
}

/// `GET /developers`
pub async fn page(ctx: PageCtx) -> Result<HttpResponse, PageError> {
    static ENDPOINTS: OnceLock<Vec<Endpoint>> = OnceLock::new();
    let endpoints = ENDPOINTS
        .get_or_init(|| endpoints(&serde_json::to_value(docs::document()).unwrap_or_default()));
    let page = ctx.page_with_flash(ctx.view.t("dev.title"));
    ctx.render(
        page,
        &DevelopersContent {
            v: &ctx.view,
            endpoints,
        },
    )
}

/// Resolve a local `$ref` (`#/components/schemas/X`) once.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix("#/")
            .map(|p| p.split('/').fold(doc, |v, k| &v[k]))
            .unwrap_or(schema),
        None => schema,
    }
}

fn type_name(doc: &Value, schema: &Value) -> String {
    let schema = resolve(doc, schema);
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let names: Vec<String> = values
            .iter()
            .map(|v| {
                v.as_str()
                    .map_or_else(|| v.to_string(), |s| format!("\"{s}\""))
            })
            .collect();
        return format!("one of {}", names.join(", "));
    }
    match &schema["type"] {
        Value::String(t) => t.clone(),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => schema
            .get("oneOf")
            .and_then(Value::as_array)
            .map(|alts| {
                alts.iter()
                    .map(|a| type_name(doc, a))
                    .collect::<Vec<_>>()
                    .join(" or ")
            })
            .unwrap_or_else(|| "any".into()),
    }
}

fn rules(schema: &Value) -> String {
    let mut out = Vec::new();
    if let Some(d) = schema["description"].as_str() {
        out.push(plain(d));
    }
    match (schema["minimum"].as_i64(), schema["maximum"].as_i64()) {
        (Some(lo), Some(hi)) => out.push(format!("From {lo} to {hi}.")),
        (Some(lo), None) => out.push(format!("At least {lo}.")),
        _ => {}
    }
    match (schema["minLength"].as_u64(), schema["maxLength"].as_u64()) {
        (Some(lo), Some(hi)) => out.push(format!("{lo} to {hi} characters.")),
        (Some(lo), None) if lo > 1 => out.push(format!("At least {lo} characters.")),
        (Some(_), None) => out.push("Not empty.".into()),
        (None, Some(hi)) => out.push(format!("At most {hi} characters.")),
        _ => {}
    }
    if let Some(p) = schema["pattern"].as_str() {
        out.push(format!("Pattern: {p}"));
    }
    out.join(" ")
}

/// Markdown-free text for the page: no backticks, one line.
fn plain(text: &str) -> String {
    text.replace('`', "").replace('\n', " ")
}

fn curl(method: &str, path: &str, bearer: bool, example: Option<&Value>) -> String {
    let mut lines = vec![format!("curl -X {method} https://pinkflow.example{path}")];
    if bearer {
        lines.push("  -H 'Authorization: Bearer ACCESS_TOKEN'".into());
    }
    if let Some(example) = example {
        lines.push("  -H 'Content-Type: application/json'".into());
        lines.push(format!(
            "  -d '{}'",
            example.to_string().replace('\'', "'\\''")
        ));
    }
    lines.join(" \\\n")
}

/// The view of every operation in the document, in document order.
pub fn endpoints(doc: &Value) -> Vec<Endpoint> {
    let mut out = Vec::new();
    let Some(paths) = doc["paths"].as_object() else {
        return out;
    };
    for (path, item) in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else { continue };
            let bearer = op["security"].as_array().is_some_and(|s| !s.is_empty());
            let body = &op["requestBody"];
            let body_schema = resolve(doc, &body["content"]["application/json"]["schema"]);
            let required: Vec<&str> = body_schema["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let fields = body_schema["properties"]
                .as_object()
                .map(|props| {
                    props
                        .iter()
                        .map(|(name, schema)| Field {
                            name: name.clone(),
                            kind: type_name(doc, schema),
                            required: required.contains(&name.as_str()),
                            rules: rules(schema),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let example = body_schema
                .get("example")
                .or_else(|| body_schema.get("examples").and_then(|e| e.get(0)));
            let replies = op["responses"]
                .as_object()
                .map(|rs| {
                    rs.iter()
                        .map(|(status, r)| Reply {
                            status: status.clone(),
                            meaning: plain(r["description"].as_str().unwrap_or("")),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let upper = method.to_uppercase();
            out.push(Endpoint {
                id: format!(
                    "{method}{}",
                    path.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
                ),
                curl: curl(
                    &upper,
                    path,
                    bearer,
                    (!body.is_null()).then_some(example).flatten(),
                ),
                method: upper,
                path: path.clone(),
                summary: op["summary"].as_str().unwrap_or("").to_owned(),
                description: plain(op["description"].as_str().unwrap_or("")),
                bearer,
                body_optional: !body.is_null() && body["required"] != Value::Bool(true),
                fields,
                replies,
            });
        }
    }
    out
}
