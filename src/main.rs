use clap::Parser;

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
