//! Groovy, a JDK, and the stand-in classes and driver compiled once per test binary.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// What to do when a tool is missing; never a silent skip (CI would pass without testing).
const INSTALL: &str = "run scripts/emitter-env, or as root: \
                       apt-get install -y --no-install-recommends groovy";

/// The tools and the compiled harness.
#[derive(Debug, Clone)]
pub struct Toolchain {
    /// The `groovy` launcher found on PATH.
    pub groovy: PathBuf,
    /// The JDK the driver runs on.
    pub java_home: PathBuf,
    /// The compiled stand-ins and driver.
    pub classes: PathBuf,
    /// A directory for files the tests write (secret files).
    pub scratch: PathBuf,
}

/// The toolchain on the default JDK (`JAVA_HOME`, else the one `javac` on PATH belongs to),
/// compiled on first use. Panics, saying how to install it, when `groovy` or `javac` is missing.
pub fn toolchain() -> &'static Toolchain {
    static TOOLCHAIN: OnceLock<Toolchain> = OnceLock::new();
    TOOLCHAIN.get_or_init(Toolchain::build)
}

impl Toolchain {
    fn build() -> Self {
        let groovy = on_path("groovy").unwrap_or_else(|| {
            panic!(
                "`groovy` is not on PATH. The emitter tests run the script under Debian's \
                 groovy 2.4.21, the Groovy Jenkins bundles: {INSTALL}"
            )
        });
        let java_home = default_java_home();
        let javac = java_home.join("bin/javac");
        assert!(
            javac.is_file(),
            "no javac in {}: the stand-in classes need a JDK 11 or later \
             (Debian: apt-get install -y default-jdk-headless), or set JAVA_HOME to one",
            java_home.display()
        );
        let version = output(
            Command::new(&groovy)
                .arg("--version")
                .env("JAVA_HOME", &java_home),
        );
        assert!(
            version.contains("Groovy Version: 2.4."),
            "`{}` is not Groovy 2.4 (Jenkins bundles 2.4.21): {version}. {INSTALL}",
            groovy.display()
        );

        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let work = std::env::temp_dir().join(format!("emitter-tests-{}", std::process::id()));
        let classes = work.join("classes");
        let scratch = work.join("scratch");
        for dir in [&classes, &scratch] {
            std::fs::create_dir_all(dir).expect("a directory under the system's temp dir");
        }
        let mut stubs = Vec::new();
        java_sources(&root.join("stubs"), &mut stubs);
        output(
            Command::new(&javac)
                .args(["--release", "11", "-d"])
                .arg(&classes)
                .args(&stubs),
        );
        output(
            Command::new(on_path("groovyc").unwrap_or_else(|| panic!("no groovyc: {INSTALL}")))
                .arg("-cp")
                .arg(&classes)
                .arg("-d")
                .arg(&classes)
                .arg(root.join("driver/Driver.groovy"))
                .env("JAVA_HOME", &java_home),
        );
        Self {
            groovy,
            java_home,
            classes,
            scratch,
        }
    }

    /// The same harness on another JDK.
    pub fn on_jdk(&self, java_home: &Path) -> Self {
        Self {
            java_home: java_home.to_owned(),
            ..self.clone()
        }
    }

    /// A JDK of version 21 or later under /usr/lib/jvm, if there is one.
    pub fn jdk_21_or_later() -> Option<PathBuf> {
        let mut found = std::fs::read_dir("/usr/lib/jvm")
            .ok()?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|home| home.join("bin/java").is_file() && feature_version(home) >= 21)
            .collect::<Vec<_>>();
        found.sort();
        found.pop()
    }

    /// The script under test: `EMITTER_SCRIPT` if set (to try the tests on another version),
    /// else the repository's.
    pub fn script() -> PathBuf {
        std::env::var_os("EMITTER_SCRIPT")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../../infra/jenkins/ecs-agents-emitter.groovy")
            })
    }
}

/// `JAVA_VERSION="21.0.2"` in a JDK's `release` file gives 21; unreadable gives 0.
fn feature_version(home: &Path) -> u32 {
    let release = std::fs::read_to_string(home.join("release")).unwrap_or_default();
    release
        .lines()
        .find_map(|line| line.strip_prefix("JAVA_VERSION="))
        .and_then(|v| v.trim_matches('"').split('.').next()?.parse().ok())
        .unwrap_or(0)
}

fn default_java_home() -> PathBuf {
    if let Some(home) = std::env::var_os("JAVA_HOME").map(PathBuf::from)
        && home.join("bin/javac").is_file()
    {
        return home;
    }
    // Debian's groovy launcher falls back to /usr/lib/jvm/default-java, which only the
    // default-jre package creates: name the JDK explicitly instead.
    let javac = on_path("javac").unwrap_or_else(|| {
        panic!(
            "no javac on PATH: the stand-in classes need a JDK 11 or later \
             (Debian: apt-get install -y default-jdk-headless), or set JAVA_HOME to one"
        )
    });
    let javac = std::fs::canonicalize(&javac).unwrap_or(javac);
    javac
        .parent()
        .and_then(Path::parent)
        .expect("javac lives in <JDK>/bin")
        .to_owned()
}

fn on_path(tool: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(tool))
        .find(|candidate| candidate.is_file())
}

fn java_sources(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("tests/emitter/stubs") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            java_sources(&path, into);
        } else if path.extension().is_some_and(|e| e == "java") {
            into.push(path);
        }
    }
}

/// Runs a build step; panics with its output if it fails.
fn output(command: &mut Command) -> String {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{command:?} failed: {text}");
    text
}
