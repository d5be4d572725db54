//! `crossborder`: the command line of the crossborder library.
//!
//! `check` validates packs, `eval` (and `explain`) decides acts, `test` runs scenario files,
//! `packs` lists the built-in packs, `schema` prints JSON Schemas, `fmt` formats TOML packs.
//! Exit codes (stable): 0 done (for `eval`, whatever it decided); 1 a deny under
//! `--fail-on-deny`, a failed scenario, coverage below `--threshold`, or a file `fmt --check`
//! would change; 2 a usage error; 3 invalid input (a pack, an act, evidence, a scenario file:
//! nothing was decided); 4 an I/O error.

mod check;
mod eval;
mod evidence;
mod fmt;
mod input;
mod log;
mod packs;
mod report;
mod schema;
mod test;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use report::Failure;

/// Decide whether personal data may cross a border, on which legal basis, and what is missing
/// when it may not.
#[derive(Parser, Debug)]
#[command(name = "crossborder", version)]
#[command(
    after_help = "Exit codes: 0 done (eval: whatever it decided); 1 a deny with \
--fail-on-deny, a failed scenario, coverage below --threshold, or fmt --check finding a change; \
2 usage error; 3 invalid input (nothing was decided); 4 I/O error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Load and validate packs; print every problem with its place and a hint.
    Check(check::CheckArgs),
    /// Decide one act (a JSON object) or a batch (JSON lines).
    Eval(eval::EvalArgs),
    /// Decide acts and explain each in full, a batch too.
    Explain(eval::EvalArgs),
    /// Run scenario files; report failures and rule coverage.
    Test(test::TestArgs),
    /// List the built-in packs, or show one pack's rules and options.
    Packs(packs::PacksArgs),
    /// Print the JSON Schema of a format.
    Schema(schema::SchemaArgs),
    /// Format TOML packs and scenario files canonically, keeping comments.
    Fmt(fmt::FmtArgs),
    /// A durable evidence store: import, export, grant, withdraw, record, show.
    Evidence(evidence::EvidenceArgs),
    /// The tamper-evident decision log: keygen, init, append, checkpoint, verify, prove,
    /// replay, report, verify-report, repair.
    Log(log::LogArgs),
}

/// The packs an engine is built from, shared by `eval` and `check`.
#[derive(Args, Debug, Default, Clone)]
pub(crate) struct PackArgs {
    /// Built-in packs to enable, by id (comma-separated or repeated).
    #[arg(long = "packs", value_name = "ID,…", value_delimiter = ',')]
    pub(crate) builtin: Vec<String>,
    /// A pack file (TOML or JSON, by extension) to enable; repeatable.
    #[arg(long = "pack-file", value_name = "PATH")]
    pub(crate) files: Vec<PathBuf>,
    /// An option setting, `pack.option=true|false`; repeatable.
    #[arg(long = "option", value_name = "PACK.NAME=BOOL")]
    pub(crate) options: Vec<String>,
}

/// How results are written.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum Output {
    /// For people.
    #[default]
    Text,
    /// One JSON document (for a batch: one report per line).
    Json,
    /// One JSON document per line.
    Jsonl,
}

/// The stable exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Done.
    Ok = 0,
    /// A deny under `--fail-on-deny`, a failed scenario, low coverage, a file to reformat.
    Failed = 1,
    /// A usage error (clap reports its own with the same code).
    Usage = 2,
    /// Invalid input: nothing was decided.
    Invalid = 3,
    /// An I/O error.
    Io = 4,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let result = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Eval(args) => eval::run(&args, false),
        Command::Explain(args) => eval::run(&args, true),
        Command::Test(args) => test::run(&args),
        Command::Packs(args) => packs::run(&args),
        Command::Schema(args) => schema::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Evidence(args) => evidence::run(&args),
        Command::Log(args) => log::run(&args),
    };
    match result {
        Ok(code) => code.into(),
        Err(failure) => failure.report().into(),
    }
}

/// Writes a line to stdout; a reader that went away (`| head`) ends the command quietly.
macro_rules! outln {
    ($($t:tt)*) => { $crate::write_out(format_args!($($t)*), true) };
}
/// Writes to stdout without a newline, as [`outln!`] does.
macro_rules! out {
    ($($t:tt)*) => { $crate::write_out(format_args!($($t)*), false) };
}
pub(crate) use {out, outln};

/// The body of [`outln!`] and [`out!`].
pub(crate) fn write_out(args: std::fmt::Arguments<'_>, newline: bool) {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    let written = if newline {
        writeln!(o, "{args}")
    } else {
        write!(o, "{args}")
    };
    if let Err(e) = written.and_then(|()| o.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        report::Failure::write("<stdout>", &e).report();
        std::process::exit(Exit::Io as i32);
    }
}

/// A command's result: how it ended, or why it stopped.
pub(crate) type Outcome = Result<Exit, Failure>;

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
