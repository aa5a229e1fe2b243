fn main() -> std::process::ExitCode {
    ccdiag::cli::run()
}
