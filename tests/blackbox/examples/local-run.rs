//! The product on one machine: moto as AWS, the Jenkins stand-in as Jenkins,
//! and the three functions as their real binaries under a local Lambda
//! runtime (`cargo lambda watch`), invoked as AWS would invoke them. Plays
//! the scenario of `blackbox_tests::scenario` and prints what happened to
//! each build; exits 1 if anything went otherwise than planned.
//!
//! Run it with `scripts/run`, which installs moto and cargo-lambda into
//! `.venv/` and builds the functions first. `$CARGO_LAMBDA` overrides the
//! cargo-lambda binary.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use blackbox_tests::lambda::{LocalLambdas, workspace_root};
use blackbox_tests::{Backends, scenario};

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    // On Ctrl-C the run's future is dropped, and with it the runtime's
    // process group, moto and the stand-in: nothing this run started outlives it.
    tokio::select! {
        result = run() => result,
        _ = tokio::signal::ctrl_c() => {
            say("interrupted; stopping cargo lambda watch, moto and the stand-in");
            Ok(ExitCode::from(130))
        }
    }
}

async fn run() -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    say("starting moto (ECS, EventBridge, Secrets Manager) and the Jenkins stand-in");
    let backends = Backends::start().await?;
    let dir = std::env::temp_dir().join(format!("ecs-agents-local-run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let agents_file = dir.join("agents.yaml");
    std::fs::write(&agents_file, backends.agents(scenario::AGENTS).await?)?;
    let program = std::env::var_os("CARGO_LAMBDA")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv/bin/cargo-lambda"));
    say("starting the functions under cargo lambda watch");
    let lambdas = LocalLambdas::start(&program, &backends.function_env(&agents_file), &dir).await?;
    say(&format!(
        "runtime on 127.0.0.1:{}, its log in {}",
        lambdas.port(),
        lambdas.log().display()
    ));
    let report = scenario::play(&backends, &lambdas).await?;
    println!("\n{report}\n");
    let problems = report.all_problems();
    let elapsed = started.elapsed().as_secs_f64();
    if problems.is_empty() {
        say(&format!(
            "done in {elapsed:.1}s; everything went as planned"
        ));
        drop(lambdas);
        let _ = std::fs::remove_dir_all(&dir);
        return Ok(ExitCode::SUCCESS);
    }
    say(&format!("done in {elapsed:.1}s, but:"));
    for problem in problems {
        println!("    - {problem}");
    }
    say(&format!(
        "the functions' logs are kept in {}",
        lambdas.log().display()
    ));
    Ok(ExitCode::FAILURE)
}

fn say(line: &str) {
    println!("==> {line}");
}
