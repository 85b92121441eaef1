//! Configuration: one typed struct, loaded once at start-up from defaults, then an optional
//! TOML file, then the environment (a `.env` file counts as environment), then CLI flags.
//!
//! Every setting has a single name, used both as the environment variable and as the key in the
//! config file (`relationhub.toml`, or the file named by `RELATIONHUB_CONFIG` / `--config`), e.g.
//! `DATABASE_URL = "postgres://…"`. Secrets are redacted in `Debug`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use store::DatabaseUrl;

/// Where the process runs; production refuses destructive commands and hides GraphiQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// The default.
    Development,
    /// `RELATIONHUB_ENV=production`.
    Production,
}

/// A bad setting, named.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(pub String);

/// Raw settings, snapshotted once: the process environment wins over `.env`, which wins over the
/// config file. After [`Settings::load`] nothing reads the process environment again, so a test
/// built with [`Settings::from_pairs`] never sees the developer's exported variables.
#[derive(Clone, Default)]
pub struct Settings {
    values: BTreeMap<String, String>,
}

impl std::fmt::Debug for Settings {
    /// Names only: the snapshot holds the whole environment, API keys and passwords included.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings").field("names", &self.values.keys().collect::<Vec<_>>()).finish()
    }
}

impl Settings {
    /// Snapshots the process environment, `.env` (found like `dotenvy` does, read without touching
    /// the process environment) and the config file (`config_file`, else `RELATIONHUB_CONFIG`, else
    /// `./relationhub.toml` when present) into one map.
    pub fn load(config_file: Option<&Path>) -> Result<Self, ConfigError> {
        let env: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let dotenv = read_dotenv()?;
        Self::layered(env, dotenv, config_file)
    }

    /// The snapshot from explicit layers (`load` without the process): `env` over `dotenv` over the
    /// file. `RELATIONHUB_CONFIG` is looked up in the first two layers.
    fn layered(
        env: BTreeMap<String, String>,
        dotenv: BTreeMap<String, String>,
        config_file: Option<&Path>,
    ) -> Result<Self, ConfigError> {
        let explicit = config_file.map(Path::to_path_buf).or_else(|| {
            env.get("RELATIONHUB_CONFIG").or_else(|| dotenv.get("RELATIONHUB_CONFIG")).map(PathBuf::from)
        });
        let path = explicit.clone().unwrap_or_else(|| PathBuf::from("relationhub.toml"));
        let mut values = match std::fs::read_to_string(&path) {
            Ok(text) => parse_file(&path, &text)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => BTreeMap::new(),
            Err(e) => return Err(ConfigError(format!("cannot read config file {}: {e}", path.display()))),
        };
        values.extend(dotenv);
        values.extend(env);
        Ok(Self { values })
    }

    /// Settings from explicit pairs only (tests, tools): no environment, no `.env`, no file.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self { values: pairs.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect() }
    }

    /// The value of a setting from the snapshot; empty counts as unset.
    pub fn get(&self, name: &str) -> Option<String> {
        self.values.get(name).filter(|v| !v.trim().is_empty()).cloned()
    }

    /// A number setting, or its default.
    pub fn number<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, ConfigError> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => {
                v.trim().parse().map_err(|_| ConfigError(format!("{name}={v:?} is not a valid number")))
            }
        }
    }
}

/// The `.env` file's pairs, or nothing when there is none. A file that exists but does not parse
/// is an error (it used to be ignored silently, which hid typos in secrets).
fn read_dotenv() -> Result<BTreeMap<String, String>, ConfigError> {
    let iter = match dotenvy::dotenv_iter() {
        Ok(iter) => iter,
        Err(e) if e.not_found() => return Ok(BTreeMap::new()),
        Err(e) => return Err(ConfigError(format!(".env: {e}"))),
    };
    iter.map(|item| item.map_err(|e| ConfigError(format!(".env: {e}")))).collect()
}

fn parse_file(path: &Path, text: &str) -> Result<BTreeMap<String, String>, ConfigError> {
    let table: toml::Table =
        toml::from_str(text).map_err(|e| ConfigError(format!("config file {}: {e}", path.display())))?;
    let mut out = BTreeMap::new();
    for (k, v) in table {
        let v = match v {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                return Err(ConfigError(format!(
                    "config file {}: {k} must be a string, number or boolean (got {})",
                    path.display(),
                    other.type_str()
                )));
            }
        };
        out.insert(k, v);
    }
    Ok(out)
}

/// Everything the process needs to know, validated.
#[derive(Clone)]
pub struct Config {
    /// Raw settings (for sub-systems that read their own, like AI providers).
    pub settings: Settings,
    /// The database.
    pub database_url: DatabaseUrl,
    /// True when no URL was given and the embedded SQLite default is used.
    pub embedded_default: bool,
    /// Data directory (default `./data`): the embedded database, the outbox.
    pub data_dir: PathBuf,
    /// Development or production.
    pub environment: Environment,
    /// HTTP listen address (default `127.0.0.1:4000`).
    pub bind: SocketAddr,
    /// Whether `signUp` is open (`RELATIONHUB_REGISTRATION=closed` closes it).
    pub registration_open: bool,
    /// Origins allowed by CORS (`RELATIONHUB_CORS_ORIGINS`, comma separated; empty = none).
    pub cors_origins: Vec<String>,
    /// Lifetime of a session token from `signIn`/`signUp`.
    pub session_ttl: Duration,
    /// Per-request time limit.
    pub request_timeout: Duration,
    /// Database pool size (default [`default_pool_size`]).
    pub max_connections: u32,
    /// How long a bearer-token lookup may be answered from memory (`RELATIONHUB_TOKEN_CACHE_SECS`,
    /// default 5, at most 300; 0 turns the cache off). Revocations still take effect at once,
    /// in every process (see `store::token_cache`).
    pub token_cache_ttl: Duration,
    /// AI providers, order, timeouts and retries.
    pub ai: llm::AiConfig,
    /// Generations (`generateEmail`, `polishEmail`) allowed per user per minute.
    pub ai_rate_per_minute: u32,
    /// Mail transport (SMTP or the outbox directory), tracking and the scheduler's knobs.
    pub delivery: delivery::DeliveryConfig,
    /// Reverse proxies whose `X-Forwarded-For` is believed (`RELATIONHUB_TRUSTED_PROXIES`, CIDR
    /// list; empty = none, the TCP peer is the client).
    pub trusted_proxies: Vec<crate::http::client_ip::Cidr>,
    /// Whether `/metrics` is served (`RELATIONHUB_METRICS=on|off`; on in development, off in
    /// production unless turned on).
    pub metrics_enabled: bool,
    /// When set, `/metrics` answers only requests bearing this token (`RELATIONHUB_METRICS_TOKEN`).
    pub metrics_token: Option<String>,
    /// Whether `__schema` / `__type` are answered (`RELATIONHUB_INTROSPECTION=off` refuses them).
    pub introspection: bool,
    /// Largest serialised GraphQL response (`RELATIONHUB_MAX_RESPONSE_BYTES`, default 8 MiB).
    pub max_response_bytes: usize,
    /// `sendEmail` + `scheduleEmail` calls allowed per user per hour
    /// (`RELATIONHUB_SEND_LIMIT_PER_HOUR`, default 100).
    pub send_limit_per_hour: u32,
    /// Mailbox sync: poll interval, days of the first import, IDLE.
    pub inbound: crate::app::inbound::settings::InboundConfig,
    /// Whether webhooks may reach private, loopback and link-local addresses
    /// (`RELATIONHUB_WEBHOOK_ALLOW_PRIVATE=on`; off by default).
    pub webhook_allow_private: bool,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &self.database_url) // Display of DatabaseUrl redacts the password
            .field("embedded_default", &self.embedded_default)
            .field("data_dir", &self.data_dir)
            .field("environment", &self.environment)
            .field("bind", &self.bind)
            .field("registration_open", &self.registration_open)
            .field("cors_origins", &self.cors_origins)
            .field("ai", &self.ai)
            .field("delivery", &self.delivery)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("metrics_enabled", &self.metrics_enabled)
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "<redacted>"))
            .field("introspection", &self.introspection)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("webhook_allow_private", &self.webhook_allow_private)
            .finish_non_exhaustive()
    }
}

/// Overrides given on the command line (they win over everything).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--database-url`.
    pub database_url: Option<String>,
    /// `--data-dir`.
    pub data_dir: Option<PathBuf>,
    /// `--bind`.
    pub bind: Option<String>,
}

impl Config {
    /// Builds and validates the configuration.
    pub fn from_settings(settings: Settings, overrides: &Overrides) -> Result<Config, ConfigError> {
        let data_dir = overrides
            .data_dir
            .clone()
            .or_else(|| settings.get("RELATIONHUB_DATA_DIR").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("data"));
        let raw_url = overrides.database_url.clone().or_else(|| settings.get("DATABASE_URL"));
        let (database_url, embedded_default) = match raw_url {
            Some(raw) => (raw.parse::<DatabaseUrl>().map_err(|e| ConfigError(e.to_string()))?, false),
            None => (DatabaseUrl::embedded_default(&data_dir), true),
        };
        let environment =
            match settings.get("RELATIONHUB_ENV").as_deref().map(str::to_ascii_lowercase).as_deref() {
                None | Some("development") | Some("dev") | Some("test") => Environment::Development,
                Some("production") | Some("prod") => Environment::Production,
                Some(other) => {
                    return Err(ConfigError(format!(
                        "RELATIONHUB_ENV={other:?}: expected development or production"
                    )));
                }
            };
        let bind_raw = overrides
            .bind
            .clone()
            .or_else(|| settings.get("RELATIONHUB_BIND"))
            .unwrap_or_else(|| "127.0.0.1:4000".into());
        let bind = bind_raw.parse::<SocketAddr>().map_err(|_| {
            ConfigError(format!("RELATIONHUB_BIND={bind_raw:?} is not an address like 127.0.0.1:4000"))
        })?;
        let registration_open = match settings.get("RELATIONHUB_REGISTRATION").as_deref() {
            None | Some("open") => true,
            Some("closed") => false,
            Some(other) => {
                return Err(ConfigError(format!(
                    "RELATIONHUB_REGISTRATION={other:?}: expected open or closed"
                )));
            }
        };
        let cors_origins = settings
            .get("RELATIONHUB_CORS_ORIGINS")
            .map(|v| v.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        let session_ttl =
            Duration::from_secs(settings.number("RELATIONHUB_SESSION_TTL_HOURS", 24u64 * 30)? * 3600);
        let request_timeout =
            Duration::from_secs(settings.number("RELATIONHUB_REQUEST_TIMEOUT_SECS", 30u64)?);
        let max_connections = settings.number("RELATIONHUB_DB_MAX_CONNECTIONS", default_pool_size())?;
        if max_connections == 0 {
            return Err(ConfigError("RELATIONHUB_DB_MAX_CONNECTIONS must be at least 1".into()));
        }
        let token_cache_secs =
            settings.number("RELATIONHUB_TOKEN_CACHE_SECS", store::db::DEFAULT_TOKEN_CACHE_TTL.as_secs())?;
        if token_cache_secs > MAX_TOKEN_CACHE_SECS {
            return Err(ConfigError(format!(
                "RELATIONHUB_TOKEN_CACHE_SECS={token_cache_secs} is too long: at most {MAX_TOKEN_CACHE_SECS} (0 turns the cache off)"
            )));
        }
        let token_cache_ttl = Duration::from_secs(token_cache_secs);
        let ai = llm::AiConfig::from_lookup(|k| settings.get(k)).map_err(|e| ConfigError(e.to_string()))?;
        let ai_rate_per_minute = settings.number("RELATIONHUB_AI_RATE_LIMIT_PER_MINUTE", 10u32)?;
        if ai_rate_per_minute == 0 {
            return Err(ConfigError("RELATIONHUB_AI_RATE_LIMIT_PER_MINUTE must be at least 1".into()));
        }
        let delivery = delivery::DeliveryConfig::from_lookup(|k| settings.get(k), &data_dir)
            .map_err(|e| ConfigError(e.to_string()))?;
        let trusted_proxies = match settings.get("RELATIONHUB_TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| {
                    crate::http::client_ip::Cidr::parse(s)
                        .map_err(|e| ConfigError(format!("RELATIONHUB_TRUSTED_PROXIES: {e}")))
                })
                .collect::<Result<_, _>>()?,
        };
        let metrics_enabled =
            match settings.get("RELATIONHUB_METRICS").as_deref().map(str::to_ascii_lowercase) {
                None => environment == Environment::Development,
                Some(v) if matches!(v.as_str(), "on" | "true" | "1" | "yes") => true,
                Some(v) if matches!(v.as_str(), "off" | "false" | "0" | "no") => false,
                Some(other) => {
                    return Err(ConfigError(format!("RELATIONHUB_METRICS={other:?}: expected on or off")));
                }
            };
        let metrics_token = settings.get("RELATIONHUB_METRICS_TOKEN");
        let introspection = match settings.get("RELATIONHUB_INTROSPECTION").as_deref().map(str::trim) {
            None | Some("on") => true,
            Some("off") => false,
            Some(other) => {
                return Err(ConfigError(format!("RELATIONHUB_INTROSPECTION={other:?}: expected on or off")));
            }
        };
        let max_response_bytes = settings.number("RELATIONHUB_MAX_RESPONSE_BYTES", 8 * 1024 * 1024usize)?;
        if max_response_bytes == 0 {
            return Err(ConfigError("RELATIONHUB_MAX_RESPONSE_BYTES must be at least 1".into()));
        }
        let send_limit_per_hour = settings.number("RELATIONHUB_SEND_LIMIT_PER_HOUR", 100u32)?;
        if send_limit_per_hour == 0 {
            return Err(ConfigError("RELATIONHUB_SEND_LIMIT_PER_HOUR must be at least 1".into()));
        }
        let webhook_allow_private =
            match settings.get("RELATIONHUB_WEBHOOK_ALLOW_PRIVATE").as_deref().map(str::trim) {
                None | Some("off") => false,
                Some("on") => true,
                Some(other) => {
                    return Err(ConfigError(format!(
                        "RELATIONHUB_WEBHOOK_ALLOW_PRIVATE={other:?}: expected on or off"
                    )));
                }
            };
        let inbound = crate::app::inbound::settings::InboundConfig::from_settings(&settings)?;
        Ok(Config {
            inbound,
            webhook_allow_private,
            trusted_proxies,
            metrics_enabled,
            metrics_token,
            introspection,
            max_response_bytes,
            delivery,
            send_limit_per_hour,
            ai,
            ai_rate_per_minute,
            settings,
            database_url,
            embedded_default,
            data_dir,
            environment,
            bind,
            registration_open,
            cors_origins,
            session_ttl,
            request_timeout,
            max_connections,
            token_cache_ttl,
        })
    }

    /// True in production.
    pub fn is_production(&self) -> bool {
        self.environment == Environment::Production
    }
}

/// Longest token-cache lifetime accepted: the cache bounds how stale a cached account may get,
/// so it must stay short.
pub const MAX_TOKEN_CACHE_SECS: u64 = 300;

/// The pool size when none is configured: twice the CPU cores, between 4 and 16. A database
/// serves best with about two active connections per core; more only add context switches
/// (measured in docs/BENCHMARKS.md: on 2 cores a pool of 4 answered 17 % more requests at
/// concurrency 32 than a pool of 16). The server's cores stand in for the database's, which is
/// right for the common self-hosted case of both on one machine; set
/// `RELATIONHUB_DB_MAX_CONNECTIONS` for a larger dedicated database server.
pub fn default_pool_size() -> u32 {
    let cores =
        std::thread::available_parallelism().map_or(2, |n| u32::try_from(n.get()).unwrap_or(u32::MAX));
    cores.saturating_mul(2).clamp(4, 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_use_the_embedded_database_on_port_4000() {
        let c = Config::from_settings(Settings::default(), &Overrides::default()).unwrap();
        assert!(c.embedded_default);
        assert_eq!(c.database_url.to_string(), "sqlite://data/relationhub.db");
        assert_eq!(c.bind.to_string(), "127.0.0.1:4000");
        assert!(c.registration_open);
    }

    #[test]
    fn the_pool_defaults_to_twice_the_cores_within_bounds() {
        let c = Config::from_settings(Settings::from_pairs([]), &Overrides::default()).unwrap();
        let cores = std::thread::available_parallelism().unwrap().get() as u32;
        assert_eq!(c.max_connections, (cores * 2).clamp(4, 16));
        let s = Settings::from_pairs([("RELATIONHUB_DB_MAX_CONNECTIONS", "7")]);
        assert_eq!(Config::from_settings(s, &Overrides::default()).unwrap().max_connections, 7);
    }

    #[test]
    fn metrics_default_on_in_development_and_off_in_production() {
        let dev = Config::from_settings(Settings::from_pairs([]), &Overrides::default()).unwrap();
        assert!(dev.metrics_enabled && dev.metrics_token.is_none());
        let prod = Settings::from_pairs([("RELATIONHUB_ENV", "production")]);
        assert!(!Config::from_settings(prod, &Overrides::default()).unwrap().metrics_enabled);
        let on = Settings::from_pairs([("RELATIONHUB_ENV", "production"), ("RELATIONHUB_METRICS", "on")]);
        assert!(Config::from_settings(on, &Overrides::default()).unwrap().metrics_enabled);
        let bad = Settings::from_pairs([("RELATIONHUB_METRICS", "maybe")]);
        assert!(Config::from_settings(bad, &Overrides::default()).is_err());
    }

    #[test]
    fn trusted_proxies_are_a_cidr_list() {
        let s = Settings::from_pairs([("RELATIONHUB_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8,::1")]);
        assert_eq!(Config::from_settings(s, &Overrides::default()).unwrap().trusted_proxies.len(), 3);
        let s = Settings::from_pairs([("RELATIONHUB_TRUSTED_PROXIES", "10.0.0.0/99")]);
        let err = Config::from_settings(s, &Overrides::default()).unwrap_err().to_string();
        assert!(err.contains("RELATIONHUB_TRUSTED_PROXIES"), "{err}");
    }

    #[test]
    fn bad_values_are_refused_with_their_name() {
        let s = Settings::from_pairs([("RELATIONHUB_BIND", "nope")]);
        assert!(
            Config::from_settings(s, &Overrides::default())
                .unwrap_err()
                .to_string()
                .contains("RELATIONHUB_BIND")
        );
        let s = Settings::from_pairs([("DATABASE_URL", "mysql://x/y")]);
        assert!(Config::from_settings(s, &Overrides::default()).unwrap_err().to_string().contains("mysql"));
        let s = Settings::from_pairs([("RELATIONHUB_DB_MAX_CONNECTIONS", "many")]);
        assert!(Config::from_settings(s, &Overrides::default()).is_err());
    }

    #[test]
    fn explicit_settings_never_see_the_process_environment() {
        // PATH is set in every environment that runs tests; `from_pairs` must not see it.
        assert!(std::env::var_os("PATH").is_some());
        assert_eq!(Settings::from_pairs([]).get("PATH"), None);
        assert_eq!(Settings::default().get("PATH"), None);
    }

    #[test]
    fn debug_shows_names_never_values() {
        let shown = format!("{:?}", Settings::from_pairs([("ANTHROPIC_API_KEY", "sk-ant-secret")]));
        assert!(shown.contains("ANTHROPIC_API_KEY") && !shown.contains("sk-ant-secret"), "{shown}");
    }

    #[test]
    fn the_environment_wins_over_dotenv_which_wins_over_the_file() {
        let dir = std::env::temp_dir().join(format!("rh-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("relationhub.toml");
        std::fs::write(&file, "A = \"file\"\nB = \"file\"\nC = \"file\"\n").unwrap();
        let map =
            |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let s =
            Settings::layered(map(&[("A", "env")]), map(&[("A", "dotenv"), ("B", "dotenv")]), Some(&file))
                .unwrap();
        assert_eq!(s.get("A").as_deref(), Some("env"));
        assert_eq!(s.get("B").as_deref(), Some("dotenv"));
        assert_eq!(s.get("C").as_deref(), Some("file"));
        // RELATIONHUB_CONFIG from `.env` names the file; a named file that is missing is an error.
        let s =
            Settings::layered(BTreeMap::new(), map(&[("RELATIONHUB_CONFIG", file.to_str().unwrap())]), None)
                .unwrap();
        assert_eq!(s.get("C").as_deref(), Some("file"));
        assert!(
            Settings::layered(BTreeMap::new(), BTreeMap::new(), Some(&dir.join("missing.toml"))).is_err()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_file_supplies_values_the_environment_does_not() {
        let file =
            parse_file(Path::new("x.toml"), "RELATIONHUB_REGISTRATION = \"closed\"\nPORT = 1\n").unwrap();
        let s = Settings { values: file };
        assert_eq!(s.get("RELATIONHUB_REGISTRATION").as_deref(), Some("closed"));
        assert_eq!(s.get("PORT").as_deref(), Some("1"));
        assert!(parse_file(Path::new("x.toml"), "A = [1]").is_err());
    }

    #[test]
    fn introspection_and_the_response_cap_are_configurable() {
        let c = Config::from_settings(Settings::from_pairs([]), &Overrides::default()).unwrap();
        assert!(c.introspection);
        assert_eq!(c.max_response_bytes, 8 * 1024 * 1024);
        let s = Settings::from_pairs([
            ("RELATIONHUB_INTROSPECTION", "off"),
            ("RELATIONHUB_MAX_RESPONSE_BYTES", "4096"),
        ]);
        let c = Config::from_settings(s, &Overrides::default()).unwrap();
        assert!(!c.introspection);
        assert_eq!(c.max_response_bytes, 4096);
        for (k, v) in [("RELATIONHUB_INTROSPECTION", "maybe"), ("RELATIONHUB_MAX_RESPONSE_BYTES", "0")] {
            let err =
                Config::from_settings(Settings::from_pairs([(k, v)]), &Overrides::default()).unwrap_err();
            assert!(err.to_string().contains(k), "{err}");
        }
    }
}
