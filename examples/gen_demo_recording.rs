//! Writes the bundled demo recording: `cargo run --example gen_demo_recording`.
//!
//! Four and a half calm days (Monday 2 March 2026 to Friday noon, UTC) of German and English
//! posts about three brands of different size, then, on Friday at 09:30 UTC, a German storm
//! about "Nordwind Energie": an unannounced price rise and a billing fiasco. Deterministic:
//! the same seed writes the same file, byte for byte. Writes `data/demo/recording.jsonl`
//! (mention records, one per line) and `data/demo/brands.toml` (the matching `[[brands]]`).

use std::io::Write;

use chrono::{DateTime, Utc};
use sturmglas::scenario::{standard_brands, Event, EventKind, Scenario};

const SEED: u64 = 20_260_306;

fn main() -> anyhow::Result<()> {
    let start: DateTime<Utc> = "2026-03-02T00:00:00Z".parse()?;
    let end: DateTime<Utc> = "2026-03-06T16:00:00Z".parse()?;
    let mut brands = standard_brands();
    // Keep the file small: the big brand at a fifth of its standard volume.
    brands[2].peak_per_hour = 30.0;
    let scenario = Scenario {
        seed: SEED,
        start,
        days: 5,
        brands,
        events: vec![Event {
            brand: 0,
            kind: EventKind::FastStorm,
            onset: "2026-03-06T09:30:00Z".parse()?,
            german: 1.0,
        }],
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo");
    std::fs::create_dir_all(&dir)?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("recording.jsonl"))?);
    let mut n = 0;
    for m in scenario.generate() {
        if m.created_at.is_some_and(|t| t < end) {
            serde_json::to_writer(&mut out, &m)?;
            out.write_all(b"\n")?;
            n += 1;
        }
    }
    out.flush()?;
    std::fs::write(
        dir.join("brands.toml"),
        format!(
            "# The brands of data/demo/recording.jsonl (written by examples/gen_demo_recording.rs).\n\n{}",
            sturmglas::scenario::brands_toml(&scenario.brands)
        ),
    )?;
    println!(
        "wrote {n} mentions to {}",
        dir.join("recording.jsonl").display()
    );
    Ok(())
}
