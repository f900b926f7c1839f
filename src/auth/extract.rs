//! The API's authentication extractor: [`BearerAuth`] turns an `Authorization: Bearer`
//! access token into the signed-in user, refusing expired, revoked or malformed tokens with
//! the API's JSON 401.

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use super::tokens::Claims;
use crate::error::ApiError;
use crate::models::User;
use crate::state::AppState;

/// The user behind a valid, unrevoked `Authorization: Bearer <access token>`.
pub struct BearerAuth {
    pub user: User,
    pub claims: Claims,
}

/// The token of an `Authorization` header value, if it is a well-formed Bearer header.
pub fn bearer_token(header: Option<&str>) -> Result<&str, ApiError> {
    let missing = || ApiError::unauthorized("Token is missing");
    let header = header.ok_or_else(missing)?.trim();
    let (scheme, token) = header.split_once(' ').ok_or_else(missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(missing());
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(missing());
    }
    if token.contains(char::is_whitespace) {
        return Err(ApiError::unauthorized("Token is invalid or expired"));
    }
    Ok(token)
}

impl FromRequest for BearerAuth {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(
            req.headers()
                .get(AUTHORIZATION)
                .and_then(|v| v.to_str().ok()),
        )
        .map(str::to_owned);
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("state missing")))?;
            let (user, claims) = state.auth.authenticate(&token?).await?;
            Ok(BearerAuth { user, claims })
        })
    }
}

/// The user behind a Bearer token when the request has an `Authorization` header
/// (which must then be valid), or nobody. For resources anyone may see when public.
pub struct MaybeBearer(pub Option<User>);

impl MaybeBearer {
    pub fn user_id(&self) -> Option<i32> {
        self.0.as_ref().map(|u| u.id)
    }
}

impl FromRequest for MaybeBearer {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if req.headers().get(AUTHORIZATION).is_none() {
            return Box::pin(async { Ok(MaybeBearer(None)) });
        }
        let auth = BearerAuth::from_request(req, payload);
        Box::pin(async move { Ok(MaybeBearer(Some(auth.await?.user))) })
    }
}

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn parses_bearer_headers_strictly() {
        assert_eq!(bearer_token(Some("Bearer abc")).unwrap(), "abc");
        assert_eq!(bearer_token(Some("bearer abc")).unwrap(), "abc");
        for missing in [
            None,
            Some(""),
            Some("Bearer"),
            Some("Bearer "),
            Some("Basic abc"),
            Some("abc"),
        ] {
            let e = bearer_token(missing).unwrap_err();
            assert_eq!(e.message, "Token is missing", "{missing:?}");
        }
        assert_eq!(
            bearer_token(Some("Bearer x y")).unwrap_err().message,
            "Token is invalid or expired"
        );
    }
}
