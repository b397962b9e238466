//! The library's top-level modules form the layers CONTRIBUTING.md lists:
//! a module uses only modules of lower layers (within the values layer, any
//! other value, as long as nothing goes round in a circle). The layers are
//! read from CONTRIBUTING.md itself, so the document and the code cannot
//! drift apart, and a new module must be given a layer there.
//!
//! A use is any `crate::<module>` path in code that ships (comments, test
//! modules and `tests/` folders aside: tests may reach anywhere).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
const CONTRIBUTING: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../CONTRIBUTING.md");
/// The layer whose modules may use one another.
const VALUES: usize = 1;

/// Layer number of each module, from CONTRIBUTING.md's numbered list under
/// "The library's layers": the backticked lower-case names it mentions.
fn layers(modules: &BTreeSet<String>) -> BTreeMap<String, usize> {
    let text = fs::read_to_string(CONTRIBUTING).expect("CONTRIBUTING.md");
    let section = text
        .split("\n## ")
        .find(|s| s.starts_with("The library's layers"))
        .expect("CONTRIBUTING.md has a section \"The library's layers\"");
    let mut layers = BTreeMap::new();
    let mut current = None;
    for line in section.lines() {
        if let Some((number, _)) = line.split_once(". ")
            && let Ok(number) = number.parse::<usize>()
        {
            current = Some(number);
        }
        let Some(layer) = current else { continue };
        for name in line.split('`').skip(1).step_by(2) {
            if modules.contains(name) {
                layers.entry(name.to_owned()).or_insert(layer);
            }
        }
    }
    layers
}

/// The modules `lib.rs` declares.
fn modules() -> BTreeSet<String> {
    let lib = fs::read_to_string(format!("{SRC}/lib.rs")).expect("lib.rs");
    lib.lines()
        .filter_map(|line| line.trim().strip_prefix("pub mod "))
        .map(|rest| rest.trim_end_matches(';').to_owned())
        .collect()
}

fn rust_files(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if name != "tests" {
                rust_files(&path, into);
            }
        } else if name.ends_with(".rs") && !["tests.rs", "proptests.rs"].contains(&name) {
            into.push(path);
        }
    }
}

/// The shipped code of a file: before its inline test module, without comments.
fn code(path: &Path) -> String {
    let text = fs::read_to_string(path).expect("source file");
    let shipped = match text.find("#[cfg(test)]\nmod ") {
        Some(at) => &text[..at],
        None => &text,
    };
    shipped
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// For each module, the other modules its code uses.
fn uses(modules: &BTreeSet<String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(Path::new(SRC), &mut files);
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(SRC).expect("under src");
        let first = relative.components().next().expect("a path");
        let module = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if module == "lib" {
            continue;
        }
        let code = code(&file);
        for (at, _) in code.match_indices("crate::") {
            let used: String = code[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if used != module && modules.contains(&used) {
                uses.entry(module.clone()).or_default().insert(used);
            }
        }
    }
    uses
}

#[test]
fn every_module_has_a_layer_in_contributing_md() {
    let modules = modules();
    let layers = layers(&modules);
    let missing: Vec<&String> = modules
        .iter()
        .filter(|m| !layers.contains_key(*m))
        .collect();
    assert!(
        missing.is_empty(),
        "CONTRIBUTING.md's layers do not place {missing:?}"
    );
}

#[test]
fn modules_use_only_lower_layers() {
    let modules = modules();
    let layers = layers(&modules);
    let mut upward = Vec::new();
    for (module, used) in uses(&modules) {
        let from = layers[&module];
        for other in used {
            let to = layers[&other];
            if to > from || (to == from && from != VALUES) {
                upward.push(format!("{module} (layer {from}) uses {other} (layer {to})"));
            }
        }
    }
    assert!(upward.is_empty(), "uses against the layers: {upward:#?}");
}

#[test]
fn the_modules_use_one_another_without_cycles() {
    let modules = modules();
    let uses = uses(&modules);
    // Kahn's algorithm: repeatedly remove modules that use nothing left.
    let mut left: BTreeMap<&String, BTreeSet<&String>> = modules
        .iter()
        .map(|m| {
            (
                m,
                uses.get(m).map(|u| u.iter().collect()).unwrap_or_default(),
            )
        })
        .collect();
    loop {
        let free: Vec<&String> = left
            .iter()
            .filter(|(_, used)| used.is_empty())
            .map(|(m, _)| *m)
            .collect();
        if free.is_empty() {
            break;
        }
        for module in &free {
            left.remove(module);
        }
        for used in left.values_mut() {
            used.retain(|m| !free.contains(m));
        }
    }
    assert!(left.is_empty(), "modules in a cycle: {left:?}");
}

#[test]
fn the_layer_check_sees_real_uses() {
    // Guards the scanner itself: launch is known to use config and ports.
    let modules = modules();
    let uses = uses(&modules);
    let launch = &uses["launch"];
    assert!(
        launch.contains("config") && launch.contains("ports"),
        "{launch:?}"
    );
    assert_eq!(layers(&modules)["bootstrap"], 7);
}
