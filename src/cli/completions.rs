//! `newshound completions SHELL`: the shell completion script, made from the same clap
//! definitions as the parser so that it never falls behind a new option. The Debian package
//! installs its output; users of other installs can source it themselves.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to print the completion script for.
    shell: Shell,
}

/// The shells the package ships completions for.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Shell {
    /// GNU Bash.
    Bash,
    /// The Z shell.
    Zsh,
    /// The friendly interactive shell.
    Fish,
}

impl From<Shell> for clap_complete::Shell {
    fn from(shell: Shell) -> Self {
        match shell {
            Shell::Bash => Self::Bash,
            Shell::Zsh => Self::Zsh,
            Shell::Fish => Self::Fish,
        }
    }
}

/// Prints the script for `command`, the full command line definition. It is written whole
/// once made, so a reader that goes away is an error `main` recognises rather than a panic
/// inside clap_complete.
pub fn run(command: clap::Command, args: Args) -> anyhow::Result<ExitCode> {
    let mut command = without_hidden_subcommands(&command);
    let name = command.get_name().to_owned();
    let mut script = Vec::new();
    clap_complete::generate(
        clap_complete::Shell::from(args.shell),
        &mut command,
        name,
        &mut script,
    );
    std::io::stdout()
        .lock()
        .write_all(&script)
        .context("cannot write the completion script to stdout")?;
    Ok(ExitCode::SUCCESS)
}

/// `command` with its arguments, version and visible subcommands only: clap_complete offers
/// hidden subcommands too, and `man` is for the package build, not for users to stumble on.
fn without_hidden_subcommands(command: &clap::Command) -> clap::Command {
    let visible = clap::Command::new(command.get_name().to_owned())
        .args(command.get_arguments().cloned())
        .subcommands(
            command
                .get_subcommands()
                .filter(|subcommand| !subcommand.is_hide_set())
                .cloned(),
        );
    match command.get_version() {
        Some(version) => visible.version(version.to_owned()),
        None => visible,
    }
}
