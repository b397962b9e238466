//! `simulator burst [N…]`: the burst benchmark (default N = 100, 500, 2000),
//! printed as a Markdown table. `simulator burst-log N`: one burst's log.
//! `simulator seed S`: one property-test run, its violations and its log.

use std::process::ExitCode;

use simulator::bench::{burst, table};
use simulator::run::simulate;
use simulator::world::Scenario;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("burst") => {
            let sizes: Vec<usize> = if args.len() > 1 {
                args[1..].iter().filter_map(|a| a.parse().ok()).collect()
            } else {
                vec![100, 500, 2000]
            };
            let rows: Vec<_> = sizes.into_iter().map(burst).collect();
            print!("{}", table(&rows));
            for row in &rows {
                eprintln!(
                    "{} builds, throttled calls: {:?}",
                    row.builds, row.throttled
                );
            }
            ExitCode::SUCCESS
        }
        Some("burst-log") => {
            // One burst's full log, in virtual time, to read what happened.
            let Some(n) = args.get(1).and_then(|s| s.parse().ok()) else {
                eprintln!("usage: simulator burst-log <builds>");
                return ExitCode::from(2);
            };
            let report = simulate(Scenario::burst(n), simulator::bench::SEED);
            eprint!("{}", report.log);
            ExitCode::SUCCESS
        }
        Some("seed") => {
            let Some(seed) = args.get(1).and_then(|s| s.parse().ok()) else {
                eprintln!("usage: simulator seed <number>");
                return ExitCode::from(2);
            };
            let report = simulate(Scenario::random(seed), seed);
            eprint!("{}", report.log);
            for violation in &report.violations {
                eprintln!("violation: {violation}");
            }
            if report.violations.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        _ => {
            eprintln!(
                "usage: simulator burst [N…] | simulator burst-log <builds> | simulator seed <number>"
            );
            ExitCode::from(2)
        }
    }
}
