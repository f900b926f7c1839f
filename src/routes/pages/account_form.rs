//! The two templates the account pages share: a form (`pages/account_form.html`: a
//! heading, lead paragraphs, inputs and one button) and a notice
//! (`pages/account_notice.html`: what happened, and where to go next). Changing the
//! password, resetting it, confirming an address and changing it all use them.

use askama::Template;

use crate::render::{Errors, View};

/// One input of the form.
pub struct Input<'a> {
    pub name: &'static str,
    pub label: &'a str,
    pub hint: Option<&'a str>,
    pub kind: &'static str,
    pub autocomplete: &'static str,
    pub value: &'a str,
}

#[derive(Template)]
#[template(path = "pages/account_form.html")]
pub struct FormPage<'a> {
    pub v: &'a View,
    pub csrf_token: &'a str,
    pub errors: &'a Errors,
    pub heading: &'a str,
    pub lead: Vec<&'a str>,
    pub action: &'a str,
    pub hidden: Vec<(&'static str, &'a str)>,
    pub fields: Vec<Input<'a>>,
    pub submit: &'a str,
    pub submit_id: &'static str,
    pub links: Vec<(&'static str, &'a str)>,
}

#[derive(Template)]
#[template(path = "pages/account_notice.html")]
pub struct Notice<'a> {
    pub heading: &'a str,
    pub paragraphs: Vec<String>,
    pub links: Vec<(&'static str, &'a str)>,
}
