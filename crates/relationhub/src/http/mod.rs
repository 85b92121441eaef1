//! HTTP: the router, its middleware and `Application`, which binds its own listener so tests
//! can run servers on port 0.

pub mod auth;
pub mod client_ip;
pub mod graphql;
pub mod health;
pub mod metrics;
pub mod serve;
pub mod tracking;

use crate::config::Config;
use crate::graphql::{AppSchema, AppState, build_schema};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::serve::ListenerExt as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use store::Store;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Largest request body accepted (1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Largest body of an import: a 10 MB file plus its encoding (JSON string escapes, multipart
/// framing). Only `POST /graphql` and the web app's import routes read this much, and
/// `/graphql` only for a request whose one root field is `importContacts`.
pub const MAX_IMPORT_BODY_BYTES: usize = 24 * 1024 * 1024;

/// What every handler shares. Handlers receive it by value (axum's `State`), so it is one
/// `Arc`: cloning the state itself per request touched a dozen reference counts.
#[derive(Clone)]
pub struct Shared(Arc<SharedParts>);

/// The parts of [`Shared`].
pub struct SharedParts {
    /// The schema (carries [`AppState`] as data).
    pub schema: AppSchema,
    /// Application state.
    pub state: AppState,
    /// Prometheus handle for `/metrics`.
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
}

impl std::ops::Deref for Shared {
    type Target = SharedParts;

    fn deref(&self) -> &SharedParts {
        &self.0
    }
}

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    router: Router,
    shared: Shared,
}

impl Application {
    /// Binds `config.bind` and builds the router over `store`.
    pub async fn build(config: Arc<Config>, store: Store) -> anyhow::Result<Application> {
        let state = AppState::new(store, config.clone())?;
        Self::build_with_state(config, state).await
    }

    /// Like [`Application::build`] with prepared state (tests plug in fake AI providers).
    pub async fn build_with_state(config: Arc<Config>, state: AppState) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(config.bind)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;
        // Keeps the token cache in step with revocations made by other server processes.
        tokio::spawn(state.store.clone().watch_token_revocations());
        let shared = Shared(Arc::new(SharedParts {
            schema: build_schema(Some(state.clone())),
            state,
            metrics: metrics::handle(),
        }));
        let router = router(shared.clone(), &config);
        Ok(Application { listener, router, shared })
    }

    /// The address actually bound (the port is chosen by the OS when 0 was asked for).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Shared state (for background workers started beside the server).
    pub fn shared(&self) -> &Shared {
        &self.shared
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        // Responses go out in one write each; Nagle's algorithm would only hold back the last
        // segment of a larger one until the client acknowledged the previous.
        let listener = self.listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await
    }
}

fn router(shared: Shared, config: &Config) -> Router {
    let cors = if config.cors_origins.is_empty() {
        CorsLayer::new()
    } else {
        let origins: Vec<_> = config.cors_origins.iter().filter_map(|o| o.parse().ok()).collect();
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
            .allow_headers([axum::http::header::AUTHORIZATION, axum::http::header::CONTENT_TYPE])
            .max_age(Duration::from_secs(600))
    };
    Router::new()
        .route(
            "/graphql",
            get(graphql::graphiql).post(graphql::graphql).layer(DefaultBodyLimit::max(MAX_IMPORT_BODY_BYTES)),
        )
        .route("/health", get(health::health))
        .route("/ready", get(health::ready))
        .route("/metrics", get(metrics::render))
        .route("/t/{token}", get(tracking::pixel))
        .merge(crate::web::routes())
        .fallback(crate::web::not_found)
        .with_state(shared)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        .layer(cors)
        .layer(SetResponseHeaderLayer::overriding(
            axum::http::header::X_CONTENT_TYPE_OPTIONS,
            axum::http::HeaderValue::from_static("nosniff"),
        ))
        // Pages set their own (same-origin, so in-app navigation keeps working); the API's stays.
        .layer(SetResponseHeaderLayer::if_not_present(
            axum::http::header::REFERRER_POLICY,
            axum::http::HeaderValue::from_static("no-referrer"),
        ))
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http())
}
