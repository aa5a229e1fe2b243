use super::*;
use std::fs::File;
use std::io::Cursor;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/evtx/");

fn read(name: &str) -> Parsed {
    parse(File::open(format!("{DIR}{name}")).unwrap(), None)
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}{name}")).unwrap()
}

fn fields(record: &Record) -> Vec<(&str, &str)> {
    record.fields.iter().map(|(n, v)| (&**n, v.as_str())).collect()
}

fn with_id<'p>(parsed: &'p Parsed, id: &str) -> Vec<&'p Record> {
    parsed.records.iter().filter(|r| r.get("Id") == Some(id)).collect()
}

#[test]
fn the_magic_is_the_file_header_signature() {
    assert!(looks_like_evtx(&bytes("system-1.evtx")[..8]));
    assert!(!looks_like_evtx(b"ElfFile"));
    assert!(!looks_like_evtx(b"ElfChnk\0"));
    assert!(!looks_like_evtx(b""));
}

#[test]
fn every_record_of_the_real_files_is_read() {
    for (name, count) in [("system-1.evtx", 1881), ("system-2.evtx", 1160), ("application-no-crc32.evtx", 17)] {
        let parsed = read(name);
        assert_eq!(parsed.records.len(), count, "{name}");
        assert_eq!(parsed.problems, [], "{name}");
        for (i, record) in parsed.records.iter().enumerate() {
            let place = u32::try_from(i + 1).unwrap();
            assert_eq!(record.kind, RecordKind::PsObject);
            assert_eq!(record.span, Span { bytes: 0..0, first_line: place, last_line: place });
            let names: Vec<&str> = record.fields.iter().take(7).map(|(n, _)| &**n).collect();
            assert_eq!(
                names,
                ["TimeCreated", "Id", "ProviderName", "LevelDisplayName", "LogName", "MachineName", "RecordId"]
            );
            assert_eq!(record.fields.last().map(|(n, v)| (&**n, v.as_str())), Some(("producer", PRODUCER)));
            assert!(is_system_time(record.get("TimeCreated").unwrap()), "{record:?}");
            assert!(record.get("Id").unwrap().parse::<u16>().is_ok(), "{record:?}");
            assert!(record.get("RecordId").unwrap().parse::<u64>().is_ok(), "{record:?}");
            assert!(!record.get("ProviderName").unwrap().is_empty(), "{record:?}");
        }
        let channel = if name.starts_with("application") { "Application" } else { "System" };
        assert!(parsed.records.iter().all(|r| r.get("LogName") == Some(channel)), "{name}");
    }
}

#[test]
fn the_windows_update_restart_of_system_2() {
    let parsed = read("system-2.evtx");
    let restarts = with_id(&parsed, "1074");
    assert_eq!(restarts.len(), 2);
    assert_eq!(
        fields(restarts[1]),
        [
            ("TimeCreated", "2018-07-12T00:41:00.5678011Z"),
            ("Id", "1074"),
            ("ProviderName", "User32"),
            ("LevelDisplayName", "Information"),
            ("LogName", "System"),
            ("MachineName", "DESKTOP-1N4R894"),
            ("RecordId", "361"),
            ("param1", r"c:\windows\system32\svchost.exe (DESKTOP-1N4R894)"),
            ("param2", "DESKTOP-1N4R894"),
            ("param3", "Operating System: Service pack (Planned)"),
            ("param4", "0x80020010"),
            ("param5", "restart"),
            ("param6", ""),
            ("param7", r"NT AUTHORITY\SYSTEM"),
            ("producer", "Get-WinEvent"),
        ]
    );
    let upgrade = restarts[0];
    assert_eq!(upgrade.get("ProviderName"), Some("User32"));
    assert_eq!(upgrade.get("param1"), Some(r"C:\WINDOWS\system32\winlogon.exe (DESKTOP-1N4R894)"));
    assert_eq!(upgrade.get("param3"), Some("Operating System: Upgrade (Planned)"));
    assert_eq!(upgrade.get("param4"), Some("0x80020003"));
    assert_eq!(upgrade.get("param5"), Some("restart"));
    assert_eq!(with_id(&parsed, "6006").len(), 2);
}

#[test]
fn the_msiexec_restart_of_system_1() {
    let parsed = read("system-1.evtx");
    let restarts = with_id(&parsed, "1074");
    assert_eq!(restarts.len(), 2);
    let msiexec = restarts.iter().find(|r| r.get("param1") == Some("msiexec.exe")).unwrap();
    assert_eq!(msiexec.get("ProviderName"), Some("User32"));
    assert_eq!(msiexec.get("param4"), Some("0x80030002"));
    assert_eq!(msiexec.get("param5"), Some("restart"));
    assert_eq!(
        msiexec.get("param6"),
        Some(
            "The Windows Installer initiated a system restart to complete or continue the configuration of 'VMware Tools'."
        )
    );
    assert_eq!(restarts[0].get("param4"), Some("0x80020003"));
    assert_eq!(with_id(&parsed, "6006").len(), 2);
}

#[test]
fn unnamed_data_are_numbered_and_user_data_named_by_element() {
    let parsed = read("system-1.evtx");
    // EventLog 6009: five unnamed Data, the second empty-free, the third empty.
    let first = &parsed.records[0];
    assert_eq!(
        fields(first)[1..],
        [
            ("Id", "6009"),
            ("ProviderName", "EventLog"),
            ("LevelDisplayName", "Information"),
            ("LogName", "System"),
            ("MachineName", "WIN-P4SIAA0SQCO"),
            ("RecordId", "1"),
            ("param1", "10.00."),
            ("param2", "15063"),
            ("param3", ""),
            ("param4", "Multiprocessor Free"),
            ("param5", "0"),
            ("producer", "Get-WinEvent"),
        ]
    );
    // UserPnp 20001 keeps its values in UserData/InstallDeviceID; escaped text is unescaped.
    let pnp = parsed.records.iter().find(|r| r.get("Id") == Some("20001")).unwrap();
    assert_eq!(pnp.get("DriverVersion"), Some("10.0.15063.0"));
    assert_eq!(pnp.get("DeviceInstanceID"), Some(r"HID\VID_0E0F&PID_000A&COL01\7&1E4BFC40&0&0000"));
    assert_eq!(pnp.get("InstallDeviceID"), None, "only leaves are fields");
}

#[test]
fn the_file_without_crc32_reads_whole() {
    let parsed = read("application-no-crc32.evtx");
    assert_eq!(parsed.records.len(), 17);
    assert_eq!(parsed.problems, []);
    let ids: Vec<u64> = parsed.records.iter().map(|r| r.get("RecordId").unwrap().parse().unwrap()).collect();
    assert_eq!(ids, (426..=442).collect::<Vec<_>>());
}

#[test]
fn a_truncated_file_keeps_its_first_chunk_and_says_the_rest_is_missing() {
    let mut data = bytes("system-1.evtx");
    data.truncate(70_000);
    let parsed = parse(Cursor::new(data), None);
    // Chunk 0 holds records 1 to 108.
    assert_eq!(parsed.records.len(), 108);
    let problems: Vec<String> = parsed.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        [
            "the file ends 368 bytes into chunk 1 (cut short?): that chunk not read",
            "the header counts 3 chunks, the file holds 1 whole ones: the missing chunks not read",
        ]
    );
}

#[test]
fn a_truncated_file_whose_header_counts_more_chunks_says_so() {
    let mut data = bytes("system-2.evtx");
    data.truncate(4096 + 2 * 65536);
    let parsed = parse(Cursor::new(data), None);
    assert_eq!(parsed.records.len(), 238);
    let problems: Vec<String> = parsed.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems, ["the header counts 4 chunks, the file holds 2 whole ones: the missing chunks not read"]);
}

/// A small deterministic generator, so a failure reproduces.
fn noise(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

#[test]
fn overwritten_bytes_in_a_chunk_cost_some_records_and_say_so() {
    let original = bytes("system-1.evtx");
    for seed in 1..=20u64 {
        let mut data = original.clone();
        let mut next = noise(seed);
        // Chunk 2, past its header: records 211 to 326.
        let start = 4096 + 2 * 65536 + 512;
        for _ in 0..64 {
            let at = start + (next() % 60_000) as usize;
            data[at] = next() as u8;
        }
        let parsed = parse(Cursor::new(data), None);
        // Only chunk 2's records can be lost, and a loss is said: a record or the whole
        // chunk (a damaged link in its string table loses the chunk in the crate).
        assert!((1881 - 116..=1881).contains(&parsed.records.len()), "seed {seed}: {:?}", parsed.problems);
        if parsed.records.len() < 1881 {
            assert!(parsed.problems.len() > 1, "seed {seed}: {:?}", parsed.problems);
        }
        assert!(
            parsed.problems.iter().any(|p| p.message
                == "chunk 2: CRC32 does not match, the chunk is damaged: what is read from it may be wrong"),
            "seed {seed}: {:?}",
            parsed.problems
        );
        let places: Vec<u32> = parsed.records.iter().map(|r| r.span.first_line).collect();
        assert!(places.windows(2).all(|w| w[0] < w[1]), "seed {seed}");
    }
}

#[test]
fn a_garbage_chunk_is_a_problem_and_the_others_are_read() {
    let mut data = bytes("system-2.evtx");
    let mut next = noise(7);
    // Chunk 1 (records 132 to 238) whole, its header too.
    for byte in &mut data[4096 + 65536..4096 + 2 * 65536] {
        *byte = next() as u8;
    }
    let parsed = parse(Cursor::new(data), None);
    assert_eq!(parsed.records.len(), 1160 - 107);
    assert!(parsed.records.iter().all(|r| !(132..=238).contains(&r.get("RecordId").unwrap().parse::<u32>().unwrap())));
    let problems: Vec<String> = parsed.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("chunk 1: "), "{problems:?}");
    assert!(problems[0].ends_with("; its records not read"), "{problems:?}");
    assert!(problems[0].contains("ElfChnk"), "{problems:?}");
}

#[test]
fn a_record_the_crate_cannot_read_is_a_problem_at_its_place() {
    let mut data = bytes("system-2.evtx");
    // Record 2's header magic (`**\0\0`): its first byte.
    let chunk = 4096 + 512;
    let first_size = u32::from_le_bytes(data[chunk + 4..chunk + 8].try_into().unwrap()) as usize;
    assert_eq!(&data[chunk + first_size..chunk + first_size + 4], b"\x2a\x2a\0\0");
    data[chunk + first_size] = b'X';
    let parsed = parse(Cursor::new(data), None);
    assert_eq!(parsed.records.len(), 1159);
    let unread: Vec<&Problem> = parsed.problems.iter().filter(|p| p.message.starts_with("record ")).collect();
    assert_eq!(unread.len(), 1, "{:?}", parsed.problems);
    assert!(unread[0].message.starts_with("record 2 (chunk 0) not read: "), "{unread:?}");
    assert_eq!(parsed.records[1].span.first_line, 3, "places count the unread record");
    assert_eq!(parsed.records[1].get("RecordId"), Some("3"));
}

#[test]
fn records_a_damaged_size_leads_past_are_counted_as_not_read() {
    let mut data = bytes("system-2.evtx");
    let chunk = 4096 + 512;
    let size_at = |data: &[u8], at: usize| u32::from_le_bytes(data[at + 4..at + 8].try_into().unwrap());
    let (first, second) = (size_at(&data, chunk), size_at(&data, chunk + size_at(&data, chunk) as usize));
    let third = size_at(&data, chunk + (first + second) as usize);
    // Record 1 now claims records 2 and 3 as well; the crate walks on from record 4.
    data[chunk + 4..chunk + 8].copy_from_slice(&(first + second + third).to_le_bytes());
    let parsed = parse(Cursor::new(data), None);
    let problems: Vec<String> = parsed.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        [
            "chunk 0: CRC32 does not match, the chunk is damaged: what is read from it may be wrong",
            "chunk 0: its header counts 131 records (EventRecordID 1 to 131), 129 were found: 2 not read",
        ]
    );
    assert_eq!(parsed.records.len(), 1158);
    assert_eq!(parsed.records[1].get("RecordId"), Some("4"));
}

#[test]
fn files_that_are_not_event_logs_are_problems() {
    let zeros = vec![0u8; 70_000];
    let mut short = bytes("system-1.evtx");
    short.truncate(100);
    let mut no_magic = bytes("system-1.evtx");
    no_magic[0] = b'X';
    for (what, data, says) in [
        ("empty", Vec::new(), "event log file (.evtx) not read: empty"),
        ("zeros", zeros, "event log file (.evtx) not read: its header cannot be read: "),
        ("short", short, "event log file (.evtx) not read: 100 bytes, shorter than its header"),
        ("no magic", no_magic, "event log file (.evtx) not read: its header cannot be read: "),
    ] {
        let parsed = parse(Cursor::new(data), None);
        assert_eq!(parsed.records, [], "{what}");
        assert_eq!(parsed.problems.len(), 1, "{what}: {:?}", parsed.problems);
        assert!(parsed.problems[0].message.starts_with(says), "{what}: {:?}", parsed.problems);
        assert_eq!(parsed.problems[0].line, None);
        let kind = if what == "empty" { ProblemKind::Empty } else { ProblemKind::Syntax };
        assert_eq!(parsed.problems[0].kind, kind, "{what}");
    }
}

#[test]
fn a_header_alone_is_an_empty_log_and_a_damaged_header_is_said() {
    let mut data = bytes("system-2.evtx");
    data.truncate(4096);
    let parsed = parse(Cursor::new(data.clone()), None);
    assert_eq!(parsed.records, []);
    assert_eq!(parsed.problems.len(), 1, "the header counts 4 chunks: {:?}", parsed.problems);
    // The chunk count, under the header's CRC32.
    data[42] = 0;
    data[43] = 0;
    let parsed = parse(Cursor::new(data), None);
    let problems: Vec<String> = parsed.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems, ["file header CRC32 does not match, the header is damaged; chunks read anyway"]);
}

#[test]
fn reading_stops_past_max_records() {
    let parsed = parse(File::open(format!("{DIR}system-2.evtx")).unwrap(), Some(200));
    assert_eq!(parsed.records.len(), 200);
    let problems: Vec<String> = parsed.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems, ["record 201: more than 200 records: reading stopped here, the rest not read"]);
    let exact = parse(File::open(format!("{DIR}application-no-crc32.evtx")).unwrap(), Some(17));
    assert_eq!((exact.records.len(), exact.problems.len()), (17, 0));
}

#[test]
fn insertion_strings_cannot_take_the_records_own_names() {
    let xml = br#"<?xml version="1.0" encoding="utf-8"?>
<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="P &amp; Q"/><EventID Qualifiers="16384">7036</EventID><Level>2</Level><TimeCreated SystemTime="2026-12-05T10:14:22.0000001Z"/><EventRecordID>9</EventRecordID><Channel>System</Channel><Computer>CCE-HOST01</Computer></System><EventData><Data Name="producer">evil</Data><Data Name="id">1</Data><Data>&lt;x&gt;&#65;&#x42;&bogus;</Data><Data Name="">e</Data><Binary>00</Binary></EventData></Event>"#;
    let record = event(xml, 1, Timestamp::UNIX_EPOCH, 4).unwrap();
    assert_eq!(
        fields(&record),
        [
            ("TimeCreated", "2026-12-05T10:14:22.0000001Z"),
            ("Id", "7036"),
            ("ProviderName", "P & Q"),
            ("LevelDisplayName", "Error"),
            ("LogName", "System"),
            ("MachineName", "CCE-HOST01"),
            ("RecordId", "9"),
            ("EventData.producer", "evil"),
            ("EventData.id", "1"),
            ("param3", "<x>AB&bogus;"),
            ("param4", "e"),
            ("producer", "Get-WinEvent"),
        ]
    );
}

#[test]
fn a_bare_event_gets_its_times_and_ids_from_the_record_header() {
    let time = Timestamp::new(1_467_999_171, 681_300_000).unwrap();
    let record = event(b"<Event><System><Level>16</Level></System></Event>", 77, time, 1).unwrap();
    assert_eq!(
        fields(&record),
        [
            ("TimeCreated", "2016-07-08T17:32:51.6813000Z"),
            ("Id", ""),
            ("ProviderName", ""),
            ("LevelDisplayName", "16"),
            ("LogName", ""),
            ("MachineName", ""),
            ("RecordId", "77"),
            ("producer", "Get-WinEvent"),
        ]
    );
    let before_1970 = Timestamp::from_second(-11_644_473_600).unwrap();
    assert_eq!(format_time(before_1970), "1601-01-01T00:00:00.0000000Z");
}

#[test]
fn xml_that_is_not_one_event_is_an_error() {
    for (xml, says) in [
        (&b"<System/>"[..], "root element is <System>, not <Event>"),
        (b"<Event><System></Event>", "<System> closed by </Event>"),
        (b"<Event>", "its XML ends inside <Event>"),
        (b"<Event/><Event/>", "more than one root element"),
        (b"", "no <Event> element"),
        (b"<Event a=b/>", "attribute \"a\" of <Event> is not quoted"),
        (b"<Event><![CDATA[x</Event>", "unterminated CDATA section"),
        (b"</Event>", "</Event> closes nothing"),
        (b"<Event a=\"\xff/>", "attribute \"a\" of <Event> is not closed"),
    ] {
        assert_eq!(event(xml, 1, Timestamp::UNIX_EPOCH, 1).err().as_deref(), Some(says), "{xml:?}");
    }
}
