//! HTTP routes for people in the loop: silences (`/api/v1/silences`), acknowledgements
//! through the API (`/api/v1/alerts/{id}/ack`) and through signed links (`/ack/{token}`).
//!
//! Invariant: a request is checked whole before anything is stored — an unknown brand or
//! kind, a malformed duration, an end before the start gets 400 naming the field, and nothing
//! changes. A GET on an ack link never changes anything (mail scanners open links); only its
//! form's POST acknowledges. Store calls run on the blocking pool.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::json;

use crate::alert::AlertEvent;
use crate::http::AppState;
use crate::store::{Ack, Silence};

/// The routes of this module; `http::router` merges them. All of them are API routes that
/// `server.api_token` must guard.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/silences", get(list_silences).post(add_silence))
        .route("/api/v1/silences/{id}", delete(expire_silence))
        .route("/api/v1/alerts/{id}/ack", post(ack_api))
}

/// The ack-link pages: open by design (the link's signature is the permission), so they must
/// stay outside any `server.api_token` check.
pub fn link_routes() -> Router<AppState> {
    Router::new().route("/ack/{token}", get(ack_page).post(ack_form))
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// Runs a store call on the blocking pool; any failure is a 500 naming it.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, crate::store::StoreError> + Send + 'static,
) -> Result<T, Response> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
        Err(e) => Err(error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
    }
}

/// The body of `POST /api/v1/silences`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewSilence {
    brand: String,
    #[serde(default)]
    kinds: Vec<String>,
    /// How long from now (or from `starts_at`), e.g. "2h"; or give `ends_at`.
    duration: Option<String>,
    ends_at: Option<String>,
    /// RFC 3339; default now.
    starts_at: Option<String>,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    created_by: String,
}

const KINDS: [&str; 5] = ["storm", "buzz", "volume", "source", "reach"];

fn rfc3339(field: &str, s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{field}: {s:?} is not an RFC 3339 time ({e})"))
}

/// Checks a request against the configured brands; the silence it asks for, or the reason not.
fn validate(req: NewSilence, brands: &[String], now: DateTime<Utc>) -> Result<Silence, String> {
    let brand = req.brand.trim().to_string();
    if brand != "*" && !brands.contains(&brand) {
        return Err(format!(
            "brand: {brand:?} is not a configured brand (use \"*\" for all); known: {}",
            brands.join(", ")
        ));
    }
    for k in &req.kinds {
        if !KINDS.contains(&k.as_str()) {
            return Err(format!(
                "kinds: {k:?} is not an alert kind ({})",
                KINDS.join(", ")
            ));
        }
    }
    let starts_at = match req.starts_at.as_deref() {
        Some(s) => rfc3339("starts_at", s)?,
        None => now,
    }
    .trunc_subsecs_to_secs();
    let ends_at = match (req.duration.as_deref(), req.ends_at.as_deref()) {
        (Some(_), Some(_)) => return Err("give either duration or ends_at, not both".into()),
        (None, None) => return Err("duration or ends_at is required".into()),
        (Some(d), None) => {
            let d = crate::duration::parse(d).map_err(|e| format!("duration: {e}"))?;
            let d = Duration::from_std(d).map_err(|_| "duration: too long".to_string())?;
            if d.is_zero() {
                return Err("duration: must be longer than zero".into());
            }
            starts_at
                .checked_add_signed(d)
                .ok_or_else(|| "duration: too long".to_string())?
        }
        (None, Some(e)) => rfc3339("ends_at", e)?.trunc_subsecs_to_secs(),
    };
    if ends_at <= starts_at {
        return Err(format!(
            "ends_at ({}) is not after starts_at ({})",
            ends_at.to_rfc3339(),
            starts_at.to_rfc3339()
        ));
    }
    if req.comment.trim().is_empty() {
        return Err("comment: say why (e.g. the campaign it covers)".into());
    }
    let created_by = match req.created_by.trim() {
        "" => "api".to_string(),
        by => by.to_string(),
    };
    Ok(Silence {
        id: Silence::new_id(),
        brand,
        kinds: req.kinds,
        starts_at,
        ends_at,
        comment: req.comment.trim().to_string(),
        created_by,
    })
}

trait WholeSeconds {
    fn trunc_subsecs_to_secs(self) -> Self;
}

impl WholeSeconds for DateTime<Utc> {
    /// Silences are stored in whole seconds; what the reply shows is what is kept.
    fn trunc_subsecs_to_secs(self) -> Self {
        DateTime::from_timestamp(self.timestamp(), 0).unwrap_or(self)
    }
}

async fn add_silence(
    State(s): State<AppState>,
    body: Result<Json<NewSilence>, JsonRejection>,
) -> Response {
    let req = match body {
        Ok(Json(r)) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.body_text()),
    };
    let brands: Vec<String> = match s.core.views(Utc::now()).await {
        Ok(v) => v.into_iter().map(|v| v.name).collect(),
        Err(e) => return error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    };
    let silence = match validate(req, &brands, Utc::now()) {
        Ok(s) => s,
        Err(reason) => return error(StatusCode::BAD_REQUEST, reason),
    };
    let store = s.store.clone();
    let stored = silence.clone();
    if let Err(r) = blocking(move || store.add_silence(&stored)).await {
        return r;
    }
    tracing::info!(
        silence = %silence.id, brand = %silence.brand, ends_at = %silence.ends_at,
        by = %silence.created_by, "Silence added."
    );
    (StatusCode::CREATED, Json(view(&silence, Utc::now()))).into_response()
}

/// A silence with its state (`active`, `pending` before it starts, `ended`).
fn view(s: &Silence, now: DateTime<Utc>) -> serde_json::Value {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    let state = if s.active_at(now) {
        "active"
    } else if now < s.starts_at {
        "pending"
    } else {
        "ended"
    };
    v["state"] = json!(state);
    v
}

async fn list_silences(State(s): State<AppState>) -> Response {
    let store = s.store.clone();
    let now = Utc::now();
    match blocking(move || store.silences_since(now - Duration::hours(24))).await {
        Ok(list) => Json(list.iter().map(|x| view(x, now)).collect::<Vec<_>>()).into_response(),
        Err(r) => r,
    }
}

async fn expire_silence(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    let store = s.store.clone();
    let key = id.clone();
    match blocking(move || store.expire_silence(&key, Utc::now())).await {
        Ok(Some(_)) => {
            tracing::info!(silence = %id, "Silence expired.");
            StatusCode::NO_CONTENT.into_response()
        }
        Ok(None) => error(StatusCode::NOT_FOUND, format!("no silence {id:?}")),
        Err(r) => r,
    }
}

/// The body of `POST /api/v1/alerts/{id}/ack`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AckRequest {
    #[serde(default)]
    by: String,
    #[serde(default)]
    comment: String,
}

/// Trimmed and cut to `max` characters: names and notes are shown, not stored at any length.
fn clean(s: &str, max: usize) -> String {
    s.trim().chars().take(max).collect()
}

async fn ack_api(
    State(s): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<AckRequest>, JsonRejection>,
) -> Response {
    let req = match body {
        Ok(Json(r)) => r,
        Err(JsonRejection::MissingJsonContentType(_)) => AckRequest::default(),
        Err(e) => return error(StatusCode::BAD_REQUEST, e.body_text()),
    };
    let by = match clean(&req.by, 100) {
        b if b.is_empty() => "api".to_string(),
        b => b,
    };
    let comment = clean(&req.comment, 1000);
    let store = s.store.clone();
    let key = id.clone();
    match blocking(move || store.ack_thread(&key, &by, &comment, Utc::now())).await {
        Ok(Some(ack)) => {
            tracing::info!(alert = %id, brand = %ack.brand, by = %ack.acknowledged_by, "Storm acknowledged.");
            Json(ack).into_response()
        }
        Ok(None) => error(StatusCode::NOT_FOUND, format!("no alert {id:?}")),
        Err(r) => r,
    }
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    lang: Option<String>,
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "no-store"),
            // The link is the permission: it must not leak to other sites.
            (axum::http::header::REFERRER_POLICY, "no-referrer"),
        ],
        body,
    )
        .into_response()
}

/// Checks the link and loads what the pages show: the alert and its thread's ack.
async fn open_link(
    s: &AppState,
    token: String,
    de: bool,
) -> Result<(AlertEvent, Option<Ack>), Response> {
    let store = s.store.clone();
    let checked = blocking(move || {
        let secret = store.ack_secret()?;
        let id = match crate::ack_link::verify(&secret, &token, Utc::now()) {
            Ok(id) => id,
            Err(e) => return Ok(Err(e.to_string())),
        };
        let Some(event) = store.alert(&id)? else {
            return Ok(Err("this storm is no longer kept".to_string()));
        };
        let ack = store.thread_ack(&event.brand, event.started_at)?;
        Ok(Ok((event, ack)))
    })
    .await?;
    checked.map_err(|reason| html(StatusCode::FORBIDDEN, crate::ack_page::invalid(&reason, de)))
}

async fn ack_page(
    State(s): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let de = q.lang.as_deref() == Some("de");
    match open_link(&s, token, de).await {
        Ok((event, ack)) => html(
            StatusCode::OK,
            crate::ack_page::confirm(&event, ack.as_ref(), de),
        ),
        Err(r) => r,
    }
}

async fn ack_form(
    State(s): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<PageQuery>,
    body: axum::body::Bytes,
) -> Response {
    let de = q.lang.as_deref() == Some("de");
    let (event, _) = match open_link(&s, token, de).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let mut by = String::new();
    let mut comment = String::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        match &*k {
            "by" => by = clean(&v, 100),
            "comment" => comment = clean(&v, 1000),
            _ => {}
        }
    }
    if by.is_empty() {
        let reason = if de {
            "Bitte Ihren Namen angeben."
        } else {
            "Please give your name."
        };
        return html(
            StatusCode::BAD_REQUEST,
            crate::ack_page::invalid(reason, de),
        );
    }
    let store = s.store.clone();
    let id = event.id.clone();
    match blocking(move || store.ack_thread(&id, &by, &comment, Utc::now())).await {
        Ok(Some(ack)) => {
            tracing::info!(alert = %event.id, brand = %ack.brand, by = %ack.acknowledged_by, "Storm acknowledged by link.");
            html(StatusCode::OK, crate::ack_page::done(&event, &ack, de))
        }
        Ok(None) => html(
            StatusCode::FORBIDDEN,
            crate::ack_page::invalid("this storm is no longer kept", de),
        ),
        Err(r) => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(json: serde_json::Value) -> NewSilence {
        serde_json::from_value(json).unwrap()
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn validates_brand_duration_and_order() {
        let brands = vec!["Nordwind".to_string()];
        let ok = validate(
            req(json!({"brand": "Nordwind", "duration": "2h", "comment": "c", "kinds": ["buzz"]})),
            &brands,
            now(),
        )
        .unwrap();
        assert_eq!(ok.ends_at - ok.starts_at, Duration::hours(2));
        assert_eq!(ok.created_by, "api");
        let bad = |j| validate(req(j), &brands, now()).unwrap_err();
        assert!(bad(json!({"brand": "Other", "duration": "2h", "comment": "c"})).contains("brand"));
        assert!(
            bad(json!({"brand": "*", "duration": "2 Stunden", "comment": "c"}))
                .starts_with("duration")
        );
        assert!(
            bad(json!({"brand": "*", "ends_at": "2020-01-01T00:00:00Z", "comment": "c"}))
                .contains("is not after starts_at")
        );
        assert!(bad(json!({"brand": "*", "comment": "c"})).contains("required"));
        assert!(
            bad(json!({"brand": "*", "duration": "1h", "kinds": ["rain"], "comment": "c"}))
                .starts_with("kinds")
        );
        assert!(bad(json!({"brand": "*", "duration": "1h"})).starts_with("comment"));
    }
}
