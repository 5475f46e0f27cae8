//! The man pages and shell completion scripts, rendered from the clap definitions in `cli.rs`.
//!
//! Invariant: the output depends on nothing but `cli.rs` and the crate version (no date, no
//! environment), so the copies `build.rs` renders for the Debian package and those written by
//! `sturmglas man` / `sturmglas completions` are the same bytes (a test in main.rs checks it).
//! Like `cli.rs`, this file is included by `build.rs` and so uses only clap and std.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::CommandFactory;

use crate::cli::{Cli, Shell};

/// The name the completions complete, as installed in `/usr/bin`.
const BIN: &str = "sturmglas";

/// Every man page as (file name, roff source): `sturmglas.1`, then one page per visible
/// subcommand, named as `man` finds them (`sturmglas-run.1` for `sturmglas run`).
pub fn man_pages() -> io::Result<Vec<(String, Vec<u8>)>> {
    // As clap_mangen::generate_to does: no page for the implicit `help` subcommand, and
    // `build` first so that each subcommand's display name is `sturmglas-<name>`.
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    collect_pages(cmd, &mut pages)?;
    Ok(pages)
}

fn collect_pages(cmd: clap::Command, pages: &mut Vec<(String, Vec<u8>)>) -> io::Result<()> {
    let subcommands: Vec<clap::Command> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .cloned()
        .collect();
    // Every page, not only the top one, names the package and version it documents.
    let man = clap_mangen::Man::new(cmd).source(format!("sturmglas {}", env!("CARGO_PKG_VERSION")));
    let mut roff = Vec::new();
    man.render(&mut roff)?;
    pages.push((man.get_filename(), roff));
    for sub in subcommands {
        collect_pages(sub, pages)?;
    }
    Ok(())
}

/// Writes every page of [`man_pages`] into `dir` (created when missing); returns the paths.
pub fn write_man_pages(dir: &Path) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (name, roff) in man_pages()? {
        let path = dir.join(name);
        std::fs::write(&path, roff)?;
        written.push(path);
    }
    Ok(written)
}

/// The completion script for `shell`.
pub fn completion(shell: Shell) -> Vec<u8> {
    let generator = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut out = Vec::new();
    clap_complete::generate(generator, &mut Cli::command(), BIN, &mut out);
    out
}

/// Writes the completion script of `shell` to `out`.
pub fn write_completion(shell: Shell, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(&completion(shell))?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    /// What build.rs rendered for the package (the same cli.rs, with its stand-ins).
    fn built(rel: &str) -> Vec<u8> {
        let path = Path::new(env!("OUT_DIR")).join("assets").join(rel);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn build_time_assets_match_the_binary() {
        // A difference means a stand-in in build.rs no longer matches the library item it
        // copies (BacktestArgs or a training default): update build.rs.
        let pages = man_pages().unwrap();
        for (name, roff) in &pages {
            assert!(
                built(&format!("man/{name}")) == *roff,
                "build.rs rendered {name} differently from the binary"
            );
        }
        let mut built_names: Vec<String> =
            std::fs::read_dir(Path::new(env!("OUT_DIR")).join("assets/man"))
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
        built_names.sort();
        let mut names: Vec<String> = pages.iter().map(|(n, _)| n.clone()).collect();
        names.sort();
        assert_eq!(built_names, names);
        for &shell in Shell::value_variants() {
            let name = shell.to_possible_value().unwrap();
            assert!(
                built(&format!("completions/{}", name.get_name())) == completion(shell),
                "build.rs rendered the {} completions differently",
                name.get_name()
            );
        }
    }

    #[test]
    fn one_page_per_visible_subcommand_and_none_for_help() {
        let names: Vec<String> = man_pages().unwrap().into_iter().map(|(n, _)| n).collect();
        let mut expected = vec!["sturmglas.1".to_string()];
        for s in Cli::command()
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        {
            expected.push(format!("sturmglas-{}.1", s.get_name()));
            // Nested subcommands (`silence add`) get their own page too.
            expected.extend(
                s.get_subcommands()
                    .filter(|n| !n.is_hide_set() && n.get_name() != "help")
                    .map(|n| format!("sturmglas-{}-{}.1", s.get_name(), n.get_name())),
            );
        }
        assert_eq!(names, expected);
        assert!(names.contains(&"sturmglas-run.1".to_string()));
        assert!(names.contains(&"sturmglas-backtest.1".to_string()));
    }

    #[test]
    fn a_subcommand_page_names_its_command_and_documents_its_flags() {
        let pages = man_pages().unwrap();
        let (_, roff) = pages
            .iter()
            .find(|(n, _)| n == "sturmglas-train.1")
            .unwrap();
        let roff = String::from_utf8(roff.clone()).unwrap();
        let th = format!(
            ".TH sturmglas-train 1  \"sturmglas {}\"",
            env!("CARGO_PKG_VERSION")
        );
        assert!(roff.contains(&th), "{roff}");
        assert!(roff.contains("\\-\\-negative\\-weight"), "{roff}");
        assert!(roff.contains("[default: 0.0003]"), "{roff}");
    }

    #[test]
    fn each_completion_script_registers_the_binary_and_knows_every_subcommand() {
        let heads = [
            (Shell::Bash, "complete -F _sturmglas"),
            (Shell::Zsh, "#compdef sturmglas"),
            (Shell::Fish, "complete -c sturmglas"),
        ];
        for (shell, marker) in heads {
            let script = String::from_utf8(completion(shell)).unwrap();
            assert!(script.contains(marker), "{shell:?}: no {marker:?}");
            for sub in Cli::command().get_subcommands() {
                assert!(
                    script.contains(sub.get_name()),
                    "{shell:?} lacks {}",
                    sub.get_name()
                );
            }
        }
    }
}
