//! Jenkins' remote-API JSON for computers and the queue, with the real field names and
//! `_class` values (docs/jenkins-api.md §4, §5).
//!
//! `_class` follows Stapler's `IF_NEEDED` rule, as Jenkins configures it: it is written
//! for the top-level object and wherever the actual class differs from the declared one
//! (computers, queue items, tasks, executables, offline causes, actions), but not for
//! executors or label atoms.

pub mod computers;
pub mod queue;

/// How much detail to render when no `tree=` is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Jenkins' default `depth=0`: executors render as `{}` (their properties are one
    /// level too deep), as in `fixtures/jenkins/jenkins-rest-computer.json`.
    Default,
    /// `depth=1` or a `tree=` parameter: every property is available.
    Full,
}
