//! [`Moderator`] and [`Admin`]: the extractors of the moderation and admin pages. A
//! signed-out visitor is sent to sign in (as [`SignedIn`] does); a signed-in person
//! without the role gets the 403 page.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use super::SignedIn;
use crate::web::errors::PageError;

/// A signed-in moderator or admin.
pub struct Moderator(pub SignedIn);

/// A signed-in admin.
pub struct Admin(pub SignedIn);

fn guarded(
    req: &HttpRequest,
    payload: &mut Payload,
    allowed: fn(&crate::models::User) -> bool,
) -> LocalBoxFuture<'static, Result<SignedIn, actix_web::Error>> {
    let signed_in = SignedIn::from_request(req, payload);
    Box::pin(async move {
        let who = signed_in.await?;
        if allowed(&who.user) {
            Ok(who)
        } else {
            Err(PageError::new(StatusCode::FORBIDDEN).into())
        }
    })
}

impl FromRequest for Moderator {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let who = guarded(req, payload, |u| u.role().can_moderate());
        Box::pin(async move { Ok(Moderator(who.await?)) })
    }
}

impl FromRequest for Admin {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let who = guarded(req, payload, |u| u.role().is_admin());
        Box::pin(async move { Ok(Admin(who.await?)) })
    }
}
