//! The `stsim` binary: see `stsim --help`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stdout = std::io::stdout();
    // stderr is not locked for the whole run: the sweep's progress bar
    // writes to it from another thread.
    let mut stderr = std::io::stderr();
    let stdin = std::io::stdin();
    let color = stsim_cli::color_wanted();
    let status = stsim_cli::run_full(&args, &mut stdin.lock(), &mut stdout.lock(), &mut stderr, color);
    std::process::exit(status as i32);
}
