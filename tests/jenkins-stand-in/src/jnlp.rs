//! The agent secret and the `.jnlp` file an inbound agent reads it from (docs/jenkins-api.md §2).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::state::computer::NodeConfig;

/// `SlaveComputer.getJnlpMac()`: lower-case hex HMAC-SHA256 of the node name under the
/// controller's key, so a node recreated under its old name gets the same secret.
pub fn secret(key: &[u8], node_name: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        // HMAC accepts keys of any length; this arm is unreachable.
        Err(_) => return String::new(),
    };
    mac.update(node_name.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The arguments of `jenkins-agent.jnlp`, in the order Jenkins' Jelly view writes them:
/// secret, name, `-webSocket`?, `-tunnel X`?, then unless the work directory is disabled
/// `-workDir <path or remoteFS> -internalDir <dir>` (`-failIfWorkDirIsMissing`?), then
/// `-url <root URL>`.
pub fn arguments(secret: &str, node: &NodeConfig, root_url: &str) -> Vec<String> {
    let launcher = &node.launcher;
    let mut args = vec![secret.to_owned(), node.name.clone()];
    if launcher.web_socket {
        args.push("-webSocket".to_owned());
    }
    if let Some(tunnel) = &launcher.tunnel {
        args.extend(["-tunnel".to_owned(), tunnel.clone()]);
    }
    let work_dir = &launcher.work_dir_settings;
    if !work_dir.disabled {
        let path = work_dir
            .work_dir_path
            .clone()
            .unwrap_or_else(|| node.remote_fs.clone());
        args.extend(["-workDir".to_owned(), path]);
        args.extend(["-internalDir".to_owned(), work_dir.internal_dir.clone()]);
        if work_dir.fail_if_work_dir_is_missing {
            args.push("-failIfWorkDirIsMissing".to_owned());
        }
    }
    args.extend(["-url".to_owned(), root_url.to_owned()]);
    args
}

/// The compact one-line format of Jenkins ≥ 2.348 (`fixtures/jenkins/jnlp-compact-format.jnlp`).
pub fn render(arguments: &[String]) -> String {
    let body: String = arguments
        .iter()
        .map(|a| format!("<argument>{}</argument>", xml_escape(a)))
        .collect();
    format!("<jnlp><application-desc>{body}</application-desc></jnlp>")
}

/// Jelly's `escape-by-default` XML escaping.
fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_64_lower_case_hex_characters() {
        let s = secret(b"key", "agent-1");
        assert_eq!(s.len(), 64);
        assert!(
            s.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }

    #[test]
    fn the_secret_depends_on_name_and_key_only() {
        assert_eq!(secret(b"key", "a"), secret(b"key", "a"));
        assert_ne!(secret(b"key", "a"), secret(b"key", "b"));
        assert_ne!(secret(b"key", "a"), secret(b"other", "a"));
    }

    #[test]
    fn a_disabled_work_dir_leaves_only_the_url_after_the_name() {
        let mut node = NodeConfig::new("n");
        node.launcher.work_dir_settings.disabled = true;
        let args = arguments("s", &node, "http://j/");
        assert_eq!(args, ["s", "n", "-url", "http://j/"]);
    }
}
