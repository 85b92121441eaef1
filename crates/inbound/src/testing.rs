//! A throwaway Dovecot IMAP server for tests: its own config, a passwd-file user and a temp
//! mail directory, started as an unprivileged process on a free loopback port (as `nobody`
//! when the tests run as root, since Dovecot's login process refuses to run as root).

use crate::imap::{Endpoint, Security};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running Dovecot; killed and its directory removed on drop.
pub struct Dovecot {
    dir: tempfile::TempDir,
    child: Child,
    /// The IMAP port on 127.0.0.1.
    pub port: u16,
}

/// Password of every test user.
pub const PASSWORD: &str = "secret";

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}

fn current(flag: &str) -> String {
    Command::new("id")
        .arg(flag)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

impl Dovecot {
    /// Starts a server with the given users (all with [`PASSWORD`]).
    pub fn start(users: &[&str]) -> std::io::Result<Dovecot> {
        let dir = tempfile::Builder::new().prefix("rh-dovecot-").tempdir()?;
        let root = is_root();
        let (user, group) =
            if root { ("nobody".to_owned(), "nogroup".to_owned()) } else { (current("-un"), current("-gn")) };
        let port = free_port()?;
        let d = dir.path();
        std::fs::create_dir_all(d.join("run"))?;
        std::fs::create_dir_all(d.join("mail"))?;
        let passwd: String = users.iter().map(|u| format!("{u}:{{PLAIN}}{PASSWORD}:::\n")).collect();
        std::fs::write(d.join("passwd"), passwd)?;
        std::fs::write(d.join("dovecot.conf"), config(d, port, &user, &group))?;
        if root {
            let _ = Command::new("chown").arg("-R").arg(format!("{user}:{group}")).arg(d).status();
            let _ = Command::new("chmod").arg("755").arg(d).status();
        }
        let mut cmd = if root {
            let mut c = Command::new("setpriv");
            c.args(["--reuid", &user, "--regid", &group, "--clear-groups", "dovecot"]);
            c
        } else {
            Command::new("dovecot")
        };
        cmd.arg("-F").arg("-c").arg(d.join("dovecot.conf"));
        cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        let child = cmd.spawn()?;
        let me = Dovecot { dir, child, port };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(me);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(std::io::Error::other(format!("dovecot did not start; log: {}", me.log())))
    }

    /// The endpoint of `user` (plain IMAP on loopback).
    pub fn endpoint(&self, user: &str) -> Endpoint {
        Endpoint {
            host: "127.0.0.1".into(),
            port: self.port,
            security: Security::None,
            username: user.into(),
            password: PASSWORD.into(),
        }
    }

    /// The server's log (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    /// The directory holding a user's maildir (to simulate a UIDVALIDITY change).
    pub fn mail_dir(&self, user: &str) -> PathBuf {
        self.dir.path().join("mail").join(user)
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn config(d: &Path, port: u16, user: &str, group: &str) -> String {
    let d = d.display();
    format!(
        r#"base_dir = {d}/run
state_dir = {d}/run
log_path = {d}/log
protocols = imap
listen = 127.0.0.1
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
auth_mechanisms = plain
disable_plaintext_auth = no
ssl = no
mail_location = maildir:{d}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {d}/passwd
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={d}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
service auth {{
  user = {user}
}}
service auth-worker {{
  user = {user}
}}
service stats {{
  unix_listener stats-writer {{
    user = {user}
    group = {group}
  }}
}}
"#
    )
}
