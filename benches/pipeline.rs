//! Throughput of each stage on realistic text: decoding, each parser, and the engine matching
//! a scan's worth of records. `cargo bench --bench pipeline`; the end-to-end comparison with
//! ripgrep is scripts/bench.sh.

use ccdiag::engine::Engine;
use ccdiag::engine::fold::fold_into;
use ccdiag::input::{Content, SourceFile, decode};
use ccdiag::parse;
use ccdiag::rules::load;
use ccdiag::scan::{self, ScanOptions};
use divan::counter::BytesCount;
use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

const ENTRY: &str = "CceService Information: 0 : Reporting status to online for appliance CCE-HOST01.\r\n    DateTime=2026-11-18T08:01:00.4000000Z\r\n";
const EXCEPTION: &str = "CceService Error: 0 : Unexpected exception when checking VM EDGE1: System.Net.WebException: The operation has timed out\r\n ---> System.IO.IOException: Unable to read data\r\n   at System.Net.HttpWebRequest.GetResponse()\r\n   at Microsoft.Rtc.CCE.ManagementService.HealthChecker.CheckVm(String name)\r\n";
const CONSOLE: &str = "PS C:\\> Get-Service RTC*\r\n\r\nStatus   Name               DisplayName\r\n------   ----               -----------\r\nRunning  RTCSRV             Skype for Business Server Front-End\r\nRunning  RTCMRAUTH          Skype for Business Server Audio/Vid...\r\n\r\nGet-Item : Cannot find path 'C:\\missing' because it does not exist.\r\nAt line:1 char:1\r\n+ Get-Item C:\\missing\r\n+ ~~~~~~~~~~~~~~~~~~~\r\n    + CategoryInfo          : ObjectNotFound: (C:\\missing:String) [Get-Item], ItemNotFoundException\r\n    + FullyQualifiedErrorId : PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand\r\n\r\n";

/// About `bytes` of text made of `pieces`, in turn.
fn text(pieces: &[&str], bytes: usize) -> String {
    let mut out = String::with_capacity(bytes + 512);
    while out.len() < bytes {
        for piece in pieces {
            out.push_str(piece);
        }
    }
    out
}

const SIZE: usize = 8 << 20;

#[divan::bench]
fn decode_utf16le(bencher: Bencher) {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text(&[CONSOLE], SIZE).encode_utf16().flat_map(u16::to_le_bytes));
    bencher.counter(BytesCount::new(bytes.len())).bench(|| decode::decode(black_box(&bytes)));
}

#[divan::bench]
fn parse_cce_log(bencher: Bencher) {
    let log = text(&[ENTRY, ENTRY, ENTRY, EXCEPTION], SIZE);
    bencher.counter(BytesCount::new(log.len())).bench(|| parse::cce_log::parse(black_box(&log)));
}

#[divan::bench]
fn parse_console(bencher: Bencher) {
    let console = text(&[CONSOLE], SIZE);
    bencher.counter(BytesCount::new(console.len())).bench(|| parse::console::parse(black_box(&console), None));
}

#[divan::bench]
fn parse_ini(bencher: Bencher) {
    let ini = text(&["[Section]\r\nKey=Value with some text\r\nOther = 192.168.213.2/24\r\n; comment\r\n"], 1 << 20);
    bencher.counter(BytesCount::new(ini.len())).bench(|| parse::ini::parse(black_box(&ini)));
}

#[divan::bench]
fn parse_json(bencher: Bencher) {
    let object = "  {\r\n    \"Name\": \"RTCSRV\",\r\n    \"Status\": 4,\r\n    \"StartType\": 2,\r\n    \"DisplayName\": \"Skype for Business Server Front-End\"\r\n  },\r\n";
    let mut json = String::from("[\r\n");
    json.push_str(&text(&[object], 1 << 20));
    json.push_str("  {}\r\n]\r\n");
    bencher.counter(BytesCount::new(json.len())).bench(|| parse::json::parse(black_box(&json), Some("Get-Service")));
}

#[divan::bench]
fn parse_transcript(bencher: Bencher) {
    // Sessions one after another, as a transcript appended to over many days holds them.
    let session =
        include_str!("../examples/cce-host-bundle/transcripts/PowerShell_transcript.CCE-HOST01.20261118093012.txt");
    let transcript = text(&[session], SIZE);
    bencher.counter(BytesCount::new(transcript.len())).bench(|| parse::transcript::parse(black_box(&transcript)));
}

#[divan::bench]
fn parse_clixml(bencher: Bencher) {
    // The event objects of an Export-Clixml of Get-WinEvent, repeated inside one <Objs>.
    let document = decode::decode(include_bytes!("../fixtures/healthy/events/Get-WinEvent_System.xml")).text;
    let (first, last) = (document.find("<Obj ").expect("an object"), document.rfind("</Objs>").expect("the end"));
    let xml = format!("{}{}{}", &document[..first], text(&[&document[first..last]], SIZE), &document[last..]);
    bencher.counter(BytesCount::new(xml.len())).bench(|| parse::clixml::parse(black_box(&xml), Some("Get-WinEvent")));
}

#[divan::bench]
fn parse_csv(bencher: Bencher) {
    // The rows of an Export-Csv of Get-WinEvent, repeated under its type line and header.
    let export = include_str!("../fixtures/CCE105/positive/application-events-csv/Application.csv");
    let header_end = export.match_indices('\n').nth(1).map_or(export.len(), |(i, _)| i + 1);
    let csv = format!("{}{}", &export[..header_end], text(&[&export[header_end..]], SIZE));
    bencher.counter(BytesCount::new(csv.len())).bench(|| parse::csv::parse(black_box(&csv), Some("Get-WinEvent")));
}

/// Folding, which the prefilter runs over every byte of a log before searching it.
#[divan::bench]
fn fold_log(bencher: Bencher) {
    let log = text(&[ENTRY, ENTRY, ENTRY, EXCEPTION], SIZE);
    let mut folded = Vec::with_capacity(log.len());
    bencher.counter(BytesCount::new(log.len())).bench_local(|| {
        folded.clear();
        fold_into(black_box(&log), &mut folded);
    });
}

/// The engine over a log and a console capture held in memory: decode, parse, prefilter,
/// match, facts and outcomes, as a scan does them.
#[divan::bench]
fn engine_scan(bencher: Bencher) {
    let engine = Engine::new(load::built_in().expect("pack loads")).expect("pack compiles");
    let log = text(&[ENTRY, ENTRY, ENTRY, EXCEPTION], SIZE).into_bytes();
    let console = text(&[CONSOLE], SIZE / 4).into_bytes();
    let bytes = log.len() + console.len();
    let sources = || {
        vec![
            SourceFile { path: "CceManagementService.log".into(), content: Content::Memory(Ok(log.clone())) },
            SourceFile { path: "console.txt".into(), content: Content::Memory(Ok(console.clone())) },
        ]
    };
    bencher
        .counter(BytesCount::new(bytes))
        .with_inputs(sources)
        .bench_values(|sources| scan::scan(&engine, &sources, &ScanOptions::default()));
}
