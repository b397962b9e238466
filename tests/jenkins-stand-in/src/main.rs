//! `jenkins-stand-in`: runs the Jenkins stand-in until SIGINT or SIGTERM.

use clap::Parser;
use jenkins_stand_in::cli::Cli;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    Cli::parse().run().await
}
