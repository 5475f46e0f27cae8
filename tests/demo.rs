//! `sturmglas demo` on a fresh checkout: the real pipeline over the bundled recording.

use std::process::Command;

#[test]
fn demo_tells_the_storm_and_writes_its_emails() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("mails");
    let out = Command::new(env!("CARGO_BIN_EXE_sturmglas"))
        .args(["demo", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("storm: Nordwind Energie"), "{stdout}");
    assert!(stdout.contains("why: "), "{stdout}");
    let mut files: Vec<_> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let storms: Vec<_> = files
        .iter()
        .filter(|p| p.to_string_lossy().contains("storm"))
        .collect();
    assert!(!storms.is_empty(), "{files:?}");
    // Only the brand that had a storm gets storm emails: calm days stay quiet.
    for p in &storms {
        assert!(p.to_string_lossy().contains("nordwind"), "{p:?}");
    }
    let eml = std::fs::read_to_string(storms[0]).unwrap();
    assert!(eml.contains("Subject: "), "{eml}");
    assert!(eml.contains("multipart/alternative"), "{eml}");
}
