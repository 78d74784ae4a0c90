//! The next steps `init` prints after writing the config: edit the topics, put the SMTP
//! password where it is read, start the service, send a test message.

use std::path::Path;

use super::{Placement, Starter};

impl Starter {
    /// What to do after `init`: edit the topics, the SMTP password, start the service, send a
    /// test message. Commands name the config with `-c` unless it is the default one.
    pub(super) fn next_steps(&self) -> String {
        let config = shell_word(&self.path);
        let dash_c = if self.path == Path::new(crate::DEFAULT_CONFIG) {
            String::new()
        } else {
            format!(" -c {config}")
        };
        let mut edits = vec!["edit the topics (the comments explain the query syntax)"];
        if self.feeds.is_empty() {
            edits.push("add [[feeds]]");
        }
        if self.email.is_none() {
            edits.push("set who gets the alerts ([email] to)");
        }
        let mut steps = vec![format!(
            "In {config}, {}; then check it:\n     newshound{dash_c} check",
            edits.join(", ")
        )];
        if let Some(step) = self.password_step() {
            steps.push(step);
        }
        steps.push(self.service_step(&dash_c));
        steps.push(self.test_step(&dash_c));
        let numbered: Vec<String> = steps
            .iter()
            .enumerate()
            .map(|(index, step)| format!("  {}. {step}\n", index + 1))
            .collect();
        format!("Next steps:\n{}", numbered.concat())
    }

    /// Where the SMTP password goes, when the config logs in.
    fn password_step(&self) -> Option<String> {
        let file = self.password_source()?;
        let file = shell_word(&file);
        Some(match self.placement {
            Placement::BesideConfig => format!(
                "Put the SMTP password into {file}, readable by you only (mode 0600):\n     install -m 0600 /dev/null {file} && \"${{EDITOR:-vi}}\" {file}"
            ),
            Placement::System => format!(
                "Put the SMTP password into {file}, readable by root only (mode 0600), and hand it to\n     \
                 the service as the credential smtp-password:\n     \
                 sudo install -m 0600 /dev/null {file} && sudoedit {file}\n     \
                 sudo systemctl edit newshound   # add the two lines:\n     \
                 [Service]\n     LoadCredential=smtp-password:{file}"
            ),
        })
    }

    /// Sending a test message: as root for the service's config (its outbox and password are
    /// root's), with the password where the service finds it.
    fn test_step(&self, dash_c: &str) -> String {
        let mut step = match (self.password_source(), self.placement) {
            (Some(file), Placement::System) => {
                let dir = shell_word(file.parent().unwrap_or(Path::new("/")));
                format!(
                    "Send a test message with the password as the service gets it:\n     sudo env CREDENTIALS_DIRECTORY={dir} newshound{dash_c} test-email"
                )
            }
            (None, Placement::System) => {
                format!("Send a test message: sudo newshound{dash_c} test-email")
            }
            (_, Placement::BesideConfig) => {
                format!("Send a test message: newshound{dash_c} test-email")
            }
        };
        if self.email.is_none() {
            step.push_str(" --to me@example.org");
        }
        if self.smtp.is_none() {
            let outbox = self.folder().join(self.placement.outbox());
            step.push_str(&format!(
                "\n     (it is written into {} until [email.smtp] is set up)",
                outbox.display()
            ));
        }
        step
    }

    /// Starting the service, whose unit reads the default config.
    fn service_step(&self, dash_c: &str) -> String {
        let start = "sudo systemctl enable --now newshound";
        if self.path == Path::new(crate::DEFAULT_CONFIG) {
            return format!("Start the service: {start}");
        }
        format!(
            "Run it: newshound{dash_c} run\n     \
             or as the service, whose unit reads {}: {start}",
            crate::DEFAULT_CONFIG
        )
    }
}

/// `path` as one shell word: as it is when it needs no quoting, else in single quotes.
fn shell_word(path: &Path) -> String {
    let text = path.to_string_lossy();
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+,:@%=".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        return text.into_owned();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paths with spaces or quotes are single-quoted in the printed commands.
    #[test]
    fn printed_paths_are_one_shell_word() {
        assert_eq!(shell_word(Path::new("/tmp/x/n.toml")), "/tmp/x/n.toml");
        assert_eq!(
            shell_word(Path::new("/tmp/my dir/n.toml")),
            "'/tmp/my dir/n.toml'"
        );
        assert_eq!(shell_word(Path::new("/tmp/it's")), r"'/tmp/it'\''s'");
    }
}
