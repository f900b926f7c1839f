//! bcrypt hashing and verification on a few dedicated threads of their own, at a lower
//! scheduling priority (10 nicer than the server on Linux): a burst of sign-ins queues here, and while
//! bcrypt runs, the threads serving pages and the API are preferred by the kernel, so a
//! login storm cannot starve page rendering.

use std::sync::{Arc, Mutex, mpsc};

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{OnceCell, Semaphore};

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed: {0}")]
    Bcrypt(#[from] bcrypt::BcryptError),
    #[error("password hashing task failed: {0}")]
    Task(String),
}

/// How much nicer the bcrypt threads are than the server's own (0 is normal, 19 the
/// lowest priority): 10 below a server at nice 0, and never above 19.
pub const BCRYPT_NICE: i32 = 10;

/// The nice value a bcrypt thread gets when the server runs at `base`.
pub fn bcrypt_nice(base: i32) -> i32 {
    (base + BCRYPT_NICE).min(19)
}

type Job = Box<dyn FnOnce() + Send>;

/// `threads` long-lived threads taking jobs from one queue, each [`BCRYPT_NICE`] nicer
/// than the thread that started them.
struct LowPriorityPool {
    jobs: Mutex<mpsc::Sender<Job>>,
}

impl LowPriorityPool {
    fn new(threads: usize) -> Self {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads {
            let rx = rx.clone();
            // A thread that cannot start leaves fewer workers; with none at all the
            // receiver is gone and every hash fails with `HashError::Task`, never hangs.
            let started = std::thread::Builder::new()
                .name(format!("bcrypt-{i}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        let job = match rx.lock().unwrap_or_else(|e| e.into_inner()).recv() {
                            Ok(job) => job,
                            Err(_) => return, // the hasher is gone
                        };
                        job();
                    }
                });
            if let Err(e) = started {
                tracing::error!(error = %e, "could not start a bcrypt thread");
            }
        }
        LowPriorityPool {
            jobs: Mutex::new(tx),
        }
    }

    fn submit(&self, job: Job) -> Result<(), HashError> {
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(job)
            .map_err(|_| HashError::Task("the bcrypt threads have stopped".into()))
    }
}

/// Lower the calling thread's scheduling priority (Linux applies nice per thread).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: getpriority and setpriority only read their integer arguments; gettid
    // cannot fail. A new thread starts at its creator's nice value.
    unsafe {
        let tid = libc::gettid();
        let base = libc::getpriority(libc::PRIO_PROCESS, tid as libc::id_t);
        if libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, bcrypt_nice(base)) != 0 {
            tracing::debug!("could not lower the bcrypt thread's priority");
        }
    }
}

#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    permits: Arc<Semaphore>,
    pool: Arc<LowPriorityPool>,
    /// A hash of a random password at the configured cost: verifying against it when
    /// the email is unknown makes both failures take about the same time.
    dummy: Arc<OnceCell<String>>,
}

impl PasswordHasher {
    pub fn new(cost: u32, concurrency: usize) -> Self {
        PasswordHasher {
            cost,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            pool: Arc::new(LowPriorityPool::new(concurrency.max(1))),
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
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.pool.submit(Box::new(move || {
            let _ = tx.send(f());
        }))?;
        rx.await
            .map_err(|_| HashError::Task("a bcrypt job was dropped".into()))?
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

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn bcrypt_runs_on_its_own_lower_priority_threads() {
        // SAFETY: plain syscalls on the current thread.
        let before = unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) };
        let h = PasswordHasher::new(4, 1);
        let seen = h
            .blocking(|| {
                let name = std::thread::current().name().map(str::to_owned);
                // SAFETY: plain syscalls on the current thread.
                let nice =
                    unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) };
                Ok((name, nice))
            })
            .await
            .unwrap();
        // 10 nicer than the server (which may itself run under `nice`, as CI does).
        assert_eq!(seen, (Some("bcrypt-0".to_owned()), bcrypt_nice(before)));
        assert!(
            before >= 9 || seen.1 == before + 10,
            "{before} -> {}",
            seen.1
        );
        // The caller's own thread keeps its priority.
        let mine = unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) };
        assert_eq!(mine, before);
    }
}
