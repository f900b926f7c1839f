//! [`SignedIn`]: the extractor of the pages that need an account. A handler that takes it
//! runs only for a signed-in person; anyone else is sent to the sign-in page with a way
//! back (`/login?next=<this path and query>`): a 303 for browsers, an `HX-Location`
//! navigation for htmx. When the visitor's context cannot be loaded (the database is
//! down), the error page answers, as for every page.

use std::fmt;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};
use futures_util::future::LocalBoxFuture;

use super::redirect;
use crate::models::User;
use crate::render::{Hx, PageCtx};

/// The page context of a signed-in person, and that person.
///
/// Put it *after* the handler's other extractors: actix reports the first extractor that
/// fails, so a malformed form or query still gets its own error page, as it did when
/// each handler checked for a user itself.
pub struct SignedIn {
    /// The context (its `user` is the same person).
    pub ctx: PageCtx,
    pub user: User,
}

impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let ctx = PageCtx::load(&req).await?;
            match ctx.user.clone() {
                Some(user) => Ok(SignedIn { ctx, user }),
                None => Err(SignInFirst::new(ctx.hx, &req).into()),
            }
        })
    }
}

/// The answer to a signed-out visitor: go and sign in, then come back here.
#[derive(Debug)]
pub struct SignInFirst {
    hx: Hx,
    location: String,
}

impl SignInFirst {
    fn new(hx: Hx, req: &HttpRequest) -> Self {
        // A multipart form carries its CSRF token in the query string: never put it in a
        // link (it would reach logs and the sign-in page's address bar).
        let kept: Vec<&str> = req
            .query_string()
            .split('&')
            .filter(|pair| !pair.is_empty())
            .filter(|pair| pair.split('=').next() != Some(crate::web::csrf::FIELD))
            .collect();
        let here = match kept.join("&") {
            q if q.is_empty() => req.path().to_owned(),
            q => format!("{}?{q}", req.path()),
        };
        let query = serde_urlencoded::to_string([("next", here.as_str())]).unwrap_or_default();
        SignInFirst {
            hx,
            location: format!("/login?{query}"),
        }
    }
}

impl fmt::Display for SignInFirst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sign in first: {}", self.location)
    }
}

impl ResponseError for SignInFirst {
    fn status_code(&self) -> StatusCode {
        if self.hx.request {
            StatusCode::OK
        } else {
            StatusCode::SEE_OTHER
        }
    }

    fn error_response(&self) -> HttpResponse {
        redirect(self.hx, &self.location)
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn the_way_back_keeps_the_path_and_query() {
        let req = TestRequest::with_uri("/videos/rows?seen=1:queued").to_http_request();
        let answer = SignInFirst::new(Hx::default(), &req);
        assert_eq!(
            answer.location,
            "/login?next=%2Fvideos%2Frows%3Fseen%3D1%3Aqueued"
        );
        let res = answer.error_response();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(answer.status_code(), res.status());
        let plain = SignInFirst::new(
            Hx::default(),
            &TestRequest::with_uri("/account").to_http_request(),
        );
        assert_eq!(plain.location, "/login?next=%2Faccount");
    }

    #[test]
    fn the_way_back_never_carries_a_csrf_token() {
        let req = TestRequest::with_uri("/videos?csrf_token=secret&a=1").to_http_request();
        let answer = SignInFirst::new(Hx::default(), &req);
        assert_eq!(answer.location, "/login?next=%2Fvideos%3Fa%3D1");
        let only = TestRequest::with_uri("/videos?csrf_token=secret").to_http_request();
        assert_eq!(
            SignInFirst::new(Hx::default(), &only).location,
            "/login?next=%2Fvideos"
        );
    }

    #[test]
    fn htmx_is_sent_on_in_place() {
        let req = TestRequest::with_uri("/videos").to_http_request();
        let hx = Hx {
            request: true,
            ..Hx::default()
        };
        let answer = SignInFirst::new(hx, &req);
        let res = answer.error_response();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(answer.status_code(), res.status());
        assert!(res.headers().contains_key("hx-location"));
    }
}
