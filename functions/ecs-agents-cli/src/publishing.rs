//! `diff`, `push`, `versions` and `rollback`: the agents file in the stack's
//! bucket, with the operator's AWS credentials. Only these commands load
//! them; the library does the work (`ecs_agents_cli::publish`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use ecs_agents_cli::publish::{self, AgentsBucket, Plan, PublishError};

use crate::DEFAULT_CONFIG;

const FAILED: u8 = 1;

/// Where the agents file is published.
#[derive(Debug, Args)]
pub struct Target {
    /// The stack's agents-file bucket (its AgentsConfigBucket output).
    #[arg(long, env = "ECS_AGENTS_CONFIG_BUCKET")]
    bucket: String,
    /// The file's key in it (the stack's AgentsConfigKey output).
    #[arg(long, env = "ECS_AGENTS_CONFIG_KEY", default_value = "agents.yaml")]
    key: String,
    /// The bucket's region (default: the AWS CLI's, e.g. AWS_REGION).
    #[arg(long)]
    region: Option<String>,
}

/// A file to compare or publish.
#[derive(Debug, Args)]
pub struct FileArgs {
    /// The agents file.
    #[arg(default_value = DEFAULT_CONFIG)]
    file: PathBuf,
    /// The file built into the functions, compared with while nothing is
    /// published (the functions then use it).
    #[arg(long, default_value = DEFAULT_CONFIG)]
    seed: PathBuf,
    #[command(flatten)]
    target: Target,
}

/// `diff`: what publishing the file would change; publishes nothing.
pub fn diff(args: FileArgs) -> ExitCode {
    let Some(text) = read_valid(&args.file) else {
        return ExitCode::from(FAILED);
    };
    run(async {
        let Some(bucket) = connect(&args.target).await else {
            return ExitCode::from(FAILED);
        };
        let plan = publish::plan(&bucket, &text, seed(&args.seed).as_ref().map(pair)).await;
        match plan {
            Ok(plan) => {
                print!("{plan}");
                refused(&plan)
            }
            Err(error) => failed(&args.file, &error),
        }
    })
}

/// `push`: validate, show what changes, then publish (unless the functions
/// would refuse it, or it is published already).
pub fn push(args: FileArgs) -> ExitCode {
    let Some(text) = read_valid(&args.file) else {
        return ExitCode::from(FAILED);
    };
    run(async {
        let Some(bucket) = connect(&args.target).await else {
            return ExitCode::from(FAILED);
        };
        let plan = match publish::plan(&bucket, &text, seed(&args.seed).as_ref().map(pair)).await {
            Ok(plan) => plan,
            Err(error) => return failed(&args.file, &error),
        };
        print!("{plan}");
        if plan.refusal.is_some() {
            return refused(&plan);
        }
        if plan.unchanged() {
            println!("nothing to publish: the same file is published already");
            return ExitCode::SUCCESS;
        }
        match publish::publish(&bucket, &plan, &text, None).await {
            Ok(pushed) => {
                println!(
                    "published version {} at {}; warm functions use it within their refresh \
                     interval (AGENTS_CONFIG_REFRESH_SECONDS, 30 s by default)",
                    pushed.version, plan.location
                );
                ExitCode::SUCCESS
            }
            Err(error) => failed(&args.file, &error),
        }
    })
}

/// `versions`: every version kept, newest first.
pub fn versions(target: Target) -> ExitCode {
    run(async {
        let Some(bucket) = connect(&target).await else {
            return ExitCode::from(FAILED);
        };
        let versions = match bucket.versions().await {
            Ok(versions) => versions,
            Err(error) => return failed(Path::new(&bucket.location()), &error.into()),
        };
        if versions.is_empty() {
            println!(
                "nothing is published at {}: the functions use their built-in file",
                bucket.location()
            );
            return ExitCode::SUCCESS;
        }
        let width = versions.iter().map(|v| v.version.len()).max().unwrap_or(0);
        for v in &versions {
            let what = match (v.deleted, v.latest) {
                (true, true) => "deleted: the functions use their built-in file",
                (true, false) => "deleted",
                (false, true) => "latest: the functions use it",
                (false, false) => "",
            };
            let size = if v.deleted {
                "-".to_owned()
            } else {
                format!("{} bytes", v.size)
            };
            let line = format!("{:<width$}  {}  {size:>11}  {what}", v.version, v.published);
            println!("{}", line.trim_end());
        }
        ExitCode::SUCCESS
    })
}

/// `rollback [VERSION]`: publish an earlier version again (by default the
/// one before the latest), as a new version.
pub fn rollback(version: Option<String>, target: Target) -> ExitCode {
    run(async {
        let Some(bucket) = connect(&target).await else {
            return ExitCode::from(FAILED);
        };
        let location = PathBuf::from(bucket.location());
        let restore = match publish::plan_rollback(&bucket, version.as_deref()).await {
            Ok(restore) => restore,
            Err(error) => return failed(&location, &error),
        };
        println!("restoring version {}", restore.from);
        print!("{}", restore.plan);
        if restore.plan.refusal.is_some() {
            return refused(&restore.plan);
        }
        match publish::publish(&bucket, &restore.plan, &restore.text, Some(&restore.from)).await {
            Ok(pushed) => {
                println!(
                    "published version {} (a copy of {}); warm functions use it within their \
                     refresh interval",
                    pushed.version, restore.from
                );
                ExitCode::SUCCESS
            }
            Err(error) => failed(&location, &error),
        }
    })
}

/// The file's text if it is a valid agents file; else `check`'s errors are
/// printed, before anything reaches AWS.
fn read_valid(file: &Path) -> Option<String> {
    let text = std::fs::read_to_string(file)
        .map_err(|error| eprintln!("cannot read {}: {error}", file.display()))
        .ok()?;
    match ecs_agents::config::AgentsConfig::from_yaml(&text) {
        Ok(_) => Some(text),
        Err(errors) => {
            eprint!("{}: {errors}", file.display());
            None
        }
    }
}

/// The seed's path and text, if it can be read.
fn seed(path: &Path) -> Option<(String, String)> {
    let text = std::fs::read_to_string(path).ok()?;
    Some((path.display().to_string(), text))
}

fn pair(seed: &(String, String)) -> (&str, &str) {
    (&seed.0, &seed.1)
}

/// The bucket's client; `None` (said on stderr) when it cannot be built.
async fn connect(target: &Target) -> Option<AgentsBucket> {
    AgentsBucket::connect(&target.bucket, &target.key, target.region.clone())
        .await
        .inspect_err(|error| eprintln!("cannot reach s3://{}: {error}", target.bucket))
        .ok()
}

fn refused(plan: &Plan) -> ExitCode {
    match &plan.refusal {
        Some(refusal) => {
            eprint!("the functions would refuse this file, so it is not published: {refusal}");
            ExitCode::from(FAILED)
        }
        None => ExitCode::SUCCESS,
    }
}

fn failed(file: &Path, error: &PublishError) -> ExitCode {
    match error {
        PublishError::Invalid(errors) => eprint!("{}: {errors}", file.display()),
        other => eprintln!("error: {other}"),
    }
    ExitCode::from(FAILED)
}

/// Runs `work` on a runtime of its own: only these commands need one.
fn run(work: impl std::future::Future<Output = ExitCode>) -> ExitCode {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(work),
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            ExitCode::from(FAILED)
        }
    }
}
