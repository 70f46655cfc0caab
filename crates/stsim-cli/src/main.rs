//! The `stsim` binary: see `stsim --help`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let stdin = std::io::stdin();
    let color = stsim_cli::color_wanted();
    let status = stsim_cli::run_full(&args, &mut stdin.lock(), &mut stdout.lock(), &mut stderr.lock(), color);
    std::process::exit(status as i32);
}
