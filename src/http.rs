//! HTTP: health, Prometheus metrics, the JSON API, ingest, and the dashboard.
