//! `raftsim`: the command line. Exit codes: 0 success, 1 a violation (or a failed
//! expectation), 2 bad input.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match raftsim::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout with code 0, usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    ExitCode::from(raftsim::cli::run(cli))
}
