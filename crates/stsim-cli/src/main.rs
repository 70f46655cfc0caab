//! The `stsim` binary: see `stsim --help`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stdout = std::io::stdout();
    // Not locked for the whole run: the sweep's progress bar writes to
    // stderr from another thread.
    let mut stderr = std::io::stderr();
    let status = stsim_cli::run(&args, &mut stdout.lock(), &mut stderr);
    std::process::exit(status as i32);
}
