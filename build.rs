//! Renders the man pages and shell completions from `src/cli.rs` at build time, so that
//! `cargo deb` alone builds a package that ships them.
//!
//! Where they go: `$OUT_DIR/assets/` (what main.rs's drift test compares with), and a copy in
//! the profile's directory, `target/release/sturmglas-assets/` for `cargo deb`, whose asset
//! paths starting with `target/release/` name the real target directory (also under
//! `CARGO_TARGET_DIR` or `--target`). A build-script directory's hash is not stable (old ones
//! stay behind after a toolchain or feature change), so cargo-deb cannot glob into it; the
//! profile directory holds exactly one copy, replaced whole on every run, so a page of a removed
//! subcommand never lingers.
//!
//! A build script cannot link the library it belongs to, so `cli.rs` names no library item: its
//! argument structs are its own, and main.rs turns them into the library's. main.rs's test
//! `build_time_assets_match_the_binary` checks that the pages rendered here are the binary's.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::ValueEnum;

// `cli.rs` and `cli_assets.rs` are the binary's own files; what only the binary calls is
// unused here.
#[allow(dead_code)]
#[path = "src/cli.rs"]
mod cli;
#[allow(dead_code)]
#[path = "src/cli_assets.rs"]
mod cli_assets;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/cli.rs");
    println!("cargo:rerun-if-changed=src/cli_assets.rs");

    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let assets = out_dir.join("assets");
    if let Err(e) = render(&assets, false) {
        panic!(
            "rendering man pages and completions into {}: {e}",
            assets.display()
        );
    }
    // OUT_DIR is <profile dir>/build/<package>-<hash>/out.
    let profile_dir = out_dir.ancestors().nth(3).filter(|_| {
        out_dir
            .parent()
            .and_then(Path::parent)
            .and_then(Path::file_name)
            == Some("build".as_ref())
    });
    match profile_dir {
        Some(dir) => {
            let copy = dir.join("sturmglas-assets");
            if let Err(e) = render(&copy, true) {
                panic!("rendering man pages and completions into {}: {e}", copy.display());
            }
        }
        None => println!(
            "cargo:warning=OUT_DIR {} is not in a profile directory; cargo deb will not find the man pages",
            out_dir.display()
        ),
    }
}

/// Replaces `dir` with `man/*.1` (gzipped to `man/*.1.gz` for the package, as Debian policy
/// wants, since cargo-deb compresses only pages it did not find in the target directory) and
/// `completions/{bash,zsh,fish}` (Cargo.toml's deb assets give each the name its shell looks up).
fn render(dir: &Path, gzip: bool) -> std::io::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let man = dir.join("man");
    std::fs::create_dir_all(&man)?;
    for (name, roff) in cli_assets::man_pages()? {
        if gzip {
            // No file name and mtime 0 in the header: the same pages give the same bytes.
            let file = std::fs::File::create(man.join(format!("{name}.gz")))?;
            let mut gz = flate2::GzBuilder::new().write(file, flate2::Compression::best());
            gz.write_all(&roff)?;
            gz.finish()?;
        } else {
            std::fs::write(man.join(name), roff)?;
        }
    }
    let completions = dir.join("completions");
    std::fs::create_dir_all(&completions)?;
    for &shell in cli::Shell::value_variants() {
        let name = shell.to_possible_value().expect("no shell is skipped");
        std::fs::write(
            completions.join(name.get_name()),
            cli_assets::completion(shell),
        )?;
    }
    Ok(())
}
