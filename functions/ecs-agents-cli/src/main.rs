//! `ecs-agents`: validate agent templates and explain which template serves a
//! Jenkins label, before any AWS account is involved; then publish them to a
//! deployment, which picks them up without a rebuild.

mod commands;
mod execution_access;
mod publishing;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Operator CLI for serverless Jenkins agents on Amazon ECS.
#[derive(Debug, Parser)]
#[command(name = "ecs-agents", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

pub(crate) const DEFAULT_CONFIG: &str = "infra/agents.yaml";

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate an agents file; exit 1 listing every error.
    Check {
        /// The agents file.
        #[arg(default_value = DEFAULT_CONFIG)]
        file: PathBuf,
        /// The stack's AgentExecutionSecretArns (comma-separated ARNs, IAM wildcards allowed):
        /// warn about every template secret or registry credential outside them.
        #[arg(long, value_name = "ARNS")]
        execution_secret_arns: Option<String>,
    },
    /// Show which template would serve a job's label expression (exit 2 if none).
    Match {
        /// The label expression, as written in the job (resolved as Jenkins does).
        expression: String,
        /// The agents file.
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: PathBuf,
    },
    /// Print a template's RegisterTaskDefinition input and its content hash.
    Render {
        /// Template name.
        template: String,
        /// The agents file.
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: PathBuf,
    },
    /// Re-sign a Function URL event file for the webhook (fresh timestamp,
    /// signature and eventTime); prints the event to stdout.
    Sign {
        /// A Lambda Function URL event whose `body` is a webhook event.
        event_file: PathBuf,
        /// The webhook's shared secret (the samples use `test-webhook-secret`).
        #[arg(long)]
        secret: String,
        /// Sign as of this unix time instead of now (for reproducible samples).
        #[arg(long)]
        at: Option<u64>,
    },
    /// Evaluate a label expression against a node's labels: prints true or false.
    Labels {
        /// The label expression (strict, like Label.parseExpression, unless --lax).
        expression: String,
        /// The node's labels (its own name is one of them in Jenkins).
        labels: Vec<String>,
        /// Resolve like a job's label (Jenkins.getLabel): unparsable text is one label.
        #[arg(long)]
        lax: bool,
        /// Print the canonical form of the expression instead of matching.
        #[arg(long)]
        canonical: bool,
    },
    /// Show what publishing an agents file would change; publishes nothing.
    Diff(publishing::FileArgs),
    /// Validate an agents file, show what changes, and publish it to the
    /// deployment's bucket; warm functions use it within their refresh interval.
    Push(publishing::FileArgs),
    /// List the published versions of the agents file, newest first.
    Versions(publishing::Target),
    /// Publish an earlier version again (by default the one before the latest).
    Rollback {
        /// The version to restore (`ecs-agents versions` lists them).
        version: Option<String>,
        #[command(flatten)]
        target: publishing::Target,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check {
            file,
            execution_secret_arns,
        } => commands::check(&file, execution_secret_arns.as_deref()),
        Command::Match { expression, config } => commands::match_label(&expression, &config),
        Command::Render { template, config } => commands::render(&template, &config),
        Command::Sign {
            event_file,
            secret,
            at,
        } => commands::sign(&event_file, &secret, at),
        Command::Labels {
            expression,
            labels,
            lax,
            canonical,
        } => commands::labels(&expression, &labels, lax, canonical),
        Command::Diff(args) => publishing::diff(args),
        Command::Push(args) => publishing::push(args),
        Command::Versions(target) => publishing::versions(target),
        Command::Rollback { version, target } => publishing::rollback(version, target),
    }
}
