//! Configuration from environment variables: defaults, order, and errors that name the variable.

use std::collections::HashMap;
use std::time::Duration;

use llm::{AiConfig, ConfigError, Generator, ProviderKind::*};

fn load(vars: &[(&str, &str)]) -> Result<AiConfig, ConfigError> {
    let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    AiConfig::from_lookup(|name| vars.get(name).cloned())
}

#[test]
fn no_variables_give_the_documented_defaults_and_builtin_only() {
    let config = load(&[]).unwrap();
    assert_eq!(config.providers, [Builtin]);
    assert_eq!(config.openai.base_url, "https://api.openai.com/v1");
    assert_eq!(config.openai.model, "gpt-4o-mini");
    assert_eq!(config.anthropic.base_url, "https://api.anthropic.com");
    assert_eq!(config.anthropic.model, "claude-sonnet-4-5");
    assert_eq!(config.gemini.base_url, "https://generativelanguage.googleapis.com");
    assert_eq!(config.gemini.model, "gemini-2.5-flash");
    assert_eq!(config.request_timeout, Duration::from_secs(30));
    assert_eq!(config.retries, 2);
    assert_eq!(config.deadline, Duration::from_secs(90));
    assert_eq!(config.max_tokens, 1024);
}

#[test]
fn configured_providers_default_to_anthropic_openai_gemini_order_without_builtin() {
    let config =
        load(&[("GEMINI_API_KEY", "g"), ("OPENAI_API_KEY", "o"), ("ANTHROPIC_API_KEY", "a")]).unwrap();
    assert_eq!(config.providers, [Anthropic, OpenAi, Gemini]);
    assert_eq!(load(&[("GEMINI_API_KEY", "g")]).unwrap().providers, [Gemini]);
}

#[test]
fn openai_base_url_alone_enables_a_keyless_compatible_server() {
    let config =
        load(&[("OPENAI_BASE_URL", "http://localhost:11434/v1"), ("OPENAI_MODEL", "llama3.2")]).unwrap();
    assert_eq!(config.providers, [OpenAi]);
    assert_eq!(config.openai.api_key, None);
    assert_eq!(config.openai.model, "llama3.2");
    Generator::new(&config).unwrap();
}

#[test]
fn explicit_provider_list_sets_the_fallback_order() {
    let config = load(&[
        ("RELATIONHUB_AI_PROVIDERS", " Gemini, openai ,builtin"),
        ("GEMINI_API_KEY", "g"),
        ("ANTHROPIC_API_KEY", "a"),
    ])
    .unwrap();
    assert_eq!(config.providers, [Gemini, OpenAi, Builtin]);
}

#[test]
fn unknown_provider_is_an_error_naming_it() {
    let error = load(&[("RELATIONHUB_AI_PROVIDERS", "openai,mistral")]).unwrap_err();
    assert_eq!(error, ConfigError::UnknownProvider("mistral".into()));
    assert!(error.to_string().contains("RELATIONHUB_AI_PROVIDERS") && error.to_string().contains("mistral"));
}

#[test]
fn a_provider_listed_twice_is_an_error() {
    let error = load(&[("RELATIONHUB_AI_PROVIDERS", "builtin,builtin")]).unwrap_err();
    assert_eq!(error, ConfigError::DuplicateProvider("builtin".into()));
}

#[test]
fn invalid_numbers_are_errors_naming_the_variable() {
    for (variable, value) in [
        ("RELATIONHUB_AI_TIMEOUT_SECS", "fast"),
        ("RELATIONHUB_AI_TIMEOUT_SECS", "0"),
        ("RELATIONHUB_AI_RETRIES", "-1"),
        ("RELATIONHUB_AI_DEADLINE_SECS", "1.5"),
        ("RELATIONHUB_AI_MAX_TOKENS", "lots"),
    ] {
        let error = load(&[(variable, value)]).unwrap_err();
        assert!(matches!(error, ConfigError::InvalidNumber { .. }), "{variable}={value}: {error:?}");
        assert!(error.to_string().starts_with(variable), "{error}");
    }
}

#[test]
fn numeric_variables_override_the_defaults() {
    let config = load(&[
        ("RELATIONHUB_AI_TIMEOUT_SECS", "12"),
        ("RELATIONHUB_AI_RETRIES", "0"),
        ("RELATIONHUB_AI_DEADLINE_SECS", "40"),
        ("RELATIONHUB_AI_MAX_TOKENS", "2048"),
    ])
    .unwrap();
    assert_eq!(config.request_timeout, Duration::from_secs(12));
    assert_eq!(config.retries, 0);
    assert_eq!(config.deadline, Duration::from_secs(40));
    assert_eq!(config.max_tokens, 2048);
}

#[test]
fn listed_provider_without_its_key_is_an_error_naming_the_variable() {
    let error = load(&[("RELATIONHUB_AI_PROVIDERS", "anthropic")]).unwrap_err();
    assert_eq!(error, ConfigError::MissingKey { provider: "anthropic", variable: "ANTHROPIC_API_KEY" });
    let error = load(&[("RELATIONHUB_AI_PROVIDERS", "gemini"), ("GEMINI_API_KEY", "  ")]).unwrap_err();
    assert!(error.to_string().contains("GEMINI_API_KEY"));
    // OpenAI-compatible servers need no key.
    load(&[("RELATIONHUB_AI_PROVIDERS", "openai")]).unwrap();
}

#[test]
fn invalid_base_url_is_an_error_naming_the_variable() {
    let error = load(&[("ANTHROPIC_API_KEY", "a"), ("ANTHROPIC_BASE_URL", "api.anthropic.com")]).unwrap_err();
    assert!(error.to_string().starts_with("ANTHROPIC_BASE_URL"), "{error}");
}

#[test]
fn debug_output_redacts_api_keys() {
    let config = load(&[
        ("OPENAI_API_KEY", "sk-very-secret-openai"),
        ("ANTHROPIC_API_KEY", "sk-ant-very-secret"),
        ("GEMINI_API_KEY", "AIza-very-secret"),
    ])
    .unwrap();
    let debug = format!("{config:?} {config:#?}");
    for key in ["sk-very-secret-openai", "sk-ant-very-secret", "AIza-very-secret"] {
        assert!(!debug.contains(key), "{debug}");
    }
    assert!(debug.contains("[redacted]"));
    assert_eq!(config.anthropic.api_key.as_ref().unwrap().expose(), "sk-ant-very-secret");
}

#[test]
fn generator_new_validates_configurations_built_in_code() {
    let mut config = AiConfig { providers: vec![Gemini], ..AiConfig::default() };
    assert_eq!(
        Generator::new(&config).unwrap_err(),
        ConfigError::MissingKey { provider: "gemini", variable: "GEMINI_API_KEY" }
    );
    config.providers.clear();
    assert_eq!(Generator::new(&config).unwrap_err(), ConfigError::NoProviders);
}
