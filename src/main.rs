use clap::Parser;

/// mimalloc instead of the system's allocator: a board's standings are a thousand small
/// allocations and frees a re-rank, and the sheet writer's JSON, rows and strings as many
/// again a sheet; glibc's malloc spent ~40 % of a re-rank and ~15 % of the writer's time on
/// them (BENCHMARKS.md, ranking engine and judges).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = skillboard::cli::Cli::parse();
    match skillboard::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("skillboard: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
