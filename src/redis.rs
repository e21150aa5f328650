//! A Redis server to share state with other processes (feature `redis`): the
//! de-duplication store of replicated receivers
//! ([`RedisDedupStore`](crate::callback::RedisDedupStore)) and the pacing of
//! several sender workers ([`Pacing::on_redis`](crate::Pacing::on_redis)).
//!
//! One server, addressed by URL: `redis://[user:password@]host[:port][/db]`, or
//! `rediss://…` for TLS (the system's roots, or
//! [`RedisConfig::root_certificate`] for a private CA; TLS needs the
//! `tls-aws-lc` or `tls-ring` feature). Connections are made
//! lazily and remade after a failure; each command times out after 2 s, so a
//! Redis that is down is an error to handle, not a hang. Cluster and Sentinel
//! deployments are not supported (the `redis` crate has them, behind other
//! connection types this crate does not wire).

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Where the shared state lives.
///
/// ```
/// use modica_wab::redis::RedisConfig;
/// let redis = RedisConfig::new("redis://:s3cret@127.0.0.1:6379/0")?;
/// assert_eq!(format!("{redis:?}"), "RedisConfig(\"redis://:***@127.0.0.1:6379/0\")");
/// # Ok::<(), modica_wab::Error>(())
/// ```
#[derive(Clone)]
pub struct RedisConfig {
    url: String,
    root_certificate: Option<Arc<Vec<u8>>>,
}

impl RedisConfig {
    /// A server by URL (`redis://` or `rediss://`). The URL is checked now; no
    /// connection is made until the first command.
    pub fn new(url: &str) -> Result<Self, crate::error::Error> {
        let config = Self {
            url: url.to_owned(),
            root_certificate: None,
        };
        config.client()?;
        Ok(config)
    }

    /// Trusts the CA whose certificate this is (PEM) for `rediss://`, instead
    /// of the system's roots.
    pub fn root_certificate(
        mut self,
        pem: impl Into<Vec<u8>>,
    ) -> Result<Self, crate::error::Error> {
        self.root_certificate = Some(Arc::new(pem.into()));
        self.client()?;
        Ok(self)
    }

    /// The `redis` crate's client for this server.
    fn client(&self) -> Result<redis::Client, crate::error::Error> {
        let shown = crate::credentials::redact(&self.url);
        let invalid = |e: redis::RedisError| {
            crate::error::Error::Config(format!("Redis URL {shown}: {:?}", e.kind()))
        };
        if !(self.url.starts_with("redis://") || self.url.starts_with("rediss://")) {
            return Err(crate::error::Error::Config(format!(
                "Redis URL {shown}: must start with redis:// or rediss://"
            )));
        }
        match &self.root_certificate {
            None => redis::Client::open(self.url.as_str()).map_err(invalid),
            Some(pem) => redis::Client::build_with_tls(
                self.url.as_str(),
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(pem.to_vec()),
                },
            )
            .map_err(invalid),
        }
    }

    /// A connection that connects on first use and reconnects after a
    /// failure; every command fails after 2 s rather than hang.
    pub(crate) fn connection(&self) -> Result<ConnectionManager, crate::error::Error> {
        // rustls needs a process-wide crypto provider for rediss://; keep one
        // the application installed.
        #[cfg(any(feature = "tls-aws-lc", feature = "tls-ring"))]
        install_crypto_provider();
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        ConnectionManager::new_lazy_with_config(self.client()?, config).map_err(|e| {
            crate::error::Error::Config(format!(
                "Redis {}: {:?}",
                crate::credentials::redact(&self.url),
                e.kind()
            ))
        })
    }
}

/// A Redis failure as a store error: its kind and detail, never the URL.
pub(crate) fn store_error(e: redis::RedisError) -> crate::store::StoreError {
    crate::store::StoreError::new(format!(
        "Redis: {:?}: {}",
        e.kind(),
        e.detail().unwrap_or("")
    ))
}

#[cfg(any(feature = "tls-aws-lc", feature = "tls-ring"))]
fn install_crypto_provider() {
    #[cfg(feature = "tls-aws-lc")]
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    #[cfg(all(feature = "tls-ring", not(feature = "tls-aws-lc")))]
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl fmt::Debug for RedisConfig {
    /// The URL with its password masked.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RedisConfig")
            .field(&crate::credentials::redact(&self.url))
            .finish()
    }
}

impl PartialEq for RedisConfig {
    fn eq(&self, other: &Self) -> bool {
        self.url == other.url && self.root_certificate == other.root_certificate
    }
}

impl Eq for RedisConfig {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_never_shown_with_their_password() {
        assert!(RedisConfig::new("redis://127.0.0.1:6379").is_ok());
        assert!(RedisConfig::new("rediss://user:pw@redis.example.com:6380/2").is_ok());
        for bad in ["http://127.0.0.1:6379", "redis//x", "127.0.0.1:6379"] {
            let err = RedisConfig::new(bad).unwrap_err();
            assert!(
                matches!(err, crate::error::Error::Config(_)),
                "{bad}: {err}"
            );
        }
        let err = RedisConfig::new("http://user:hunter2@x").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        let shown = format!(
            "{:?}",
            RedisConfig::new("redis://user:hunter2@x:1/0").unwrap()
        );
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
