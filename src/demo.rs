//! `sturmglas demo`: the offline first experience over a bundled recording.
