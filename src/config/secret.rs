//! Secrets in config: inline values or `*_file` paths, resolved against systemd's
//! `$CREDENTIALS_DIRECTORY` so that `LoadCredential=` works without absolute paths.
//!
//! A [`Secret`] never prints its value: `Debug` and `Display` show a placeholder, so a secret
//! cannot reach a log line by accident.

use std::fmt;
use std::path::{Path, PathBuf};

/// A value that must not be logged: passwords, tokens, HMAC keys.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The value itself, for the one place that needs it (an auth header, an HMAC key).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Where a `*_file` path points: relative paths go to `$CREDENTIALS_DIRECTORY` when systemd set
/// it, else next to the config file.
pub fn resolve_path(file: &str, config_dir: &Path, credentials_dir: Option<&Path>) -> PathBuf {
    let p = Path::new(file);
    if p.is_absolute() {
        return p.to_path_buf();
    }
    match credentials_dir {
        Some(dir) => dir.join(p),
        None => config_dir.join(p),
    }
}

/// Reads a secret file; one trailing newline (as editors write) is not part of the secret.
pub fn read_file(path: &Path) -> Result<Secret, String> {
    let raw = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read secret file {}: {e}", path.display()))?;
    let value = raw
        .strip_suffix("\r\n")
        .or_else(|| raw.strip_suffix('\n'))
        .unwrap_or(&raw);
    if value.is_empty() {
        return Err(format!("secret file {} is empty", path.display()));
    }
    Ok(Secret(value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_value() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?} {s}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn resolves_relative_to_credentials_dir() {
        let cfg = Path::new("/etc/sturmglas");
        assert_eq!(
            resolve_path("tok", cfg, Some(Path::new("/run/credentials/x"))),
            PathBuf::from("/run/credentials/x/tok")
        );
        assert_eq!(
            resolve_path("tok", cfg, None),
            PathBuf::from("/etc/sturmglas/tok")
        );
        assert_eq!(resolve_path("/abs", cfg, None), PathBuf::from("/abs"));
    }

    #[test]
    fn strips_one_trailing_newline() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s");
        std::fs::write(&p, "abc\n").unwrap();
        assert_eq!(read_file(&p).unwrap().expose(), "abc");
        std::fs::write(&p, "").unwrap();
        assert!(read_file(&p).is_err());
    }
}
