//! AI configuration: which providers to try in which order, their keys, base URLs and models, and the
//! time budget. Loaded from environment variables (a public contract, see [`AiConfig::from_lookup`]) or
//! built in code (tests set sub-second durations through the public fields).

use std::fmt;
use std::time::Duration;

/// One of the four provider implementations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProviderKind {
    /// OpenAI Chat Completions, or any OpenAI-compatible server (Ollama, vLLM, LM Studio, OpenRouter).
    OpenAi,
    /// Anthropic Messages API.
    Anthropic,
    /// Google Gemini `generateContent`.
    Gemini,
    /// The offline writer: no network, no key.
    Builtin,
}

impl ProviderKind {
    /// The id used in configuration, attempts, metrics and stored emails.
    pub fn id(self) -> &'static str {
        match self {
            ProviderKind::OpenAi => "openai",
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::Gemini => "gemini",
            ProviderKind::Builtin => "builtin",
        }
    }

    /// Parses an id ("openai", …), ignoring case and surrounding spaces.
    pub fn parse(value: &str) -> Option<ProviderKind> {
        match value.trim().to_ascii_lowercase().as_str() {
            "openai" => Some(ProviderKind::OpenAi),
            "anthropic" => Some(ProviderKind::Anthropic),
            "gemini" => Some(ProviderKind::Gemini),
            "builtin" => Some(ProviderKind::Builtin),
            _ => None,
        }
    }
}

/// An API key. `Debug` and `Display` never show it; read it with [`ApiKey::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> ApiKey {
        ApiKey(key.into())
    }

    /// The key itself, for the request header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

/// Key, endpoint and model of one network provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderSettings {
    /// The API key (optional for OpenAI-compatible local servers).
    pub api_key: Option<ApiKey>,
    /// Base URL without the endpoint path; a trailing slash is tolerated.
    pub base_url: String,
    /// Model name.
    pub model: String,
}

impl ProviderSettings {
    fn new(base_url: &str, model: &str) -> ProviderSettings {
        ProviderSettings { api_key: None, base_url: base_url.to_owned(), model: model.to_owned() }
    }
}

/// Everything the [`crate::Generator`] needs. `Debug` redacts the keys.
#[derive(Debug, Clone, PartialEq)]
pub struct AiConfig {
    /// Providers in fallback order.
    pub providers: Vec<ProviderKind>,
    /// OpenAI or OpenAI-compatible server.
    pub openai: ProviderSettings,
    /// Anthropic.
    pub anthropic: ProviderSettings,
    /// Gemini.
    pub gemini: ProviderSettings,
    /// Time-out of one HTTP request (`RELATIONHUB_AI_TIMEOUT_SECS`, default 30 s).
    pub request_timeout: Duration,
    /// Retries per provider after the first try, for transient failures (`RELATIONHUB_AI_RETRIES`, default 2).
    pub retries: u32,
    /// Budget of one whole `generate` call, all providers and retries included
    /// (`RELATIONHUB_AI_DEADLINE_SECS`, default 90 s).
    pub deadline: Duration,
    /// Base of the exponential backoff with full jitter (default 500 ms; no variable).
    pub backoff_base: Duration,
    /// Upper bound of one backoff sleep when the provider requested no delay (default 10 s; no variable).
    pub backoff_max: Duration,
    /// Output token limit sent to the providers (`RELATIONHUB_AI_MAX_TOKENS`, default 1024).
    pub max_tokens: u32,
    /// Sampling temperature (default 0.7; no variable).
    pub temperature: f32,
}

/// Default base URL of OpenAI.
pub const OPENAI_DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
/// Default base URL of Anthropic.
pub const ANTHROPIC_DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
/// Default base URL of Gemini.
pub const GEMINI_DEFAULT_BASE_URL: &str = "https://generativelanguage.googleapis.com";

impl Default for AiConfig {
    /// Every default, no keys, and only the builtin writer.
    fn default() -> AiConfig {
        AiConfig {
            providers: vec![ProviderKind::Builtin],
            openai: ProviderSettings::new(OPENAI_DEFAULT_BASE_URL, "gpt-4o-mini"),
            anthropic: ProviderSettings::new(ANTHROPIC_DEFAULT_BASE_URL, "claude-sonnet-4-5"),
            gemini: ProviderSettings::new(GEMINI_DEFAULT_BASE_URL, "gemini-2.5-flash"),
            request_timeout: Duration::from_secs(30),
            retries: 2,
            deadline: Duration::from_secs(90),
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(10),
            max_tokens: 1024,
            temperature: 0.7,
        }
    }
}

/// Why a configuration was refused. Every message names the variable to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// `RELATIONHUB_AI_PROVIDERS` lists something that is not a provider.
    #[error(
        "RELATIONHUB_AI_PROVIDERS: unknown provider `{0}` (expected openai, anthropic, gemini or builtin)"
    )]
    UnknownProvider(String),
    /// `RELATIONHUB_AI_PROVIDERS` lists a provider twice.
    #[error("RELATIONHUB_AI_PROVIDERS: provider `{0}` is listed twice")]
    DuplicateProvider(String),
    /// `RELATIONHUB_AI_PROVIDERS` is set but lists nothing.
    #[error("RELATIONHUB_AI_PROVIDERS: no provider listed")]
    NoProviders,
    /// A numeric variable does not hold a valid number.
    #[error("{variable}: `{value}` is not valid ({expected})")]
    InvalidNumber {
        /// The variable's name.
        variable: &'static str,
        /// What it held.
        value: String,
        /// What it should hold.
        expected: &'static str,
    },
    /// A base URL does not parse as an http(s) URL.
    #[error("{variable}: `{value}` is not an http(s) URL")]
    InvalidUrl {
        /// The variable's name.
        variable: &'static str,
        /// What it held.
        value: String,
    },
    /// A listed provider has no key.
    #[error("{provider} is listed as an AI provider but {variable} is not set")]
    MissingKey {
        /// The provider id.
        provider: &'static str,
        /// The variable to set.
        variable: &'static str,
    },
    /// The HTTP client could not be built (TLS set-up).
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(String),
}

impl AiConfig {
    /// Reads the configuration through `get` (a variable name to its value). Blank values count as unset.
    /// There is deliberately no `from_env`: the binary passes its one configuration snapshot, and tests
    /// pass explicit pairs, so an exported key on a developer's machine never reaches a test.
    ///
    /// Variables: `RELATIONHUB_AI_PROVIDERS` (comma list in fallback order; when unset, every configured
    /// provider in the order anthropic, openai, gemini, or `builtin` when none is), `OPENAI_API_KEY`,
    /// `OPENAI_BASE_URL`, `OPENAI_MODEL`, `ANTHROPIC_API_KEY`, `ANTHROPIC_BASE_URL`, `ANTHROPIC_MODEL`,
    /// `GEMINI_API_KEY`, `GEMINI_BASE_URL`, `GEMINI_MODEL`, `RELATIONHUB_AI_TIMEOUT_SECS`,
    /// `RELATIONHUB_AI_RETRIES`, `RELATIONHUB_AI_DEADLINE_SECS`, `RELATIONHUB_AI_MAX_TOKENS`.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<AiConfig, ConfigError> {
        let get = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let mut config = AiConfig::default();
        let sections = [
            (&mut config.openai, "OPENAI"),
            (&mut config.anthropic, "ANTHROPIC"),
            (&mut config.gemini, "GEMINI"),
        ];
        for (settings, prefix) in sections {
            settings.api_key = get(&format!("{prefix}_API_KEY")).map(ApiKey);
            if let Some(url) = get(&format!("{prefix}_BASE_URL")) {
                settings.base_url = url;
            }
            if let Some(model) = get(&format!("{prefix}_MODEL")) {
                settings.model = model;
            }
        }
        config.providers = match get("RELATIONHUB_AI_PROVIDERS") {
            Some(list) => parse_provider_list(&list)?,
            None => {
                let mut found = Vec::new();
                if config.anthropic.api_key.is_some() {
                    found.push(ProviderKind::Anthropic);
                }
                if config.openai.api_key.is_some() || get("OPENAI_BASE_URL").is_some() {
                    found.push(ProviderKind::OpenAi);
                }
                if config.gemini.api_key.is_some() {
                    found.push(ProviderKind::Gemini);
                }
                if found.is_empty() {
                    found.push(ProviderKind::Builtin);
                }
                found
            }
        };
        let secs = |variable: &'static str, default: Duration| match get(variable) {
            None => Ok(default),
            Some(value) => match value.parse::<u64>() {
                Ok(n) if n > 0 => Ok(Duration::from_secs(n)),
                _ => Err(invalid(variable, value, "a whole number of seconds, at least 1")),
            },
        };
        config.request_timeout = secs("RELATIONHUB_AI_TIMEOUT_SECS", config.request_timeout)?;
        config.deadline = secs("RELATIONHUB_AI_DEADLINE_SECS", config.deadline)?;
        if let Some(value) = get("RELATIONHUB_AI_RETRIES") {
            config.retries = match value.parse::<u32>() {
                Ok(n) if n <= 10 => n,
                _ => return Err(invalid("RELATIONHUB_AI_RETRIES", value, "a whole number from 0 to 10")),
            };
        }
        if let Some(value) = get("RELATIONHUB_AI_MAX_TOKENS") {
            config.max_tokens = match value.parse::<u32>() {
                Ok(n) if (1..=1_000_000).contains(&n) => n,
                _ => return Err(invalid("RELATIONHUB_AI_MAX_TOKENS", value, "a whole number, at least 1")),
            };
        }
        config.validate()?;
        Ok(config)
    }

    /// Checks that every listed provider can run: keys present, base URLs valid, list non-empty.
    /// [`crate::Generator::new`] calls this too, so configurations built in code are checked as well.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.providers.is_empty() {
            return Err(ConfigError::NoProviders);
        }
        for (i, kind) in self.providers.iter().enumerate() {
            if self.providers[..i].contains(kind) {
                return Err(ConfigError::DuplicateProvider(kind.id().to_owned()));
            }
            let (settings, key_variable, url_variable) = match kind {
                ProviderKind::OpenAi => (&self.openai, "OPENAI_API_KEY", "OPENAI_BASE_URL"),
                ProviderKind::Anthropic => (&self.anthropic, "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"),
                ProviderKind::Gemini => (&self.gemini, "GEMINI_API_KEY", "GEMINI_BASE_URL"),
                ProviderKind::Builtin => continue,
            };
            // OpenAI-compatible local servers (Ollama, vLLM, LM Studio) need no key.
            if *kind != ProviderKind::OpenAi && settings.api_key.is_none() {
                return Err(ConfigError::MissingKey { provider: kind.id(), variable: key_variable });
            }
            let url_ok = reqwest::Url::parse(&settings.base_url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
            if !url_ok {
                return Err(ConfigError::InvalidUrl {
                    variable: url_variable,
                    value: settings.base_url.clone(),
                });
            }
        }
        Ok(())
    }
}

fn parse_provider_list(list: &str) -> Result<Vec<ProviderKind>, ConfigError> {
    let mut providers = Vec::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let kind = ProviderKind::parse(item).ok_or_else(|| ConfigError::UnknownProvider(item.to_owned()))?;
        providers.push(kind);
    }
    Ok(providers)
}

fn invalid(variable: &'static str, value: String, expected: &'static str) -> ConfigError {
    ConfigError::InvalidNumber { variable, value, expected }
}
