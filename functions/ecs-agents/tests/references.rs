//! Every document a file in the repository points at is in the repository:
//! whoever clones it can follow each reference. Checked in source comments,
//! scripts, the SAM stack and the Markdown pages: each path to a Markdown
//! file (or link to one) must exist, relative to the repository root or to
//! the file that names it, and a section number after it (`docs/aws.md §3`)
//! must be one that page has (`## 3. …`). Paths built in code
//! (`concat!(env!("CARGO_MANIFEST_DIR"), "/…")`) are checked by the code
//! that reads them.

use std::fs;
use std::path::{Path, PathBuf};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
/// What is not the repository's own text.
const SKIPPED_DIRS: &[&str] = &[
    "target",
    ".venv",
    ".git",
    ".aws-sam",
    "node_modules",
    "fixtures",
];
const CHECKED_EXTENSIONS: &[&str] = &["rs", "md", "groovy", "yaml", "toml", "sh", "txt"];

fn files(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable directory") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !SKIPPED_DIRS.contains(&name) {
                files(&path, into);
            }
        } else {
            let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            // By the directory's name: `.ci` is a name, not an extension.
            let script = path
                .parent()
                .and_then(Path::file_name)
                .is_some_and(|dir| dir == "scripts" || dir == ".ci");
            if CHECKED_EXTENSIONS.contains(&extension) || script {
                into.push(path);
            }
        }
    }
}

/// A reference to a Markdown file: the path as written, and the section
/// number that follows it (`docs/aws.md §3`), if any.
#[derive(Debug)]
struct Reference {
    path: String,
    section: Option<u32>,
}

/// The `.md` references in `text`: tokens ending in `.md` (before any
/// `#anchor`), web addresses aside.
fn references(text: &str) -> Vec<Reference> {
    let separators = |c: char| c.is_whitespace() || "()[]<>`'\",;|*".contains(c);
    let tokens: Vec<&str> = text.split(separators).filter(|t| !t.is_empty()).collect();
    let mut found = Vec::new();
    for (index, token) in tokens.iter().enumerate() {
        if token.contains("://") || token.starts_with("www.") {
            continue;
        }
        let path = token.split('#').next().unwrap_or(token);
        let path = path.trim_end_matches(['.', ':', '!', '?']);
        if !path.ends_with(".md") || path == ".md" || path.starts_with(['*', '/']) {
            continue;
        }
        let section = tokens
            .get(index + 1)
            .and_then(|next| next.strip_prefix('§'))
            .and_then(|n| {
                n.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
                    .parse()
                    .ok()
            });
        found.push(Reference {
            path: path.to_owned(),
            section,
        });
    }
    found
}

fn has_section(page: &Path, number: u32) -> bool {
    let text = fs::read_to_string(page).unwrap_or_default();
    let heading = format!("## {number}. ");
    text.lines().any(|line| line.starts_with(&heading))
}

#[test]
fn every_referenced_document_is_in_the_repository() {
    let root = Path::new(ROOT);
    let mut all = Vec::new();
    files(root, &mut all);
    assert!(all.len() > 100, "the walk found only {} files", all.len());
    let mut dangling = Vec::new();
    let mut checked = 0;
    for file in &all {
        let Ok(text) = fs::read_to_string(file) else {
            continue;
        };
        for reference in references(&text) {
            checked += 1;
            let beside = file.parent().map(|dir| dir.join(&reference.path));
            let target = [Some(root.join(&reference.path)), beside]
                .into_iter()
                .flatten()
                .find(|candidate| candidate.is_file());
            let shown = file
                .strip_prefix(root)
                .unwrap_or(file)
                .display()
                .to_string();
            match (target, reference.section) {
                (None, _) => dangling.push(format!("{shown}: {}", reference.path)),
                (Some(page), Some(section)) if !has_section(&page, section) => {
                    dangling.push(format!("{shown}: {} §{section}", reference.path))
                }
                _ => {}
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} references seen: is the scanner blind?"
    );
    assert!(dangling.is_empty(), "references to nothing: {dangling:#?}");
}

#[test]
fn the_scanner_reads_paths_sections_and_skips_web_addresses() {
    let found = references(
        "see docs/aws.md §3, [the guide](docs/deploy.md#costs) and \
         https://github.com/jenkinsci/jenkins/blob/master/README.md.",
    );
    let seen: Vec<(&str, Option<u32>)> =
        found.iter().map(|r| (r.path.as_str(), r.section)).collect();
    assert_eq!(seen, [("docs/aws.md", Some(3)), ("docs/deploy.md", None)]);
}
