//! JSON Web Tokens: HS256 only, access tokens signed with `SECRET_KEY`, refresh tokens
//! with `REFRESH_SECRET_KEY`. Every token carries `sub`/`user_id`, `type`, `jti`, `fam`
//! (its refresh family), `iat` and `exp`.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenType {
    Access,
    Refresh,
}

impl TokenType {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenType::Access => "access",
            TokenType::Refresh => "refresh",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: String,
    pub user_id: i32,
    #[serde(rename = "type")]
    pub token_type: TokenType,
    pub jti: String,
    pub fam: String,
    pub iat: i64,
    pub exp: i64,
}

impl Claims {
    pub fn expires_at(&self) -> chrono::NaiveDateTime {
        chrono::DateTime::from_timestamp(self.exp, 0)
            .unwrap_or_default()
            .naive_utc()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("token is invalid or expired")]
    Invalid,
    #[error("token is of the wrong type")]
    WrongType,
}

/// Signing and verification keys plus lifetimes.
pub struct TokenKeys {
    access_encoding: EncodingKey,
    access_decoding: DecodingKey,
    refresh_encoding: EncodingKey,
    refresh_decoding: DecodingKey,
    validation: Validation,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

/// A freshly signed token and its claims.
pub struct Issued {
    pub token: String,
    pub claims: Claims,
}

impl TokenKeys {
    pub fn new(
        access_secret: &SecretString,
        refresh_secret: &SecretString,
        access_ttl: Duration,
        refresh_ttl: Duration,
    ) -> Result<Self, jsonwebtoken::errors::Error> {
        let access = access_secret.expose_secret().as_bytes();
        let refresh = refresh_secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = 5;
        validation.validate_exp = true;
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        Ok(TokenKeys {
            access_encoding: EncodingKey::from_secret(access)?,
            access_decoding: DecodingKey::from_secret(access)?,
            refresh_encoding: EncodingKey::from_secret(refresh)?,
            refresh_decoding: DecodingKey::from_secret(refresh)?,
            validation,
            access_ttl,
            refresh_ttl,
        })
    }

    pub fn issue(&self, user_id: i32, family: &str, kind: TokenType) -> Issued {
        let now = chrono::Utc::now().timestamp();
        let ttl = match kind {
            TokenType::Access => self.access_ttl,
            TokenType::Refresh => self.refresh_ttl,
        };
        let claims = Claims {
            sub: user_id.to_string(),
            user_id,
            token_type: kind,
            jti: uuid::Uuid::new_v4().simple().to_string(),
            fam: family.to_owned(),
            iat: now,
            exp: now + ttl.as_secs() as i64,
        };
        let key = match kind {
            TokenType::Access => &self.access_encoding,
            TokenType::Refresh => &self.refresh_encoding,
        };
        // Encoding HS256 with an in-memory key and plain claims cannot fail.
        let token =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, key).unwrap_or_default();
        Issued { token, claims }
    }

    /// Verify signature, algorithm, expiry and type.
    pub fn decode(&self, token: &str, kind: TokenType) -> Result<Claims, TokenError> {
        let key = match kind {
            TokenType::Access => &self.access_decoding,
            TokenType::Refresh => &self.refresh_decoding,
        };
        let data = jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map_err(|_| TokenError::Invalid)?;
        let claims = data.claims;
        if claims.token_type != kind {
            return Err(TokenError::WrongType);
        }
        if claims.jti.is_empty()
            || claims.fam.is_empty()
            || claims.sub != claims.user_id.to_string()
        {
            return Err(TokenError::Invalid);
        }
        Ok(claims)
    }
}

pub fn new_family_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(
            &SecretString::from("a".repeat(40)),
            &SecretString::from("b".repeat(40)),
            Duration::from_secs(900),
            Duration::from_secs(3600),
        )
        .unwrap()
    }

    fn sign(claims: &serde_json::Value, secret: &str, alg: Algorithm) -> String {
        jsonwebtoken::encode(
            &Header::new(alg),
            claims,
            &EncodingKey::from_secret(secret.as_bytes()).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn round_trip_and_type_check() {
        let k = keys();
        let access = k.issue(7, "fam1", TokenType::Access);
        let claims = k.decode(&access.token, TokenType::Access).unwrap();
        assert_eq!(claims.user_id, 7);
        assert_eq!(claims.exp - claims.iat, 900);
        // An access token is not a refresh token: other key and other type.
        assert!(k.decode(&access.token, TokenType::Refresh).is_err());
        let refresh = k.issue(7, "fam1", TokenType::Refresh);
        assert!(k.decode(&refresh.token, TokenType::Access).is_err());
    }

    #[test]
    fn refuses_tampered_expired_unsigned_and_jti_less_tokens() {
        let k = keys();
        let good = k.issue(7, "f", TokenType::Access).token;
        let mut tampered = good.clone();
        tampered.pop();
        tampered.push(if good.ends_with('A') { 'B' } else { 'A' });
        assert!(k.decode(&tampered, TokenType::Access).is_err());

        let now = chrono::Utc::now().timestamp();
        let base = serde_json::json!({"sub": "7", "user_id": 7, "type": "access", "jti": "j",
            "fam": "f", "iat": now - 2000, "exp": now - 1000});
        assert!(
            k.decode(
                &sign(&base, &"a".repeat(40), Algorithm::HS256),
                TokenType::Access
            )
            .is_err()
        );

        let mut no_jti = base.clone();
        no_jti["exp"] = (now + 100).into();
        no_jti.as_object_mut().unwrap().remove("jti");
        assert!(
            k.decode(
                &sign(&no_jti, &"a".repeat(40), Algorithm::HS256),
                TokenType::Access
            )
            .is_err()
        );

        let mut other_alg = base.clone();
        other_alg["exp"] = (now + 100).into();
        assert!(
            k.decode(
                &sign(&other_alg, &"a".repeat(40), Algorithm::HS512),
                TokenType::Access
            )
            .is_err()
        );
        // Same claims, right algorithm: accepted (so the refusals above are for the stated reason).
        assert!(
            k.decode(
                &sign(&other_alg, &"a".repeat(40), Algorithm::HS256),
                TokenType::Access
            )
            .is_ok()
        );

        // "alg": "none" with an empty signature.
        let header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"; // {"alg":"none","typ":"JWT"}
        let payload_part = other_alg_payload(&other_alg);
        assert!(
            k.decode(&format!("{header}.{payload_part}."), TokenType::Access)
                .is_err()
        );
        assert!(k.decode("not-a-token", TokenType::Access).is_err());
        assert!(k.decode("", TokenType::Access).is_err());
    }

    fn other_alg_payload(claims: &serde_json::Value) -> String {
        // Reuse a real token's payload segment: sign it and take the middle part.
        let t = sign(claims, "x", Algorithm::HS256);
        t.split('.').nth(1).unwrap().to_owned()
    }
}
