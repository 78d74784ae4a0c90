//! The service (`newshound run`, or any long run) started in the background as systemd starts
//! it, and stopped with signals as systemd stops it.

use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::process::command;

/// How long [`stop`] waits after SIGTERM; the unit gives the service as long.
const STOP_TIMEOUT: Duration = Duration::from_secs(15);

/// `newshound -c config run` logging at info, for tests that adjust it (a file size limit, a
/// notify socket) before [`spawn_logged`].
pub fn service_command(config: &Path) -> Command {
    let mut service = command(config, &["run"]);
    service.env("RUST_LOG", "info");
    service
}

/// Starts `command` in the background with its stdout discarded and its stderr written to
/// `log` (discarded when none), where a test reads it, or shows it when it fails.
pub fn spawn_logged(mut command: Command, log: Option<&Path>) -> Child {
    let stderr = match log {
        Some(path) => Stdio::from(std::fs::File::create(path).unwrap()),
        None => Stdio::null(),
    };
    command
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap()
}

/// Starts the service on `config`, its log in `log` (discarded when none).
pub fn start_service(config: &Path, log: Option<&Path>) -> Child {
    spawn_logged(service_command(config), log)
}

/// Starts the service as systemd does with `Type=notify` and `WatchdogSec`: notifications go
/// to the datagram socket `socket`, and the watchdog wants a ping every 400 ms.
pub fn start_notifying(config: &Path, socket: &Path) -> Child {
    let mut service = service_command(config);
    service
        .env("NOTIFY_SOCKET", socket)
        .env("WATCHDOG_USEC", "400000")
        .env_remove("WATCHDOG_PID");
    spawn_logged(service, None)
}

/// Sends the signal `name` (`TERM`, `HUP`, ...) to the child.
pub fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{name} failed");
}

/// Waits for the child to exit, at most `limit`; kills it and fails the test otherwise.
pub fn wait_exit(child: &mut Child, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("newshound did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Stops the service with SIGTERM, as `systemctl stop` does, and fails the test unless it
/// exits 0 in time.
pub fn stop(mut child: Child) {
    signal(&child, "TERM");
    let status = wait_exit(&mut child, STOP_TIMEOUT);
    assert!(status.success(), "{status}");
}
