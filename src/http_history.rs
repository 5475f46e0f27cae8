//! The history API over the mention archive: a brand's series and its archived mentions.
//!
//! - `GET /api/v1/brands/{name}/series?from=&to=&step=5m`: mentions and negatives per step,
//!   each with what the brand's detector baseline expects of it now (the same band as the storm
//!   brief's chart: the seasonal rate of that weekday and hour, as learned so far).
//! - `GET /api/v1/brands/{name}/mentions?from=&to=&label=&source=&limit=100`: archived mention
//!   records with `score` and `label`, newest first.
//!
//! Invariant: a request is validated whole before the store is read — a bad time, an empty or
//! reversed range, a step that is no duration, not whole minutes, too small or too many points is a 400 naming the
//! parameter; an unknown brand is a 404. Store reads run on the blocking pool.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::engine::Buckets;
use crate::http::AppState;
use crate::sentiment::Label;
use crate::store::MentionFilter;

/// The default range: the last 24 hours.
const DEFAULT_RANGE_SECS: i64 = 86_400;
/// The default step: 5 minutes.
const DEFAULT_STEP_SECS: i64 = 300;
/// The smallest step: a minute, the detector's own resolution.
const MIN_STEP_SECS: i64 = 60;
/// At most this many points per series: 30 days at 5 minutes is 8,640.
pub const MAX_POINTS: usize = 10_000;
/// The default and the largest `limit` of the mentions endpoint.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/brands/{name}/series", get(series))
        .route("/api/v1/brands/{name}/mentions", get(mentions))
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

fn bad(message: impl Into<String>) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}

#[derive(Deserialize)]
pub struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
    step: Option<String>,
    label: Option<String>,
    source: Option<String>,
    limit: Option<String>,
}

fn time(name: &str, v: Option<&str>) -> Result<Option<DateTime<Utc>>, String> {
    v.map(|s| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| format!("{name}: {s:?} is not an RFC 3339 time ({e})"))
    })
    .transpose()
}

/// `[from, to)` in unix seconds: the last 24 hours by default, or the 24 hours before `to` /
/// from `from` to now when only one is given.
fn range(q: &RangeQuery, now: DateTime<Utc>) -> Result<(i64, i64), String> {
    let from = time("from", q.from.as_deref())?.map(|t| t.timestamp());
    let to = time("to", q.to.as_deref())?.map(|t| t.timestamp());
    let (from, to) = match (from, to) {
        (Some(f), Some(t)) => (f, t),
        (Some(f), None) => (f, now.timestamp().max(f + 1)),
        (None, Some(t)) => (t - DEFAULT_RANGE_SECS, t),
        (None, None) => (now.timestamp() - DEFAULT_RANGE_SECS, now.timestamp()),
    };
    if from >= to {
        return Err("from must be before to".into());
    }
    Ok((from, to))
}

/// Buckets `[from, to)` into steps aligned to the epoch (so the same step gives the same
/// buckets whatever the range), checking the step and the number of points.
pub fn buckets(
    from: i64,
    to: i64,
    step: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Buckets, String> {
    let step_seconds = match step {
        None => DEFAULT_STEP_SECS,
        Some(s) => crate::duration::parse(s)
            .map_err(|e| format!("step: {e}"))?
            .as_secs()
            .min(i64::MAX as u64) as i64,
    };
    if step_seconds < MIN_STEP_SECS {
        return Err("step: must be at least 1m".into());
    }
    if step_seconds % 60 != 0 {
        return Err("step: must be a whole number of minutes".into());
    }
    let first = from.div_euclid(step_seconds);
    let last = (to - 1).div_euclid(step_seconds);
    let count = (last - first + 1).max(0) as usize;
    if count > MAX_POINTS {
        return Err(format!(
            "step: the range holds {count} steps, at most {MAX_POINTS} are allowed; \
             choose a larger step or a shorter range"
        ));
    }
    Ok(Buckets {
        first,
        step_seconds,
        count,
        now,
    })
}

fn rfc3339(secs: i64) -> String {
    DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// One point of a series.
#[derive(Debug, Serialize)]
pub struct Point {
    pub t: String,
    pub mentions: u64,
    pub negative: u64,
    pub expected: f64,
}

/// A brand's series: the archive's counts per bucket beside the baseline's expectation.
pub fn points(b: &Buckets, counts: &[crate::store::Bucket], expected: &[f64]) -> Vec<Point> {
    (0..b.count)
        .map(|i| {
            let c = counts.get(i).copied().unwrap_or_default();
            Point {
                t: rfc3339((b.first + i as i64) * b.step_seconds),
                mentions: c.mentions,
                negative: c.negative,
                expected: (expected.get(i).copied().unwrap_or(0.0) * 100.0).round() / 100.0,
            }
        })
        .collect()
}

/// Whether the brand exists, and what its baseline expects of `buckets`.
async fn expected(s: &AppState, name: &str, buckets: Buckets) -> Result<Vec<f64>, Response> {
    match s.core.expected(name.to_string(), buckets).await {
        Ok(Some(e)) => Ok(e),
        Ok(None) => Err(error(
            StatusCode::NOT_FOUND,
            format!("no brand named {name:?}"),
        )),
        Err(e) => Err(error(StatusCode::SERVICE_UNAVAILABLE, e.to_string())),
    }
}

async fn series(
    State(s): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<RangeQuery>,
) -> Response {
    let now = Utc::now();
    let (from, to) = match range(&q, now) {
        Ok(r) => r,
        Err(e) => return bad(e),
    };
    let b = match buckets(from, to, q.step.as_deref(), now) {
        Ok(b) => b,
        Err(e) => return bad(e),
    };
    let exp = match expected(&s, &name, b).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let store = s.store.clone();
    let brand = name.clone();
    let counts = tokio::task::spawn_blocking(move || {
        store.archive_series(&brand, b.first, b.step_seconds, b.count)
    })
    .await;
    match counts {
        Ok(Ok(c)) => Json(json!({
            "brand": name,
            "step_seconds": b.step_seconds,
            "points": points(&b, &c, &exp),
        }))
        .into_response(),
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn mentions(
    State(s): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<RangeQuery>,
) -> Response {
    let now = Utc::now();
    let (from, to) = match range(&q, now) {
        Ok(r) => r,
        Err(e) => return bad(e),
    };
    let label = match q.label.as_deref() {
        None => None,
        Some("negative") => Some(Label::Negative),
        Some("neutral") => Some(Label::Neutral),
        Some("positive") => Some(Label::Positive),
        Some(other) => {
            return bad(format!(
                "label: {other:?} is not negative, neutral or positive"
            ))
        }
    };
    let limit = match q.limit.as_deref().map(str::parse::<usize>) {
        None => DEFAULT_LIMIT,
        Some(Ok(n)) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => return bad(format!("limit: must be a number from 1 to {MAX_LIMIT}")),
    };
    let source = q.source.filter(|s| !s.is_empty());
    let none = Buckets {
        first: 0,
        step_seconds: DEFAULT_STEP_SECS,
        count: 0,
        now,
    };
    if let Err(r) = expected(&s, &name, none).await {
        return r;
    }
    let store = s.store.clone();
    let found = tokio::task::spawn_blocking(move || {
        store.archived_mentions(&MentionFilter {
            brand: Some(&name),
            from,
            to,
            label,
            source: source.as_deref(),
            limit: Some(limit),
        })
    })
    .await;
    match found {
        Ok(Ok(m)) => Json(m).into_response(),
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_align_to_the_step_and_are_bounded() {
        let now = Utc::now();
        let b = buckets(610, 1500, Some("5m"), now).unwrap();
        assert_eq!((b.first, b.step_seconds, b.count), (2, 300, 3));
        let b = buckets(0, 30 * 86_400, None, now).unwrap();
        assert_eq!(b.count, 8_640);
        assert!(buckets(0, 100, Some("30s"), now)
            .unwrap_err()
            .contains("at least 1m"));
        assert!(buckets(0, 100, Some("90s"), now)
            .unwrap_err()
            .contains("whole"));
        assert!(buckets(0, 100, Some("soon"), now)
            .unwrap_err()
            .starts_with("step:"));
        let e = buckets(0, 365 * 86_400, Some("1m"), now).unwrap_err();
        assert!(e.contains("at most 10000"), "{e}");
    }

    #[test]
    fn range_defaults_to_the_last_day_and_must_not_be_reversed() {
        let now = DateTime::from_timestamp(1_000_000, 0).unwrap();
        let q = |from: Option<&str>, to: Option<&str>| RangeQuery {
            from: from.map(Into::into),
            to: to.map(Into::into),
            step: None,
            label: None,
            source: None,
            limit: None,
        };
        assert_eq!(
            range(&q(None, None), now).ok(),
            Some((1_000_000 - 86_400, 1_000_000))
        );
        let t = "2026-03-07T13:00:00Z";
        let ts = DateTime::parse_from_rfc3339(t).unwrap().timestamp();
        assert_eq!(range(&q(None, Some(t)), now).ok(), Some((ts - 86_400, ts)));
        assert!(range(&q(Some(t), Some(t)), now).is_err());
        assert!(range(&q(Some("yesterday"), None), now).is_err());
    }
}
