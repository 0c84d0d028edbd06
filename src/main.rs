//! `raftsim`: the command line. Exit codes: 0 success, 1 a violation (or a failed
//! expectation), 2 bad input, 3 stopped by a cap before finishing (not checked to the end).

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // `raftsim ... | head` closes stdout early: end quietly, as Unix tools do.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.to_string().contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
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
