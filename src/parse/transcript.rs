//! `Start-Transcript` files.
//!
//! A transcript is console text framed by asterisk blocks: a session header (who, where, which
//! PowerShell), optional `Command start time:` blocks, prompts with the typed command, and a
//! footer. `Start-Transcript -Append` stacks several sessions in one file, and a transcript of
//! a session that crashed or is still running has no footer. What sits between prompts is the
//! output of the command typed at the previous prompt, which is how the console parser learns
//! its producer.
//!
//! A console window copied as text (`PS C:\> Install-CcAppliance` and what it printed) is a
//! transcript without a header: its prompts are read the same way.

use std::sync::LazyLock;

use regex::Regex;

use crate::parse::command::{self, Shown};
use crate::parse::lines::{self, Line};
use crate::parse::{console, json, select_string};
use crate::record::{Context, Origin, Parsed, Record, RecordKind, Span};
use crate::time::Timestamp;

/// How many lines a header block may have before we stop believing it is one. Real headers
/// have 4 (PowerShell 2.0) to about 20 lines.
const MAX_HEADER_LINES: usize = 64;

/// How far into a file [`looks_like_transcript`] looks for a header: a BOM, a few blank lines
/// or a stray line before the first asterisks should not hide it.
const SNIFF_BYTES: usize = 4096;

/// A prompt as transcripts record it: `PS C:\Users\admin> cmd`, `PS>cmd`, and in a remote
/// session `[admin.vdomain.com]: PS C:\Users\admin\Documents> cmd`.
static PROMPT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:\[[^\]]+\]: )?PS(?:>| [^>]*>)(.*)$").expect("valid regex"));

/// Windows PowerShell 5.1 logs every terminating error as `PS>TerminatingError(Cmd): "msg"`
/// (or `>> TerminatingError(...)` inside a pipeline), whether or not a `try` caught it.
static TERMINATING_ERROR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^(?:PS)?>+ ?TerminatingError\(([^)]*)\): "(.*)"\s*$"#).expect("valid regex"));

pub fn parse(text: &str) -> Parsed {
    let all = lines::all_lines(text);
    let mut parser = Parser {
        text,
        lines: &all,
        out: Parsed::default(),
        session: None,
        sessions: 0,
        chunk_start: 0,
        producer: None,
        command_time: None,
        run: 0,
        at: None,
        shown: Shown::Output,
        open_command: None,
    };
    parser.run();
    parser.out
}

/// Whether a line is a prompt with the command typed at it: where a big transcript may be cut.
pub fn starts_run(line: &str) -> bool {
    PROMPT.captures(line).is_some_and(|c| c.get(1).is_some_and(|typed| !typed.as_str().trim().is_empty()))
}

/// true when the text starts with (or contains near the start) a transcript header, or opens
/// with a prompt and the command typed at it (a console copied as text).
pub fn looks_like_transcript(text: &str) -> bool {
    let head = &text[..text.floor_char_boundary(SNIFF_BYTES)];
    let first_line = head.trim_start_matches('\u{feff}').lines().find(|l| !l.trim().is_empty()).unwrap_or_default();
    let lower = head.to_lowercase();
    BANNERS.iter().any(|(start, _)| lower.contains(start)) || starts_run(first_line)
}

/// The session a header opened, kept until its footer (or the next header, or the end of the
/// file) says where it ends.
struct Session {
    record: usize,
    index: usize,
    user: Option<String>,
    machine: Option<String>,
    start: Option<String>,
    start_iso: Option<String>,
    start_at: Option<Timestamp>,
}

struct Parser<'p, 'a> {
    text: &'a str,
    lines: &'p [Line<'a>],
    out: Parsed,
    session: Option<Session>,
    sessions: usize,
    /// First line of the console output not yet handed to the console parser.
    chunk_start: usize,
    producer: Option<String>,
    command_time: Option<String>,
    /// The command run whose output is being read (see [`crate::record::Context::run`]).
    run: u32,
    /// When it ran, as far as the transcript says.
    at: Option<Timestamp>,
    /// What its output is.
    shown: Shown,
    /// Its `ps_command` record and the error records its output held so far: the count is
    /// written on the record once the output ends.
    open_command: Option<(usize, u32)>,
}

fn is_asterisks(line: &Line<'_>) -> bool {
    let t = line.text.trim();
    t.len() >= 3 && t.bytes().all(|b| b == b'*')
}

/// The banners of a transcript's header and footer, lower case, as PowerShell 2.0, 5.1 and 7
/// write them in the UI languages hosts run: English, German (two wordings across releases),
/// Japanese and French. The header's keys follow the same language (see [`canonical_key`]).
const BANNERS: &[(&str, &str)] = &[
    ("windows powershell transcript start", "windows powershell transcript end"),
    ("powershell transcript start", "powershell transcript end"),
    ("start der windows powershell-aufzeichnung", "ende der windows powershell-aufzeichnung"),
    ("windows powershell-transkriptstart", "windows powershell-transkriptende"),
    ("windows powershell トランスクリプト開始", "windows powershell トランスクリプト終了"),
    ("début de la transcription windows powershell", "fin de la transcription windows powershell"),
];

/// What `Start-Transcript` prints under the header, per language: not output of a command.
const STARTED_NOTICES: &[&str] = &[
    "Transcript started",
    "Die Aufzeichnung wurde gestartet",
    "トランスクリプトが開始されました",
    "Transcription démarrée",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Banner {
    Start,
    End,
}

fn banner(line: &Line<'_>) -> Option<Banner> {
    let text = line.text.trim().to_lowercase();
    BANNERS.iter().find_map(|(start, end)| {
        if text == *start {
            Some(Banner::Start)
        } else if text == *end {
            Some(Banner::End)
        } else {
            None
        }
    })
}

/// A localized header key in English, which the rest of the parser speaks.
fn canonical_key(key: &str) -> &str {
    const ALIASES: &[(&str, &str)] = &[
        ("Startzeit", "Start time"),
        ("開始時刻", "Start time"),
        ("Heure de début", "Start time"),
        ("Benutzername", "Username"),
        ("ユーザー名", "Username"),
        ("Nom d'utilisateur", "Username"),
        ("RunAs-Benutzer", "RunAs User"),
        ("RunAs-User", "RunAs User"),
        ("RunAs ユーザー", "RunAs User"),
        ("Utilisateur RunAs", "RunAs User"),
        ("Konfigurationsname", "Configuration Name"),
        ("構成名", "Configuration Name"),
        ("Computer", "Machine"),
        ("コンピューター", "Machine"),
        ("Ordinateur", "Machine"),
        ("Hostanwendung", "Host Application"),
        ("ホスト アプリケーション", "Host Application"),
        ("Application hôte", "Host Application"),
        ("Prozess-ID", "Process ID"),
        ("プロセス ID", "Process ID"),
        ("ID de processus", "Process ID"),
        ("Endzeit", "End time"),
        ("終了時刻", "End time"),
        ("Heure de fin", "End time"),
        ("Startzeit des Befehls", "Command start time"),
        ("コマンドの開始時刻", "Command start time"),
        ("Heure de début de la commande", "Command start time"),
    ];
    ALIASES.iter().find(|(alias, _)| alias.eq_ignore_ascii_case(key)).map_or(key, |(_, english)| english)
}

/// `Key: value` or the padded `Key  : value` of PowerShell 2.0 headers, the key in English.
fn header_entry<'t>(line: &Line<'t>) -> Option<(&'t str, &'t str)> {
    let (key, value) = line.text.split_once(':')?;
    let key = key.trim();
    let plausible =
        !key.is_empty() && key.len() <= 40 && key.chars().all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '\''));
    plausible.then(|| (canonical_key(key), value.trim()))
}

/// The field a header key becomes: `Host Application` → `host_application`,
/// `PSVersion` → `ps_version`, `CLRVersion` → `clr_version`.
fn field_name(key: &str) -> String {
    match key.to_ascii_lowercase().replace(' ', "").as_str() {
        "runasuser" => return "runas_user".to_string(),
        "wsmanstackversion" => return "wsman_stack_version".to_string(),
        _ => {}
    }
    let chars: Vec<char> = key.chars().collect();
    let mut out = String::with_capacity(key.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1);
        let boundary = c.is_uppercase()
            && prev.is_some_and(|p| p.is_lowercase() || (p.is_uppercase() && next.is_some_and(|n| n.is_lowercase())));
        if boundary && !out.ends_with('_') {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// The cmdlet whose output follows a prompt: the first token of the command, or for an
/// assignment (`$s = New-PSSession ...`) the first `Verb-Noun` after the `=`.
fn command_name(command: &str) -> Option<String> {
    let first_line = command.lines().next()?.trim();
    let assignment =
        first_line.starts_with(['$', '[']).then(|| first_line.split_once('=').map(|(_, rhs)| rhs)).flatten();
    let clean = |token: &str| {
        let token = token.trim_start_matches(['(', '&']);
        let token = token.split([')', '|', ';', '{']).next().unwrap_or(token);
        token.trim_matches(['"', '\'']).to_string()
    };
    let tokens = |s: &'_ str| {
        s.split_whitespace()
            .filter(|t| !matches!(*t, "&" | "." | "="))
            .map(clean)
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
    };
    match assignment {
        Some(rhs) => {
            let tokens = tokens(rhs);
            let verb_noun = tokens.iter().find(|t| super::producer::is_verb_noun(t)).cloned();
            verb_noun.or_else(|| tokens.into_iter().next())
        }
        None => tokens(first_line).into_iter().next(),
    }
}

impl Parser<'_, '_> {
    fn run(&mut self) {
        let mut i = 0;
        while i < self.lines.len() {
            i = self.step(i).max(i + 1);
        }
        self.flush(self.lines.len());
        self.finish_command();
        if let Some(last) = self.lines.len().checked_sub(1) {
            self.close_session(last, None);
        }
    }

    fn step(&mut self, i: usize) -> usize {
        let lines = self.lines;
        let line = &lines[i];
        if is_asterisks(line)
            && let Some(next) = lines.get(i + 1)
        {
            match banner(next) {
                Some(Banner::Start) => return self.header(i),
                Some(Banner::End) => return self.footer(i),
                None => {}
            }
            if let Some((key, value)) = header_entry(next)
                && key.eq_ignore_ascii_case("Command start time")
                && lines.get(i + 2).is_some_and(is_asterisks)
            {
                self.flush(i);
                self.command_time = Some(value.to_string());
                self.chunk_start = i + 3;
                return i + 3;
            }
        }
        if let Some(caps) = TERMINATING_ERROR.captures(line.text) {
            self.flush(i);
            let record = Record::new(RecordKind::Text, span(lines, i, i))
                .with("line", line.text)
                .with("stream", "terminating_error")
                .with("command", &caps[1])
                .with("message", &caps[2]);
            let before = self.out.records.len();
            self.out.records.push(record);
            self.label(before);
            self.chunk_start = i + 1;
            return i + 1;
        }
        // Before any header only a headerless copy of a console has prompts (see
        // `looks_like_transcript`); inside a header's session every transcript does.
        if (self.session.is_some() || self.sessions == 0)
            && let Some(caps) = PROMPT.captures(line.text)
        {
            return self.command(i, caps.get(1).map_or("", |m| m.as_str()));
        }
        i + 1
    }

    /// Reads the output lines gathered since the last prompt or block: as a log's entries when
    /// the command printed a log, as console output otherwise; every record it gives carries
    /// the run's context, and its origin says whose words it holds.
    fn flush(&mut self, end: usize) {
        if self.chunk_start < end {
            let before = self.out.records.len();
            let chunk = &self.lines[self.chunk_start..end];
            match self.shown {
                Shown::Log => self.log_lines(chunk),
                Shown::Json => self.json_lines(chunk),
                _ => console::parse_lines(chunk, self.producer.as_deref(), &mut self.out),
            }
            self.label(before);
        }
        self.chunk_start = end;
    }

    /// Gives the records from `before` on the context of the run that printed them.
    fn label(&mut self, before: usize) {
        let origin = match self.shown {
            Shown::Output | Shown::Log | Shown::Json => Origin::Output,
            Shown::Quoted => Origin::Quoted,
            Shown::Script => Origin::Script,
        };
        let mut errors = 0;
        // An error says which typed command it came from: `Install-CcAppliance -Upgrade` is not
        // a first deployment, though the module reports both as Install-CcAppliance.
        let prompt = self
            .open_command
            .and_then(|(index, _)| self.out.records.get(index))
            .and_then(|command| command.get("command"))
            .map(str::to_owned);
        for record in &mut self.out.records[before..] {
            if let Some(prompt) = &prompt
                && record.kind == RecordKind::PsError
            {
                record.push("prompt", prompt.clone());
            }
            record.context.at = self.at;
            record.context.run = self.run;
            // A script's own error records (`throw`) were told apart by the console parser;
            // a cmdlet's error inside a script is still the cmdlet's.
            let keeps_its_own = origin == Origin::Script && record.kind == RecordKind::PsError;
            if origin != Origin::Output && !keeps_its_own {
                record.context.origin = origin;
            }
            let failed =
                record.kind == RecordKind::PsError || record.get("stream").is_some_and(|s| s == "terminating_error");
            if failed && record.context.origin != Origin::Quoted {
                errors += 1;
            }
        }
        if let Some((_, count)) = &mut self.open_command {
            *count += errors;
        }
    }

    /// Lines of a log shown at the prompt, `Select-String` hits (`path:line:text`) included,
    /// read as the log's entries.
    /// `... | ConvertTo-Json` printed an export: its objects, placed at their lines.
    fn json_lines(&mut self, chunk: &[Line<'_>]) {
        let (Some(first), Some(last)) = (chunk.first(), chunk.last()) else { return };
        let mut parsed = json::parse(&self.text[first.start..last.end], self.producer.as_deref());
        parsed.shift(first.start, first.number - 1);
        self.out.records.extend(parsed.records);
        self.out.problems.extend(parsed.problems);
    }

    fn log_lines(&mut self, chunk: &[Line<'_>]) {
        self.out.records.extend(select_string::log_records(chunk));
    }

    /// Writes the error count of the command run that just ended on its record.
    fn finish_command(&mut self) {
        if let Some((record, errors)) = self.open_command.take()
            && let Some(record) = self.out.records.get_mut(record)
        {
            record.push("errors", errors.to_string());
        }
    }

    fn header(&mut self, first: usize) -> usize {
        self.flush(first);
        self.finish_command();
        if let Some(previous) = first.checked_sub(1) {
            self.close_session(previous, None);
        }
        let lines = self.lines;
        let mut entries = Vec::new();
        let mut j = first + 2;
        let mut closed = false;
        while j < lines.len() && j - first < MAX_HEADER_LINES {
            if is_asterisks(&lines[j]) {
                closed = true;
                break;
            }
            match header_entry(&lines[j]) {
                Some(entry) => entries.push(entry),
                // A header cut short by truncation: what follows is ordinary content.
                None if lines[j].text.trim().is_empty() => {}
                None => break,
            }
            j += 1;
        }
        let last = if closed { j } else { j - 1 };
        let mut next = last + 1;
        if lines.get(next).is_some_and(|l| STARTED_NOTICES.iter().any(|n| l.text.starts_with(n))) {
            next += 1;
        }

        let mut record = Record::new(RecordKind::PsSession, span(lines, first, last));
        let mut session = Session {
            record: self.out.records.len(),
            index: self.sessions,
            user: None,
            machine: None,
            start: None,
            start_iso: None,
            start_at: None,
        };
        for (key, value) in entries {
            if value.is_empty() {
                continue;
            }
            let name = field_name(key);
            match name.as_str() {
                "start_time" => {
                    record.push("start_time", value);
                    session.start = Some(value.to_string());
                    if let Some(iso) = crate::time::iso_from_transcript(value) {
                        record.push("start_time_iso", iso.clone());
                        session.start_at = crate::time::parse(&iso);
                        session.start_iso = Some(iso);
                    }
                }
                // `CCE-HOST01 (Microsoft Windows NT 10.0.14393.0)`: rules want the host name.
                "machine" => {
                    let (host, os) = match value.split_once(" (") {
                        Some((host, os)) => (host.trim(), Some(os.trim_end_matches(')').trim())),
                        None => (value, None),
                    };
                    record.push("machine", host);
                    if let Some(os) = os {
                        record.push("machine_os", os);
                    }
                    session.machine = Some(host.to_string());
                }
                "username" => {
                    record.push("username", value);
                    session.user = Some(value.to_string());
                }
                _ => record.push(name, value),
            }
        }
        record.push("session_index", session.index.to_string());
        record.context.at = session.start_at;
        self.at = session.start_at;
        self.out.records.push(record);
        self.session = Some(session);
        self.sessions += 1;
        self.producer = None;
        self.command_time = None;
        self.shown = Shown::Output;
        self.chunk_start = next;
        next
    }

    fn footer(&mut self, first: usize) -> usize {
        self.flush(first);
        self.finish_command();
        let lines = self.lines;
        let mut last = first + 1;
        let mut end_time = None;
        if let Some((key, value)) = lines.get(first + 2).and_then(header_entry)
            && key.eq_ignore_ascii_case("End time")
        {
            end_time = Some(value);
            last = first + 2;
        }
        if lines.get(last + 1).is_some_and(is_asterisks) {
            last += 1;
        }
        self.close_session(last, end_time);
        self.producer = None;
        self.command_time = None;
        self.shown = Shown::Output;
        self.chunk_start = last + 1;
        last + 1
    }

    /// Ends the open session at line `last`: its record's span grows to cover the whole
    /// session, and a footer adds the end time.
    fn close_session(&mut self, last: usize, end_time: Option<&str>) {
        let Some(session) = self.session.take() else {
            return;
        };
        let end_line = &self.lines[last];
        let Some(record) = self.out.records.get_mut(session.record) else {
            return;
        };
        record.span.bytes.end = record.span.bytes.end.max(end_line.end);
        record.span.last_line = record.span.last_line.max(end_line.number);
        if let Some(end) = end_time {
            record.push("end_time", end);
            if let Some(iso) = crate::time::iso_from_transcript(end) {
                record.push("end_time_iso", iso);
            }
        }
    }

    /// A prompt line and its `>>` continuation lines.
    fn command(&mut self, first: usize, typed: &str) -> usize {
        self.flush(first);
        self.finish_command();
        let lines = self.lines;
        let mut command = typed.trim().to_string();
        let mut last = first;
        while let Some(next) = lines.get(last + 1) {
            let Some(rest) = next.text.strip_prefix(">>") else {
                break;
            };
            command.push('\n');
            command.push_str(rest.strip_prefix(' ').unwrap_or(rest).trim_end());
            last += 1;
        }
        let name = command_name(&command);
        let (shown, producer) = (command::shown(&command), command::producer(&command));
        let mut record = Record::new(RecordKind::PsCommand, span(lines, first, last)).with("command", command);
        if let Some(name) = &name {
            record.push("command_name", name.as_str());
        }
        // A run is named by its prompt's line: unique and ordered in the whole file, however
        // the file is cut into chunks (see `Parsed::shift`).
        self.run = lines[first].number;
        self.at = self.session.as_ref().and_then(|s| s.start_at);
        if let Some(time) = self.command_time.take() {
            if let Some(iso) = crate::time::iso_from_transcript(&time) {
                self.at = crate::time::parse(&iso).or(self.at);
                record.push("command_time_iso", iso);
            }
            record.push("command_time", time);
        }
        if let Some(session) = &self.session {
            if let Some(user) = &session.user {
                record.push("session_user", user.as_str());
            }
            if let Some(machine) = &session.machine {
                record.push("session_machine", machine.as_str());
            }
            if let Some(start) = &session.start {
                record.push("session_start", start.as_str());
            }
            if let Some(iso) = &session.start_iso {
                record.push("session_start_iso", iso.as_str());
            }
            record.push("session_index", session.index.to_string());
        }
        record.context = Context { origin: Origin::Input, at: self.at, run: self.run };
        self.shown = shown;
        self.producer = producer.or(name);
        self.open_command = Some((self.out.records.len(), 0));
        self.out.records.push(record);
        self.chunk_start = last + 1;
        last + 1
    }
}

fn span(lines: &[Line<'_>], first: usize, last: usize) -> Span {
    Span { bytes: lines[first].start..lines[last].end, first_line: lines[first].number, last_line: lines[last].number }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER_51: &str = "**********************
Windows PowerShell transcript start
Start time: 20261205101422
Username: CONTOSO\\admin
RunAs User: CONTOSO\\admin
Configuration Name: 
Machine: CCE-HOST01 (Microsoft Windows NT 10.0.14393.0)
Host Application: C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe
Process ID: 4312
PSVersion: 5.1.14393.4583
PSEdition: Desktop
PSCompatibleVersions: 1.0, 2.0, 3.0, 4.0, 5.0, 5.1.14393.4583
BuildVersion: 10.0.14393.4583
CLRVersion: 4.0.30319.42000
WSManStackVersion: 3.0
PSRemotingProtocolVersion: 2.3
SerializationVersion: 1.1.0.1
**********************
Transcript started, output file is C:\\Users\\admin\\Documents\\PowerShell_transcript.CCE-HOST01.x1y2z3.20261205101422.txt";

    fn two_sessions() -> String {
        [
            HEADER_51,
            "PS C:\\Users\\admin> Import-Module CloudConnector",
            "PS C:\\Users\\admin> Get-CcRunningVersion",
            "2.1.0.0",
            "**********************",
            "Command start time: 20261205101530",
            "**********************",
            "PS C:\\Users\\admin> $s = New-PSSession -ConnectionUri https://admin.vdomain.com/OcsPowershellLiveId -Credential $cred",
            "New-PSSession : [admin.vdomain.com] Connecting to remote server admin.vdomain.com failed with the following error messag",
            "e : The WS-Management service cannot process the request. The maximum number of concurrent shells for this user has been",
            " exceeded. Close existing shells or raise the quota for this user. For more information, see the about_Remote_Troublesho",
            "oting Help topic.",
            "At line:1 char:6",
            "+ $s = New-PSSession -ConnectionUri https://admin.vdomain.com/OcsPowershellLiveId -Credential $cred",
            "+      ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
            "    + CategoryInfo          : OpenError: (System.Manageme....RemoteRunspace:RemoteRunspace) [New-PSSession], PSRemotin",
            "   gTransportException",
            "    + FullyQualifiedErrorId : -2144108174,PSSessionOpenFailed",
            "PS C:\\Users\\admin> Get-Service msoidsvc | Format-List Name, Status, StartType",
            "",
            "",
            "Name      : msoidsvc",
            "Status    : Stopped",
            "StartType : Automatic",
            "",
            "",
            "",
            "**********************",
            "Windows PowerShell transcript end",
            "End time: 20261205103000",
            "**********************",
            "**********************",
            "Windows PowerShell transcript start",
            "Start time: 20261206080000",
            "Username: CONTOSO\\other",
            "RunAs User: CONTOSO\\other",
            "Machine: CCE-HOST01 (Microsoft Windows NT 10.0.14393.0)",
            "Host Application: C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -NoProfile",
            "Process ID: 5120",
            "PSVersion: 5.1.14393.4583",
            "**********************",
            "Transcript started, output file is C:\\t.txt",
            "PS>Get-CcVersion",
            "WARNING: A newer version of Cloud Connector is available.",
            "2.1.0.0",
            "**********************",
            "Windows PowerShell transcript end",
            "End time: 20261206080500",
            "**********************",
        ]
        .join("\r\n")
    }

    fn of(parsed: &Parsed, kind: RecordKind) -> Vec<&Record> {
        parsed.records.iter().filter(|r| r.kind == kind).collect()
    }

    #[test]
    fn two_appended_windows_powershell_sessions() {
        let text = two_sessions();
        assert!(looks_like_transcript(&text));
        let parsed = parse(&text);
        let kinds: Vec<RecordKind> = parsed.records.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            [
                RecordKind::PsSession,
                RecordKind::PsCommand,
                RecordKind::PsCommand,
                RecordKind::Text,
                RecordKind::PsCommand,
                RecordKind::PsError,
                RecordKind::PsCommand,
                RecordKind::PsObject,
                RecordKind::PsSession,
                RecordKind::PsCommand,
                RecordKind::PsWarning,
                RecordKind::Text,
            ]
        );

        let sessions = of(&parsed, RecordKind::PsSession);
        let first = sessions[0];
        assert_eq!(first.get("start_time"), Some("20261205101422"));
        assert_eq!(first.get("start_time_iso"), Some("2026-12-05T10:14:22"));
        assert_eq!(first.get("username"), Some("CONTOSO\\admin"));
        assert_eq!(first.get("runas_user"), Some("CONTOSO\\admin"));
        assert_eq!(first.get("configuration_name"), None);
        assert_eq!(first.get("machine"), Some("CCE-HOST01"));
        assert_eq!(first.get("machine_os"), Some("Microsoft Windows NT 10.0.14393.0"));
        assert_eq!(
            first.get("host_application"),
            Some("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe")
        );
        assert_eq!(first.get("process_id"), Some("4312"));
        assert_eq!(first.get("ps_version"), Some("5.1.14393.4583"));
        assert_eq!(first.get("ps_edition"), Some("Desktop"));
        assert_eq!(first.get("clr_version"), Some("4.0.30319.42000"));
        assert_eq!(first.get("wsman_stack_version"), Some("3.0"));
        assert_eq!(first.get("ps_remoting_protocol_version"), Some("2.3"));
        assert_eq!(first.get("end_time"), Some("20261205103000"));
        assert_eq!(first.get("end_time_iso"), Some("2026-12-05T10:30:00"));
        assert_eq!(first.get("session_index"), Some("0"));
        assert_eq!((first.span.first_line, first.span.last_line), (1, 49));
        let second = sessions[1];
        assert_eq!(second.get("username"), Some("CONTOSO\\other"));
        assert_eq!(second.get("session_index"), Some("1"));
        assert_eq!(second.get("end_time_iso"), Some("2026-12-06T08:05:00"));
        assert_eq!((second.span.first_line, second.span.last_line), (50, 67));

        let commands = of(&parsed, RecordKind::PsCommand);
        assert_eq!(commands[0].get("command"), Some("Import-Module CloudConnector"));
        assert_eq!(commands[0].get("command_name"), Some("Import-Module"));
        assert_eq!(commands[0].get("session_user"), Some("CONTOSO\\admin"));
        assert_eq!(commands[0].get("session_machine"), Some("CCE-HOST01"));
        assert_eq!(commands[0].get("session_start_iso"), Some("2026-12-05T10:14:22"));
        assert_eq!(commands[0].get("session_index"), Some("0"));
        assert_eq!(commands[0].get("command_time_iso"), None);
        assert_eq!((commands[0].span.first_line, commands[0].span.last_line), (20, 20));
        assert_eq!(commands[2].get("command_name"), Some("New-PSSession"));
        assert_eq!(commands[2].get("command_time"), Some("20261205101530"));
        assert_eq!(commands[2].get("command_time_iso"), Some("2026-12-05T10:15:30"));
        assert_eq!(commands[3].get("command_name"), Some("Get-Service"));
        assert_eq!(commands[3].get("command_time_iso"), None);
        assert_eq!(commands[4].get("command"), Some("Get-CcVersion"));
        assert_eq!(commands[4].get("session_user"), Some("CONTOSO\\other"));
        assert_eq!(commands[4].get("session_index"), Some("1"));

        let version = &parsed.records[3];
        assert_eq!(version.get("line"), Some("2.1.0.0"));
        assert_eq!(version.get("producer"), Some("Get-CcRunningVersion"));
        let error = &parsed.records[5];
        assert_eq!(error.get("producer"), Some("New-PSSession"));
        assert_eq!(error.get("computer"), Some("admin.vdomain.com"));
        assert!(error.get("message").is_some_and(|m| m.ends_with("about_Remote_Troubleshooting Help topic.")));
        assert_eq!(error.get("exception"), Some("PSRemotingTransportException"));
        let service = &parsed.records[7];
        assert_eq!(service.get("Status"), Some("Stopped"));
        assert_eq!(service.get("StartType"), Some("Automatic"));
        assert_eq!(service.get("producer"), Some("Get-Service"));
        assert_eq!(parsed.records[10].get("producer"), Some("Get-CcVersion"));
        assert!(parsed.problems.is_empty());
    }

    #[test]
    fn powershell_2_header() {
        let text = "**********************\n\
Windows PowerShell Transcript Start\n\
Start time: 20100612151311\n\
Username  : CONTOSO\\admin \n\
Machine\t  : CCE-OLD (Microsoft Windows NT 6.1.7601 Service Pack 1) \n\
**********************\n\
Transcript started, output file is C:\\transcript.txt\n\
PS C:\\> Get-Host\n\
\n\
Name             : ConsoleHost\n\
Version          : 2.0\n";
        assert!(looks_like_transcript(text));
        let parsed = parse(text);
        let session = &parsed.records[0];
        assert_eq!(session.kind, RecordKind::PsSession);
        assert_eq!(session.get("username"), Some("CONTOSO\\admin"));
        assert_eq!(session.get("machine"), Some("CCE-OLD"));
        assert_eq!(session.get("machine_os"), Some("Microsoft Windows NT 6.1.7601 Service Pack 1"));
        assert_eq!(session.get("start_time_iso"), Some("2010-06-12T15:13:11"));
        assert_eq!(session.get("ps_version"), None);
        assert_eq!(session.get("end_time"), None);
        let command = &parsed.records[1];
        assert_eq!(command.get("command_name"), Some("Get-Host"));
        assert_eq!(command.get("session_machine"), Some("CCE-OLD"));
        let host = &parsed.records[2];
        assert_eq!(host.kind, RecordKind::PsObject);
        assert_eq!(host.get("Version"), Some("2.0"));
        assert_eq!(host.get("producer"), Some("Get-Host"));
        assert_eq!(parsed.records.len(), 3);
    }

    #[test]
    fn truncated_transcript_and_text_before_the_header() {
        let text = [
            "PS C:\\> Get-VM",
            "leftover line",
            "**********************",
            "PowerShell transcript start",
            "Start time: 20261205101422",
            "Username: CCE-HOST01\\Administrator",
            "Machine: CCE-HOST01 (Microsoft Windows NT 10.0.17763.0)",
            "PSVersion: 7.4.6",
            "PSEdition: Core",
            "**********************",
            "PS C:\\> Get-VM",
            "",
            "Name        State   CPUUsage(%) MemoryAssigned(M) Uptime           Status             Version",
            "----        -----   ----------- ----------------- ------           ------             -------",
            "2.1.0.0-CMS Running 0           4096              12:03:44.1230000 Operating normally 8.0",
            "PS C:\\> Get-NetFirewallRule -DisplayName 'SfB*' |",
            ">> Select-Object DisplayName, Enabled",
            "PS>TerminatingError(Get-NetFirewallRule): \"No MSFT_NetFirewallRule objects found with property 'DisplayName' equal to 'SfB*'.\"",
            "PS C:\\> ",
        ]
        .join("\n");
        assert!(looks_like_transcript(&text));
        let parsed = parse(&text);
        let kinds: Vec<RecordKind> = parsed.records.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            [
                RecordKind::PsCommand,
                RecordKind::Text,
                RecordKind::PsSession,
                RecordKind::PsCommand,
                RecordKind::PsObject,
                RecordKind::PsCommand,
                RecordKind::Text,
                RecordKind::PsCommand,
            ]
        );
        // Before the first header the lines read as a console copy: a prompt and its output.
        assert_eq!(parsed.records[0].get("command"), Some("Get-VM"));
        assert_eq!(parsed.records[1].get("producer"), Some("Get-VM"));
        let session = &parsed.records[2];
        assert_eq!(session.get("ps_version"), Some("7.4.6"));
        assert_eq!(session.get("ps_edition"), Some("Core"));
        assert_eq!(session.get("end_time"), None);
        assert_eq!((session.span.first_line, session.span.last_line), (3, 19));
        let vm = &parsed.records[4];
        assert_eq!(vm.get("Name"), Some("2.1.0.0-CMS"));
        assert_eq!(vm.get("State"), Some("Running"));
        assert_eq!(vm.get("producer"), Some("Get-VM"));
        let multiline = &parsed.records[5];
        assert_eq!(
            multiline.get("command"),
            Some("Get-NetFirewallRule -DisplayName 'SfB*' |\nSelect-Object DisplayName, Enabled")
        );
        assert_eq!(multiline.get("command_name"), Some("Get-NetFirewallRule"));
        assert_eq!((multiline.span.first_line, multiline.span.last_line), (16, 17));
        let terminating = &parsed.records[6];
        assert_eq!(terminating.get("stream"), Some("terminating_error"));
        assert_eq!(terminating.get("command"), Some("Get-NetFirewallRule"));
        assert_eq!(
            terminating.get("message"),
            Some("No MSFT_NetFirewallRule objects found with property 'DisplayName' equal to 'SfB*'.")
        );
        assert_eq!(parsed.records[7].get("command"), Some(""));
        assert_eq!(parsed.records[7].get("command_name"), None);
    }

    #[test]
    fn command_names() {
        let cases = [
            ("$s = New-PSSession -ConnectionUri https://x -Credential $cred", Some("New-PSSession")),
            ("$cred=Get-Credential", Some("Get-Credential")),
            ("$n = 5", Some("5")),
            ("(Get-VM).Count", Some("Get-VM")),
            ("& 'C:\\Scripts\\Collect.ps1' -Full", Some("C:\\Scripts\\Collect.ps1")),
            ("ipconfig /all", Some("ipconfig")),
            ("Get-VMNetworkAdapter -VMName * | ft", Some("Get-VMNetworkAdapter")),
            ("", None),
        ];
        for (command, expected) in cases {
            assert_eq!(command_name(command).as_deref(), expected, "{command}");
        }
    }

    #[test]
    fn remote_prompts_and_field_names() {
        assert!(PROMPT.is_match("[admin.vdomain.com]: PS C:\\Users\\admin\\Documents> Get-CsTenant"));
        assert!(PROMPT.is_match("PS Cert:\\LocalMachine\\My> dir"));
        assert!(!PROMPT.is_match("PSVersion: 5.1"));
        assert_eq!(field_name("Host Application"), "host_application");
        assert_eq!(field_name("PSCompatibleVersions"), "ps_compatible_versions");
        assert_eq!(field_name("GitCommitId"), "git_commit_id");
        assert_eq!(field_name("RunAs User"), "runas_user");
    }

    #[test]
    fn not_a_transcript() {
        assert!(!looks_like_transcript("Name : CMS\n"));
        assert!(!looks_like_transcript(""));
        let late = format!("{}\nWindows PowerShell transcript start", "x".repeat(10_000));
        assert!(!looks_like_transcript(&late));
        let parsed = parse("**********************\n**********************\nhello\n");
        let lines: Vec<Option<&str>> = parsed.records.iter().map(|r| r.get("line")).collect();
        assert_eq!(lines, [Some("**********************"), Some("**********************"), Some("hello")]);
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        for text in [
            "**********************",
            "**********************\nWindows PowerShell transcript start",
            "**********************\nWindows PowerShell transcript end",
            "**********************\nCommand start time: x",
            "**********************\nWindows PowerShell transcript start\nStart time: 99999999999999\n",
            ">> x\nPS>",
            "é**********************é",
        ] {
            let _ = parse(text);
        }
    }

    #[test]
    fn localized_headers_open_sessions_with_english_fields() {
        for (start, keys, notice, end) in [
            (
                "Start der Windows PowerShell-Aufzeichnung",
                ["Startzeit", "Benutzername", "Computer"],
                "Die Aufzeichnung wurde gestartet. Die Ausgabedatei ist \"C:\\t.txt\".",
                "Ende der Windows PowerShell-Aufzeichnung\nEndzeit: 20270112093047",
            ),
            (
                "Windows PowerShell トランスクリプト開始",
                ["開始時刻", "ユーザー名", "コンピューター"],
                "トランスクリプトが開始されました。出力ファイル: C:\\t.txt",
                "Windows PowerShell トランスクリプト終了\n終了時刻: 20270112093047",
            ),
        ] {
            let text = format!(
                "**********************\n{start}\n{}: 20270112093002\n{}: AVCCE01\\cceadmin\n\
                 {}: AVCCE01 (Microsoft Windows NT 6.3.9600.0)\n**********************\n{notice}\n\
                 PS C:\\> Register-CcAppliance\nok\n**********************\n{end}\n**********************\n",
                keys[0], keys[1], keys[2]
            );
            assert!(looks_like_transcript(&text), "{start}");
            let parsed = parse(&text);
            let session = parsed.records.iter().find(|r| r.kind == RecordKind::PsSession).expect(start);
            assert_eq!(session.get("machine"), Some("AVCCE01"));
            assert_eq!(session.get("username"), Some("AVCCE01\\cceadmin"));
            assert_eq!(session.get("start_time_iso"), Some("2027-01-12T09:30:02"));
            assert_eq!(session.get("end_time"), Some("20270112093047"));
            let command = parsed.records.iter().find(|r| r.kind == RecordKind::PsCommand).expect("the prompt");
            assert_eq!(command.get("command_name"), Some("Register-CcAppliance"));
            assert!(parsed.records.iter().all(|r| r.get("line") != Some(notice)), "the notice is not output");
        }
    }

    #[test]
    fn a_console_copied_as_text_reads_like_a_transcript_without_header() {
        let text = "PS C:\\Users\\admin> Get-CsHybridPSTNAppliance | Format-Table Name, DeploymentStatus\n\n\
                    Name      DeploymentStatus\n----      ----------------\nOSA-CCE01 Started\n\nPS C:\\Users\\admin>\n";
        assert!(looks_like_transcript(text));
        let parsed = parse(text);
        let row = parsed.records.iter().find(|r| r.kind == RecordKind::PsObject).expect("the table row");
        assert_eq!(row.get("producer"), Some("Get-CsHybridPSTNAppliance"));
        assert!(!looks_like_transcript("Name : x\nPS C:\\> Get-VM\n"), "a prompt further down is not a console copy");
        assert!(!looks_like_transcript("PS C:\\>\n"), "an empty prompt alone is not either");
    }
}
