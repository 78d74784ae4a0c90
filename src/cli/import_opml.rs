//! `newshound import-opml FILE`: prints `[[feeds]]` TOML for an OPML subscription list, to be
//! pasted into a config or an included watchlist.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

/// Arguments of `import-opml`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The OPML file, as exported by most feed readers.
    file: PathBuf,
}

/// Converts the OPML file and prints the TOML.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let file = &args.file;
    let xml =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let toml = newshound::opml::feeds_toml_from_opml(&xml)
        .with_context(|| format!("{}", file.display()))?;
    print!("{toml}");
    Ok(ExitCode::SUCCESS)
}
