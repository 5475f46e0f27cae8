//! Synthetic mention streams: calm days with daily and weekly rhythm, storms, buzz, news.
