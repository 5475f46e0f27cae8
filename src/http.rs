//! HTTP: health, Prometheus metrics, the JSON API, ingest, and the dashboard.
//!
//! Invariant: an ingest request is taken whole or not at all. Authentication and size are
//! checked before the body is read, the body is parsed completely before anything reaches the
//! core, and the reply says how many mentions were accepted, were duplicates, and matched.

use std::sync::{Arc, RwLock};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use crate::config::{Secret, ServerConfig};
use crate::mention;
use crate::metrics::Metrics;
use crate::store::Store;
use crate::worker::CoreHandle;

mod guard;
mod headers;
pub mod serve;

pub use guard::Access;

/// What ingest and the access checks need to know, swapped as a whole on reload.
#[derive(Debug, Clone)]
pub struct IngestSettings {
    pub token: Option<Secret>,
    pub max_body_bytes: usize,
    /// How long an ingest body may take to arrive.
    pub body_timeout: std::time::Duration,
    /// The `Host` check and `api_token`.
    pub access: Access,
}

impl IngestSettings {
    /// The settings for a server bound to `listen` (the listener's real address, which
    /// decides whether the `Host` check applies).
    pub fn new(server: &ServerConfig, listen: std::net::SocketAddr) -> Self {
        IngestSettings {
            token: server.ingest_token.clone(),
            max_body_bytes: server.max_body_bytes,
            body_timeout: server.body_timeout,
            access: Access::new(server, listen),
        }
    }
}

type Settings = Arc<RwLock<IngestSettings>>;

/// The settings in force; a poisoned lock still holds the last complete value.
fn read(settings: &Settings) -> IngestSettings {
    match settings.read() {
        Ok(g) => g.clone(),
        Err(p) => p.into_inner().clone(),
    }
}

#[derive(Clone)]
pub struct AppState {
    pub core: CoreHandle,
    pub store: Arc<Store>,
    pub metrics: Arc<Metrics>,
    pub ingest: Arc<RwLock<IngestSettings>>,
    pub started: Instant,
    /// The sources' health, as JSON; supplied by the daemon so HTTP stays independent of them.
    pub sources: Arc<dyn Fn() -> serde_json::Value + Send + Sync>,
    /// `[cluster]`: name, node, shard and whether this node delivers; `None` outside one.
    pub cluster: Arc<dyn Fn() -> Option<serde_json::Value> + Send + Sync>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/api/v1/mentions", post(ingest))
        .route("/api/v1/brands", get(brands))
        .route("/api/v1/alerts", get(alerts))
        .route("/api/v1/sources", get(sources))
        .route("/charts/{file}", get(chart))
        .merge(crate::http_people::routes())
        .merge(crate::http_people::link_routes())
        // The history API over the mention archive (series, mentions): src/http_history.rs.
        .merge(crate::http_history::routes())
        // The dashboard's pages and static files: src/http_dashboard.rs.
        .merge(crate::http_dashboard::routes())
        .layer(axum::middleware::from_fn_with_state(
            state.ingest.clone(),
            guard::guard,
        ))
        .layer(axum::middleware::from_fn(headers::security_headers))
        .with_state(state)
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

async fn healthz(State(s): State<AppState>) -> Response {
    // The core answering proves the pipeline is not stuck; a slow answer is unhealthy.
    let views =
        tokio::time::timeout(std::time::Duration::from_secs(2), s.core.views(Utc::now())).await;
    if let Some(reason) = s.store.health().last_error() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({
                "status": "unhealthy",
                "error": format!("the state database cannot be written: {reason}"),
                "store": {"ok": false, "error": reason, "errors": s.store.health().errors()},
            })),
        )
            .into_response();
    }
    match views {
        Ok(Ok(v)) => {
            let mut body = json!({
                "status": "ok",
                "version": env!("CARGO_PKG_VERSION"),
                "uptime_seconds": s.started.elapsed().as_secs(),
                "brands": v.len(),
                "store": {"ok": true, "errors": s.store.health().errors()},
            });
            if let Some(c) = (s.cluster)() {
                body["cluster"] = c;
            }
            Json(body).into_response()
        }
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unhealthy", "error": "the detection core is not answering"})),
        )
            .into_response(),
    }
}

async fn metrics(State(s): State<AppState>) -> Response {
    let store = s.store.clone();
    if let Ok(Ok(stats)) = tokio::task::spawn_blocking(move || store.outbox_stats()).await {
        s.metrics.set_outbox_pending(stats.pending);
    }
    s.metrics.set(
        "sturmglas_store_errors_total",
        &[],
        s.store.health().errors() as f64,
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        s.metrics.render(),
    )
        .into_response()
}

/// Bodies above this size are parsed off the async runtime.
const PARSE_INLINE_BYTES: usize = 64 * 1024;

async fn ingest(State(s): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let settings = read(&s.ingest);
    let status = |code: &str| {
        s.metrics
            .inc("sturmglas_ingest_requests_total", &[("code", code)]);
    };
    let Some(token) = settings.token.as_ref() else {
        status("403");
        return error(
            StatusCode::FORBIDDEN,
            "ingest is disabled: set server.ingest_token or server.ingest_token_file",
        );
    };
    if !guard::bearer_ok(&headers, token) {
        status("401");
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            Json(json!({"error": "missing or invalid bearer token"})),
        )
            .into_response();
    }
    let too_large = || {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("body exceeds {} bytes", settings.max_body_bytes),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > settings.max_body_bytes) {
        status("413");
        return too_large();
    }
    let read = axum::body::to_bytes(body, settings.max_body_bytes);
    let bytes = match tokio::time::timeout(settings.body_timeout, read).await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => {
            status("413");
            return too_large();
        }
        Err(_) => {
            status("408");
            return error(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the body did not arrive within {} (server.body_timeout); nothing ingested",
                    crate::duration::format(settings.body_timeout)
                ),
            );
        }
    };
    let parsed = if bytes.len() > PARSE_INLINE_BYTES {
        match tokio::task::spawn_blocking(move || mention::parse_body(&bytes)).await {
            Ok(r) => r,
            Err(_) => {
                status("500");
                return error(StatusCode::INTERNAL_SERVER_ERROR, "parser failed");
            }
        }
    } else {
        mention::parse_body(&bytes)
    };
    let mentions = match parsed {
        Ok(m) => m,
        Err(e) => {
            status("400");
            return error(
                StatusCode::BAD_REQUEST,
                format!("{e}; nothing of this request was ingested"),
            );
        }
    };
    match s.core.ingest(mentions, "api".into(), None).await {
        Ok(summary) => {
            status("202");
            (StatusCode::ACCEPTED, Json(summary)).into_response()
        }
        Err(e) => {
            status("503");
            tracing::error!(error = %e, "Ingest failed.");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("not ingested: {e}"),
            )
        }
    }
}

async fn brands(State(s): State<AppState>) -> Response {
    match s.core.views(Utc::now()).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}

#[derive(Deserialize)]
struct AlertsQuery {
    limit: Option<usize>,
}

async fn alerts(State(s): State<AppState>, Query(q): Query<AlertsQuery>) -> Response {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let store = s.store.clone();
    match tokio::task::spawn_blocking(move || store.recent_alerts(limit)).await {
        Ok(Ok(events)) => Json(events).into_response(),
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn sources(State(s): State<AppState>) -> Response {
    Json((s.sources)()).into_response()
}

#[derive(Deserialize)]
struct ChartQuery {
    lang: Option<String>,
    tz: Option<String>,
}

/// `/charts/{id}.png`: the chart of a stored alert, what `links.chart` points chat cards at;
/// drawn anew from the event's series, in the reader's `lang` (en, de) and `tz` (IANA).
async fn chart(
    State(s): State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
    Query(q): Query<ChartQuery>,
) -> Response {
    let Some(id) = file.strip_suffix(".png").filter(|id| {
        !id.is_empty()
            && id.len() <= 128
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    }) else {
        return error(StatusCode::NOT_FOUND, "no such chart");
    };
    let mut loc = crate::config::notify::Locale::default();
    match q.lang.as_deref() {
        None | Some("en") => {}
        Some("de") => loc.language = crate::config::notify::Language::De,
        Some(other) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("lang: {other:?} is not en or de"),
            )
        }
    }
    if let Some(tz) = q.tz.as_deref() {
        match tz.parse::<chrono_tz::Tz>() {
            Ok(tz) => loc.timezone = tz,
            Err(_) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("tz: {tz:?} is not an IANA time zone"),
                )
            }
        }
    }
    let id = id.to_string();
    let store = s.store.clone();
    // The store read and the drawing are blocking and CPU work: off the runtime.
    let drawn = tokio::task::spawn_blocking(move || {
        store
            .alert(&id)
            .map(|ev| ev.and_then(|ev| crate::notify::chart::render(&ev, &loc)))
    })
    .await;
    match drawn {
        Ok(Ok(Some(Ok(png)))) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "private, max-age=300"),
            ],
            png,
        )
            .into_response(),
        Ok(Ok(None)) => error(StatusCode::NOT_FOUND, "no such chart"),
        Ok(Ok(Some(Err(e)))) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}
