//! Password hashing with argon2id (RustCrypto defaults: m=19 MiB, t=2, p=1), always on the
//! blocking pool so a sign-in storm never stalls the async runtime, and always behind a
//! [`PasswordGate`] so it never runs more than once per core at a time (each check costs 19 MiB
//! and a core for tens of milliseconds).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// Hashing failed (only on resource exhaustion or a panicked worker).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes `password` into a PHC string (`$argon2id$v=19$…`) with a fresh random salt.
pub async fn hash(password: String) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| HashError(e.to_string()))
    })
    .await
    .map_err(|e| HashError(e.to_string()))?
}

/// Checks `password` against a stored PHC hash. Unknown or malformed hashes verify as false.
pub async fn verify(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&stored) else { return false };
        Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
    })
    .await
    .unwrap_or(false)
}

/// A valid hash of a random password, verified against when the account does not exist so an
/// unknown email takes as long as a wrong password (no account enumeration by timing).
pub async fn dummy_hash() -> &'static str {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_init(|| async {
            hash(crate::auth::token::random_secret()).await.unwrap_or_else(|_| "$argon2id$invalid".to_owned())
        })
        .await
}

/// The gate was full: too many password checks are running or waiting.
#[derive(Debug, thiserror::Error)]
#[error("too many password checks in progress")]
pub struct Busy;

/// Bounds argon2 work: at most `workers` hashes run at once, on a fixed pool of `workers`
/// threads, at most `waiting` more wait for a turn, and anything beyond is turned away at once
/// ([`Busy`], which callers answer with RATE_LIMITED) instead of queueing without bound.
///
/// Why threads of its own rather than the blocking pool: each hash allocates 19 MiB, and the
/// allocator keeps such blocks in a per-thread arena after the first frees. Spread over the
/// blocking pool's many threads that grew the process by hundreds of MiB under a sign-in storm
/// (measured: 480 MiB at 32 clients); on a fixed pool it stays at `workers` × 19 MiB.
#[derive(Debug)]
pub struct PasswordGate {
    admitted: tokio::sync::Semaphore,
    jobs: std::sync::mpsc::Sender<Job>,
}

type Job = Box<dyn FnOnce() + Send>;

impl PasswordGate {
    /// A gate with `workers` hashing threads and `waiting` queued requests.
    pub fn new(workers: usize, waiting: usize) -> Self {
        let workers = workers.max(1);
        let (jobs, rx) = std::sync::mpsc::channel::<Job>();
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        for i in 0..workers {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new().name(format!("argon2-{i}")).spawn(move || {
                loop {
                    // The lock is held only to take the next job, never while hashing.
                    let job = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(poisoned) => poisoned.into_inner().recv(),
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => break, // the gate was dropped
                    }
                }
            });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a password hashing thread");
            }
        }
        Self { admitted: tokio::sync::Semaphore::new(workers + waiting), jobs }
    }

    /// One worker per CPU core and four waiting per core.
    pub fn for_cores() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        Self::new(cores, cores * 4)
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, Busy> {
        let _admitted = self.admitted.try_acquire().map_err(|_| Busy)?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            metrics::counter!("relationhub_password_checks_total").increment(1);
            let _ = tx.send(work());
        });
        self.jobs.send(job).map_err(|_| Busy)?;
        rx.await.map_err(|_| Busy)
    }

    /// Hashes `password` (as [`hash`]) on the gate's threads.
    pub async fn hash(&self, password: String) -> Result<Result<String, HashError>, Busy> {
        self.run(move || {
            Argon2::default()
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| HashError(e.to_string()))
        })
        .await
    }

    /// Checks `password` against a stored PHC hash (as [`verify`]) on the gate's threads.
    pub async fn verify(&self, password: String, stored: String) -> Result<bool, Busy> {
        self.run(move || {
            let Ok(parsed) = PasswordHash::new(&stored) else { return false };
            Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn hashes_verify_only_the_right_password() {
        let h = super::hash("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify("correct horse battery".into(), h.clone()).await);
        assert!(!super::verify("wrong".into(), h).await);
        assert!(!super::verify("x".into(), "not a hash".into()).await);
    }

    #[tokio::test]
    async fn the_gate_turns_away_what_it_cannot_queue() {
        let gate = std::sync::Arc::new(super::PasswordGate::new(1, 1));
        let h = super::hash("correct horse battery".into()).await.unwrap();
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let (gate, h) = (gate.clone(), h.clone());
                tokio::spawn(async move { gate.verify("correct horse battery".into(), h).await })
            })
            .collect();
        let mut ok = 0;
        let mut busy = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(true) => ok += 1,
                Ok(false) => panic!("the right password failed"),
                Err(super::Busy) => busy += 1,
            }
        }
        assert!(ok >= 1 && busy >= 1 && ok + busy == 6, "ok {ok} busy {busy}");
    }
}
