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

use std::collections::HashMap;
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

/// The prompt a line opens with, if any. Most lines are output: a byte test spares them the
/// capturing regex, which is the costly part of reading a long console capture.
fn prompt(line: &str) -> Option<regex::Captures<'_>> {
    if line.starts_with("PS") || line.starts_with('[') { PROMPT.captures(line) } else { None }
}

/// `PS>TerminatingError(Cmd): "msg"`, with the same byte test first as [`prompt`].
fn terminating_error(line: &str) -> Option<regex::Captures<'_>> {
    if line.starts_with("PS>") || line.starts_with('>') { TERMINATING_ERROR.captures(line) } else { None }
}

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
        meanings: HashMap::new(),
    };
    parser.run();
    parser.out
}

/// Whether a line is a prompt with the command typed at it: where a big transcript may be cut.
pub fn starts_run(line: &str) -> bool {
    prompt(line).is_some_and(|c| c.get(1).is_some_and(|typed| !typed.as_str().trim().is_empty()))
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
    /// What each command typed so far means, by its text: a console polls the same few
    /// commands thousands of times, and reading a pipeline is most of a prompt's cost.
    meanings: HashMap<String, Meaning>,
}

/// What a typed command is: its name, what its output is, and the cmdlet that produced it.
#[derive(Clone)]
struct Meaning {
    name: Option<String>,
    shown: Shown,
    producer: Option<String>,
}

/// Commands whose meaning is remembered; past this the memo starts over, so a capture of
/// thousands of distinct commands holds no more than this many.
const MEANINGS_KEPT: usize = 256;

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
        if let Some(caps) = terminating_error(line.text) {
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
            && let Some(caps) = prompt(line.text)
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

    fn meaning(&mut self, command: &str) -> Meaning {
        if let Some(known) = self.meanings.get(command) {
            return known.clone();
        }
        let meaning = Meaning {
            name: command_name(command),
            shown: command::shown(command),
            producer: command::producer(command),
        };
        if self.meanings.len() == MEANINGS_KEPT {
            self.meanings.clear();
        }
        self.meanings.insert(command.to_owned(), meaning.clone());
        meaning
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
        let Meaning { name, shown, producer } = self.meaning(&command);
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
mod tests;
