//! The `ecs-agents` CLI's library: publishing agents files to the stack's
//! bucket ([`publish`]). The binary's `diff`, `push`, `versions` and
//! `rollback` call it, and so does the local run's scenario, so both take
//! the same path. The other commands need no AWS and live in the binary.

pub mod publish;
