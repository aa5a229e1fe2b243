//! Properties that hold for any input, checked on generated ones in every `cargo test` (the
//! fuzz targets under fuzz/ explore further, for minutes). Kept small enough to run in a few
//! seconds in a debug build.

use ccdiag::input::decode::{self, Encoding};
use ccdiag::parse::{self, FileKind, cce_log};
use ccdiag::record::{Parsed, Record};
use proptest::prelude::*;

/// Lines of every format ccdiag reads, and pieces of them: mixed in any order, they reach the
/// corners where one parser's structure meets another's, or breaks off.
const FRAGMENTS: &[&str] = &[
    "CceService Error: 0 : Unexpected exception when reporting status to online: System.Exception: boom",
    "Microsoft.Rtc.CceManagementService Warning: 1002 : Site directory is not reachable",
    "CceService Verbose: 0 :",
    "   at System.Management.Automation.Runspaces.AsyncResult.EndInvoke()",
    " ---> System.IO.IOException: The network path was not found.",
    "   --- End of inner exception stack trace ---",
    "    ProcessId=2212",
    "    DateTime=2017-11-06T09:15:02.1234567Z",
    "    Callstack=   at System.Environment.GetStackTrace(Exception e, Boolean needFileInfo)",
    "ConvertTo-SecureString : Key not valid for use in specified state.",
    "At C:\\Program Files\\Skype for Business Cloud Connector Edition\\x.ps1:681 char:5",
    "+ $cred = ConvertTo-SecureString $blob",
    "+        ~~~~~~~~~~~~~~~~~~~~~~~~~~~",
    "    + CategoryInfo          : InvalidArgument: (:) [ConvertTo-SecureString], CryptographicException",
    "    + FullyQualifiedErrorId : ImportSecureString_InvalidArgument_CryptographicError,Microsoft.PowerShell.Commands.ConvertToSecureStringCommand",
    "    + PSComputerName        : CMS",
    "WARNING: The Windows Update service is disabled",
    "Name        : REPLICA",
    "Status      : Stopped",
    "              continued value",
    "Name    State   CPUUsage(%) MemoryAssigned(M)",
    "----    -----   ----------- -----------------",
    "CMS     Running 2           4096",
    "EDGE1   Off     0           0...",
    "**********************",
    "Windows PowerShell transcript start",
    "Start time: 20261119080211",
    "Username: CONTOSO\\sfbadmin",
    "Machine: ADMIN-PC (Microsoft Windows NT 10.0.14393.0)",
    "PSVersion: 5.1.14393.4583",
    "Windows PowerShell transcript end",
    "PS C:\\Users\\sfbadmin> Get-CcVersion",
    "PS>Get-VM | Format-List *",
    "[Common]",
    "[Common",
    "SiteName=Site1",
    "State=",
    "; comment",
    "=value without key",
    "[",
    "{",
    "}",
    "[{\"Name\": \"REPLICA\", \"Status\": 1},",
    "\"Id\": 20006, \"Message\": \"Appliance cannot be recovered\\u0020automatically\"",
    "\"TimeCreated\": \"/Date(1764929662000)/\",",
    "]",
    "<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">",
    "<Obj RefId=\"0\"><TN RefId=\"0\"><T>System.Diagnostics.Eventing.Reader.EventLogRecord</T></TN>",
    "<Props><S N=\"Message\">Completed recovery, recover result: CannotRecover</S><I32 N=\"Id\">304</I32>",
    "<DT N=\"TimeCreated\">2026-12-05T10:14:21.5+01:00</DT></Props></Obj>",
    "<Ref RefId=\"0\" /><Nil N=\"x\" /><S>&lt;&amp;&#x1F600;&#xD800;</S>",
    "</Objs>",
    "#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord",
    "\"Message\",\"Id\",\"ProviderName\",\"TimeCreated\"",
    "\"Appliance cannot be recovered\",\"20006\",\"CceManagementService\",\"12/5/2026 10:14:22 AM\"",
    "\"unterminated,\"quote",
    "Ebene,Datum und Uhrzeit,Quelle,Ereignis-ID,Aufgabenkategorie",
    "Fehler,05.12.2026 10:15:21,CceManagementService,304,Keine,\"mehrzeilig",
    "",
    "   ",
    "\t",
    "\u{FFFD}\u{FFFD}",
    "ünïcödé — “quotes” 日本語 😀",
];

/// A text of realistic lines in any order, with CRLF or LF endings.
fn fragment_text() -> impl Strategy<Value = String> {
    (prop::collection::vec(prop::sample::select(FRAGMENTS), 0..40), any::<bool>()).prop_map(|(lines, crlf)| {
        let end = if crlf { "\r\n" } else { "\n" };
        lines.iter().map(|l| format!("{l}{end}")).collect()
    })
}

/// Records point into their text: excerpts and line numbers in reports come from there.
fn assert_well_formed(text: &str, parsed: &Parsed) {
    let lines = u32::try_from(text.split('\n').count()).unwrap();
    for record in &parsed.records {
        let span = &record.span;
        assert!(text.get(span.bytes.clone()).is_some(), "span {span:?} not in a text of {} bytes", text.len());
        assert!(span.first_line <= span.last_line && span.last_line <= lines, "{span:?} with {lines} lines");
    }
}

fn parse_all_kinds(text: &str) {
    // Every kind, binary included: its parser must take any text too.
    for kind in FileKind::ALL {
        for producer in [None, Some("Get-WinEvent")] {
            let parsed = parse::parse(kind, text, producer);
            assert_well_formed(text, &parsed);
        }
    }
}

/// Text as a UTF-16 encoder writes it, with its BOM.
fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut bytes = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
    for unit in text.encode_utf16() {
        bytes.extend(if big_endian { unit.to_be_bytes() } else { unit.to_le_bytes() });
    }
    bytes
}

/// Moves the records of a text that followed `offset` bytes and `lines` lines of another.
fn shifted(records: Vec<Record>, offset: usize, lines: u32) -> Vec<Record> {
    records
        .into_iter()
        .map(|mut r| {
            r.span.bytes = r.span.bytes.start + offset..r.span.bytes.end + offset;
            r.span.first_line += lines;
            r.span.last_line += lines;
            r
        })
        .collect()
}

/// One CCE log entry: a header and what may follow it.
fn cce_entry() -> impl Strategy<Value = Vec<&'static str>> {
    let header = prop::sample::select(&FRAGMENTS[..3]);
    let following = prop::collection::vec(prop::sample::select(&FRAGMENTS[3..10]), 0..5);
    (header, following).prop_map(|(header, mut following)| {
        following.insert(0, header);
        following
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn parsers_never_panic_on_any_text(text in any::<String>()) {
        parse_all_kinds(&text);
    }

    #[test]
    fn parsers_never_panic_on_any_mix_of_real_lines(text in fragment_text()) {
        parse_all_kinds(&text);
    }

    #[test]
    fn parsers_never_panic_on_real_lines_with_damage(
        text in fragment_text(),
        damage in prop::collection::vec((any::<prop::sample::Index>(), any::<char>()), 1..8),
    ) {
        let mut chars: Vec<char> = text.chars().collect();
        for (at, c) in damage {
            if !chars.is_empty() {
                let i = at.index(chars.len());
                chars[i] = c;
            }
        }
        parse_all_kinds(&chars.into_iter().collect::<String>());
    }

    #[test]
    fn decoding_never_fails_and_never_yields_a_nul(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let decoded = decode::decode(&bytes);
        prop_assert!(!decoded.text.contains('\0'));
    }

    /// Every log line holds some ASCII, which is what tells honest UTF-16 from a BOM glued onto
    /// 8-bit text; a NUL is removed by design.
    #[test]
    fn utf16_and_utf8_round_trip(body in any::<String>(), big_endian in any::<bool>()) {
        let text = format!("x{}", body.replace('\0', ""));
        let decoded = decode::decode(&utf16(&text, big_endian));
        prop_assert_eq!(&decoded.text, &text);
        prop_assert_eq!(decoded.encoding, if big_endian { Encoding::Utf16BeBom } else { Encoding::Utf16LeBom });
        prop_assert!(decoded.problems.is_empty());
        let decoded = decode::decode(text.as_bytes());
        prop_assert_eq!(&decoded.text, &text);
        prop_assert_eq!(decoded.encoding, Encoding::Utf8);
        let mut with_bom = b"\xEF\xBB\xBF".to_vec();
        with_bom.extend_from_slice(text.as_bytes());
        prop_assert_eq!(decode::decode(&with_bom).text, text);
    }

    /// Without a BOM, UTF-16LE is recognised by the NULs of its ASCII: mostly-ASCII text (any
    /// log) comes back whole.
    #[test]
    fn bomless_utf16le_round_trips(
        chars in prop::collection::vec(
            prop_oneof![9 => prop::char::range(' ', '~'), 1 => Just('\n'), 1 => any::<char>()],
            1..300,
        ),
    ) {
        let text: String = chars.into_iter().filter(|&c| c != '\0').collect();
        prop_assume!(text.starts_with(|c: char| c.is_ascii()));
        let ascii = text.chars().filter(char::is_ascii).count();
        prop_assume!(ascii * 10 >= text.chars().count() * 9);
        let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let decoded = decode::decode(&bytes);
        prop_assert_eq!(decoded.encoding, Encoding::Utf16Le);
        prop_assert_eq!(decoded.text, text);
    }

    /// A log cut into chunks at entry boundaries (a header line) parses as the whole does, once
    /// each chunk's records are moved to where the chunk starts: the invariant a chunked reader
    /// relies on.
    #[test]
    fn a_log_split_at_an_entry_boundary_parses_the_same(
        preamble in prop::collection::vec(prop::sample::select(&FRAGMENTS[3..]), 0..3),
        entries in prop::collection::vec(cce_entry(), 1..12),
        split in any::<prop::sample::Index>(),
        crlf in any::<bool>(),
    ) {
        let end = if crlf { "\r\n" } else { "\n" };
        let join = |lines: &[&str]| -> String { lines.iter().map(|l| format!("{l}{end}")).collect() };
        let split = split.index(entries.len() + 1);
        let mut head: Vec<&str> = preamble.clone();
        head.extend(entries[..split].iter().flatten());
        let tail: Vec<&str> = entries[split..].iter().flatten().copied().collect();
        let (head, tail) = (join(&head), join(&tail));
        let whole = cce_log::parse(&format!("{head}{tail}"));
        let head_lines = u32::try_from(head.matches('\n').count()).unwrap();
        let mut pieces = cce_log::parse(&head).records;
        pieces.extend(shifted(cce_log::parse(&tail).records, head.len(), head_lines));
        prop_assert_eq!(whole.records, pieces);
    }

    /// Counting a log's records without making them gives the number parsing makes, whatever
    /// lines come before the first entry: stretches without a literal are only counted.
    #[test]
    fn counting_log_records_agrees_with_parsing(
        preamble in prop::collection::vec(prop::sample::select(FRAGMENTS), 0..4),
        entries in prop::collection::vec(cce_entry(), 0..12),
        crlf in any::<bool>(),
    ) {
        let end = if crlf { "\r\n" } else { "\n" };
        let text: String = preamble.iter().copied().chain(entries.into_iter().flatten()).map(|l| format!("{l}{end}")).collect();
        prop_assert_eq!(cce_log::count_records(&text), cce_log::parse(&text).records.len());
    }
}
