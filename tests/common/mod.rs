//! What the integration tests share: running the binary (killed if it hangs), reading its JSON,
//! writing files and zips as hosts write them, and the built-in engine.
//!
//! Each test binary compiles this module and uses part of it.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use ccdiag::engine::Engine;
use serde_json::Value;

pub const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/cce-host-bundle");
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");

/// Longer than any scan of the tests takes on a loaded machine in a debug build; past it, the
/// scan is taken to hang.
pub const HANG: Duration = Duration::from_secs(240);

/// Runs the binary without colour and kills it if it hangs, so a hang fails the test instead
/// of stalling it.
pub fn ccdiag(args: &[&str]) -> Output {
    ccdiag_with_stdin(args, &[])
}

/// [`ccdiag`] with `stdin` fed to it.
pub fn ccdiag_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    run(args, stdin, None)
}

/// [`ccdiag`] run in the folder `cwd`, with `stdin` fed to it: what a config file is looked for
/// from, and what paths in reports are relative to.
pub fn ccdiag_in(cwd: &Path, args: &[&str], stdin: &[u8]) -> Output {
    run(args, stdin, Some(cwd))
}

fn run(args: &[&str], stdin: &[u8], cwd: Option<&Path>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ccdiag"));
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    let mut child = command
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ccdiag runs");
    let input = stdin.to_vec();
    let mut pipe = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        // The binary may stop reading early (a bad argument); a broken pipe is its answer.
        let _ = pipe.write_all(&input);
    });
    // Drain the pipes while waiting: a report larger than the pipe buffer would block the child.
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let err = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > HANG {
            child.kill().unwrap();
            panic!("ccdiag {args:?} still running after {HANG:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    feeder.join().unwrap();
    Output { status, stdout: out.join().unwrap().into_bytes(), stderr: err.join().unwrap().into_bytes() }
}

/// The JSON report on stdout.
pub fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("JSON: {e}\n{}\n{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
    })
}

/// `scan DIR --format FORMAT --fail-on never` plus `extra`; the report as text.
pub fn scan(dir: &Path, format: &str, extra: &[&str]) -> String {
    let mut args = vec!["scan", dir.to_str().unwrap(), "--format", format, "--fail-on", "never"];
    args.extend_from_slice(extra);
    let output = ccdiag(&args);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("reports are UTF-8")
}

/// The built-in pack, compiled.
pub fn engine() -> Engine {
    Engine::new(ccdiag::rules::load::built_in().unwrap()).unwrap()
}

/// Writes `bytes` at `dir/name`, making the folders on the way.
pub fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// Text as Windows PowerShell's `>` writes it: UTF-16LE with a BOM.
pub fn utf16le_bom(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(utf16le(text));
    bytes
}

/// UTF-16LE without a BOM.
pub fn utf16le(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// A zip of `entries`, compressed with `method`.
pub fn zip_of(entries: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut writer = zip::ZipWriter::new(&mut buf);
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    for (name, data) in entries {
        writer.start_file(*name, options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap();
    buf.into_inner()
}
