//! The dashboard's routes: the pages (`/`, `/brands/{name}`, `/alerts`) in the reader's
//! language and their static files under `/dashboard/`.
//!
//! Invariant: these routes serve only the binary's own constants (see `crate::dashboard`);
//! they read no state and carry no data, so they stay open while `server.api_token` guards
//! the API the pages' scripts call.

use axum::extract::{Path, Query};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::dashboard::{self, Page};
use crate::http::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(overview))
        // A brand's page (the alerts' `links.dashboard`); the script reads the brand from
        // the path.
        .route("/brands/{name}", get(brand))
        .route("/alerts", get(alerts))
        .route("/dashboard/{file}", get(asset))
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

fn page(which: Page, q: &LangQuery, headers: &HeaderMap) -> Response {
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let lang = dashboard::language(q.lang.as_deref(), accept);
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::VARY, "Accept-Language"),
        ],
        dashboard::page(which, lang),
    )
        .into_response()
}

async fn overview(Query(q): Query<LangQuery>, headers: HeaderMap) -> Response {
    page(Page::Overview, &q, &headers)
}

async fn brand(
    Path(_name): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    page(Page::Brand, &q, &headers)
}

async fn alerts(Query(q): Query<LangQuery>, headers: HeaderMap) -> Response {
    page(Page::Alerts, &q, &headers)
}

/// A static file, cacheable for five minutes and revalidated by its entity tag after that.
async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some(a) = dashboard::asset(&file) else {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    };
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == a.etag));
    let cache = [
        (header::CACHE_CONTROL, "public, max-age=300".to_string()),
        (header::ETAG, a.etag.clone()),
    ];
    if fresh {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (cache, [(header::CONTENT_TYPE, a.content_type)], a.body).into_response()
}
