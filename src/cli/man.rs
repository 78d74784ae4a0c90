//! `newshound man DIR` (hidden from the help): writes the manual pages, made from the clap
//! definitions like `--help`, so the pages say exactly what the parser accepts. The package
//! build runs it; the pages are `newshound.1` and `newshound-SUBCOMMAND.1`, one per subcommand.
//!
//! clap_mangen renders the sections it knows from the definitions; the main page adds FILES,
//! ENVIRONMENT and SEE ALSO, which clap cannot know, through the same roff writer so that
//! dashes, backslashes and leading dots are escaped the same way.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap_mangen::Man;
use clap_mangen::roff::{Inline, Roff, bold, roman};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to write the pages into; it is created when missing, and pages already in it
    /// are replaced.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
}

/// The main page's DESCRIPTION: longer than `--help`'s one line, with the shape of a day's use.
const DESCRIPTION: &str = "\
newshound watches news feeds, extracts the text of the articles they link to, groups the \
articles that tell the same story, matches them against your watch topics, and sends alerts and \
digests by email and to chat channels.

It runs as a service (newshound run, started by systemd as newshound.service) with its \
configuration in /etc/newshound/newshound.toml; newshound init writes a starter configuration \
and newshound check validates one. The other subcommands look at what is stored, explain why a \
page matched a topic or not, and test the delivery of alerts.";

/// The files the packaged service uses, with what each holds.
const FILES: [(&str, &str); 2] = [
    (
        "/etc/newshound/newshound.toml",
        "The configuration, read unless -c or NEWSHOUND_CONFIG names another. \
         newshound init writes a starter one and newshound check validates it; the files its \
         include patterns name (e.g. watchlists.d/*.toml beside it) add feeds and topics.",
    ),
    (
        "/var/lib/newshound/newshound.db",
        "The SQLite database the packaged configuration names in [daemon] database: feeds, \
         articles, stories, hits and the outbox of alerts. newshound run creates it.",
    ),
];

/// The environment variables newshound reads, with what each changes.
const ENVIRONMENT: [(&str, &str); 3] = [
    (
        "NEWSHOUND_CONFIG",
        "The configuration file when -c is not given (default /etc/newshound/newshound.toml).",
    ),
    (
        "RUST_LOG",
        "A log filter (e.g. debug, or newshound=debug) that overrides [daemon] log_level. \
         Logs go to stderr.",
    ),
    (
        "CREDENTIALS_DIRECTORY",
        "Set by systemd for the unit's LoadCredential= lines. Secrets the configuration does \
         not name a file for are read from it: smtp-password, web-password, and a channel's \
         NAME-url, NAME-secret or NAME-token.",
    ),
];

/// Writes the main page and one page per visible subcommand into `args.dir`, printing each
/// path written. `command` is the full command line definition.
pub fn run(command: clap::Command, args: Args) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    // `help` is a subcommand in clap's tree, but not one worth a manual page.
    let mut command = command
        .disable_help_subcommand(true)
        .long_about(DESCRIPTION);
    command.build();
    // Every page's footer names the program and version, as the main page's does by default.
    let source = format!(
        "{} {}",
        command.get_name(),
        command.get_version().unwrap_or_default()
    );
    let subcommands: Vec<&clap::Command> = visible_subcommands(&command).collect();
    let mut main_extra = Roff::new();
    // Paths and page names are not words to hyphenate at the end of a line.
    main_extra.control("nh", []);
    definition_list(&mut main_extra, "FILES", &FILES);
    definition_list(&mut main_extra, "ENVIRONMENT", &ENVIRONMENT);
    see_also(&mut main_extra, &subcommands);
    write_page(&args.dir, &command, &source, &main_extra)?;
    for subcommand in subcommands {
        let mut extra = Roff::new();
        extra.control("nh", []);
        see_also(&mut extra, &[&command]);
        write_page(&args.dir, subcommand, &source, &extra)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn visible_subcommands(command: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    command.get_subcommands().filter(|sub| !sub.is_hide_set())
}

/// Writes `command`'s page (with `extra`, see [`render_page`]) as its page file
/// (`newshound-run.1`) and prints its path.
fn write_page(
    dir: &Path,
    command: &clap::Command,
    source: &str,
    extra: &Roff,
) -> anyhow::Result<()> {
    let man = Man::new(command.clone()).source(source);
    let path = dir.join(man.get_filename());
    let mut page = Vec::new();
    render_page(&man, command, extra, &mut page)
        .and_then(|()| std::fs::write(&path, page))
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!("{}", path.display());
    Ok(())
}

/// The sections clap_mangen renders for a whole page, with `extra` (sections clap cannot know)
/// placed before the VERSION section, where man pages keep FILES and SEE ALSO.
fn render_page(
    man: &Man,
    command: &clap::Command,
    extra: &Roff,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    if command.get_arguments().any(|arg| !arg.is_hide_set()) {
        man.render_options_section(out)?;
    }
    if visible_subcommands(command).next().is_some() {
        man.render_subcommands_section(out)?;
    }
    if command.get_after_long_help().is_some() || command.get_after_help().is_some() {
        man.render_extra_section(out)?;
    }
    extra.to_writer(out)?;
    if command.get_version().is_some() {
        man.render_version_section(out)?;
    }
    Ok(())
}

/// A section of terms, each followed by its indented description.
fn definition_list(roff: &mut Roff, heading: &str, entries: &[(&str, &str)]) {
    roff.control("SH", [heading]);
    for (term, description) in entries {
        roff.control("TP", []);
        roff.text([bold(*term)]);
        roff.text([roman(*description)]);
    }
}

/// A SEE ALSO section naming the pages of `commands`: `newshound-run(1), newshound-check(1)`.
fn see_also(roff: &mut Roff, commands: &[&clap::Command]) {
    let mut references: Vec<Inline> = Vec::new();
    for (i, command) in commands.iter().enumerate() {
        if i > 0 {
            references.push(roman(", "));
        }
        let name = command.get_display_name().unwrap_or(command.get_name());
        references.push(bold(name));
        references.push(roman("(1)"));
    }
    roff.control("SH", ["SEE ALSO"]);
    roff.text(references);
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    /// The pages are only as good as the doc comments they are made of: a subcommand or
    /// argument without one would leave an empty entry in its page.
    #[test]
    fn every_subcommand_and_argument_has_a_help_text() {
        let mut command = crate::Cli::command();
        command.build();
        let mut missing = Vec::new();
        for subcommand in std::iter::once(&command).chain(command.get_subcommands()) {
            let name = subcommand.get_name();
            if subcommand.get_about().is_none() {
                missing.push(name.to_owned());
            }
            for arg in subcommand.get_arguments().filter(|arg| !arg.is_hide_set()) {
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{name} {}", arg.get_id()));
                }
            }
        }
        assert!(missing.is_empty(), "no help text: {missing:?}");
    }
}
