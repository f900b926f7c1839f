//! bcrypt hashing and verification on a bounded set of blocking threads, so a burst of
//! sign-ins queues here instead of starving page rendering.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{OnceCell, Semaphore};

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed: {0}")]
    Bcrypt(#[from] bcrypt::BcryptError),
    #[error("password hashing task failed: {0}")]
    Task(String),
}

#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    permits: Arc<Semaphore>,
    /// A hash of a random password at the configured cost: verifying against it when
    /// the email is unknown makes both failures take about the same time.
    dummy: Arc<OnceCell<String>>,
}

impl PasswordHasher {
    pub fn new(cost: u32, concurrency: usize) -> Self {
        PasswordHasher {
            cost,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy: Arc::new(OnceCell::new()),
        }
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> Result<T, bcrypt::BcryptError> + Send + 'static,
    ) -> Result<T, HashError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| HashError::Task(e.to_string()))?;
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| HashError::Task(e.to_string()))?
            .map_err(HashError::from)
    }

    pub async fn hash(&self, password: &SecretString) -> Result<String, HashError> {
        let password = password.clone();
        let cost = self.cost;
        self.blocking(move || bcrypt::hash(password.expose_secret(), cost))
            .await
    }

    /// Verify `password` against `hash`, or against the dummy hash when there is no
    /// account (the answer is then always false).
    pub async fn verify(
        &self,
        password: &SecretString,
        hash: Option<String>,
    ) -> Result<bool, HashError> {
        let known = hash.is_some();
        let hash = match hash {
            Some(h) => h,
            None => self.dummy_hash().await?,
        };
        let too_long = password.expose_secret().len() > 72;
        let password = password.clone();
        let ok = self
            .blocking(move || {
                // bcrypt refuses passwords over 72 bytes; treat them as a mismatch but
                // still spend the same time on a comparison.
                let pw = password.expose_secret();
                let pw = if pw.len() > 72 {
                    &pw[..pw.floor_char_boundary(72)]
                } else {
                    pw
                };
                bcrypt::verify(pw, &hash).or(Ok(false))
            })
            .await?;
        Ok(ok && known && !too_long)
    }

    async fn dummy_hash(&self) -> Result<String, HashError> {
        let this = self.clone();
        self.dummy
            .get_or_try_init(|| async move {
                let random = SecretString::from(uuid::Uuid::new_v4().to_string());
                this.hash(&random).await
            })
            .await
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_and_verifies() {
        let h = PasswordHasher::new(4, 2);
        let pw = SecretString::from("correct horse".to_string());
        let hash = h.hash(&pw).await.unwrap();
        assert!(hash.starts_with("$2b$04$"));
        assert!(h.verify(&pw, Some(hash.clone())).await.unwrap());
        let wrong = SecretString::from("wrong horse".to_string());
        assert!(!h.verify(&wrong, Some(hash)).await.unwrap());
        assert!(
            !h.verify(&pw, None).await.unwrap(),
            "unknown account never verifies"
        );
        let long = SecretString::from("x".repeat(100));
        assert!(!h.verify(&long, None).await.unwrap());
    }
}
