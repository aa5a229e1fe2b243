//! SFB008 and SFB009, predictive: remote sessions to Skype for Business Online opened and
//! not yet closed, per administrator and for the tenant.

use std::collections::BTreeMap;

use super::check::{Check, Derivation, fact};
use super::{Facts, InputRecords};
use crate::record::{Record, RecordKind};
use crate::time::{self, Timestamp};

/// Remote PowerShell sessions Skype for Business Online allows per administrator and tenant.
pub const USER_SESSION_LIMIT: usize = 3;
pub const TENANT_SESSION_LIMIT: usize = 20;

pub const REMOTE_SESSIONS: Check = Check {
    facts: &["user_sessions_over_limit", "tenant_sessions_over_limit"],
    needs: "transcripts that open remote sessions",
    reads: |record| matches!(record.kind, RecordKind::PsCommand | RecordKind::PsSession),
    run: remote_sessions,
};

/// SFB008 and SFB009, predictive: remote sessions opened in transcripts and never removed,
/// per administrator and for the whole tenant, counted in time order. A session closes with
/// `Remove-PSSession` (all of them with `Get-PSSession | Remove-PSSession`) or when the
/// PowerShell process that opened it ends (its transcript footer).
fn remote_sessions(inputs: &[InputRecords<'_>], _: &Facts, out: &mut Derivation) {
    enum Event<'a> {
        Open(&'a str, usize),
        Close(&'a str, usize, bool),
        End(usize),
    }
    // (time, path, line): a total order that does not depend on how inputs were read.
    let mut events: Vec<(Option<Timestamp>, &str, u32, Event<'_>, &Record)> = Vec::new();
    for (file, input) in inputs.iter().enumerate() {
        for record in input.records {
            let session =
                file * 10_000 + record.get("session_index").and_then(|i| i.parse::<usize>().ok()).unwrap_or(0);
            match record.kind {
                RecordKind::PsCommand => {
                    let user = record.get("session_user").unwrap_or("unknown user");
                    let when = record.get("command_time_iso").or(record.get("session_start_iso")).and_then(time::parse);
                    let command = record.get("command").unwrap_or_default().to_ascii_lowercase();
                    let name = record.get("command_name").unwrap_or_default().to_ascii_lowercase();
                    let event = if name == "new-pssession" || name == "new-csonlinesession" {
                        Event::Open(user, session)
                    } else if name == "remove-pssession" || command.contains("remove-pssession") {
                        Event::Close(user, session, command.contains("get-pssession"))
                    } else {
                        continue;
                    };
                    events.push((when, input.path, record.span.first_line, event, record));
                }
                RecordKind::PsSession => {
                    if let Some(end) = record.get("end_time_iso").and_then(time::parse) {
                        events.push((Some(end), input.path, record.span.last_line, Event::End(session), record));
                    }
                }
                _ => {}
            }
        }
    }
    events.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
    // Open sessions: (user, process) -> count.
    let mut open: BTreeMap<(&str, usize), usize> = BTreeMap::new();
    let mut reported_users: Vec<&str> = Vec::new();
    let mut tenant_reported = false;
    for (_, path, _, event, record) in &events {
        match event {
            Event::Open(user, session) => *open.entry((user, *session)).or_default() += 1,
            Event::Close(user, session, all) => {
                if let Some(count) = open.get_mut(&(user, *session)) {
                    *count = if *all { 0 } else { count.saturating_sub(1) };
                }
            }
            Event::End(session) => open.retain(|(_, s), _| s != session),
        }
        let Event::Open(user, _) = event else { continue };
        out.check("user_sessions_over_limit");
        out.check("tenant_sessions_over_limit");
        let per_user = |u: &str| open.iter().filter(|((o, _), _)| *o == u).map(|(_, c)| c).sum::<usize>();
        let held = per_user(user);
        if held > USER_SESSION_LIMIT && !reported_users.contains(user) {
            reported_users.push(user);
            let record = fact("user_sessions_over_limit", &record.span)
                .with("user", *user)
                .with("open", held.to_string())
                .with("limit", USER_SESSION_LIMIT.to_string());
            out.found((*path).to_owned(), record);
        }
        let total: usize = open.values().sum();
        if total > TENANT_SESSION_LIMIT && !tenant_reported {
            tenant_reported = true;
            let mut holders: BTreeMap<&str, usize> = BTreeMap::new();
            for ((u, _), c) in &open {
                *holders.entry(u).or_default() += c;
            }
            let who: Vec<String> = holders.iter().filter(|(_, c)| **c > 0).map(|(u, c)| format!("{u}: {c}")).collect();
            let record = fact("tenant_sessions_over_limit", &record.span)
                .with("open", total.to_string())
                .with("limit", TENANT_SESSION_LIMIT.to_string())
                .with("holders", who.join(", "));
            out.found((*path).to_owned(), record);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::check::testing::{input, run, values};
    use crate::parse::FileKind;
    use crate::record::Span;

    fn command(minute: u32, text: &str, session: &str) -> Record {
        let name = text.split_whitespace().find(|w| w.contains('-')).unwrap_or_default();
        Record::new(RecordKind::PsCommand, Span { bytes: 0..0, first_line: minute, last_line: minute })
            .with("command", text.to_owned())
            .with("command_name", name.to_owned())
            .with("session_user", "CONTOSO\\admin")
            .with("session_index", session.to_owned())
            .with("command_time_iso", format!("2026-11-18T10:{minute:02}:00"))
    }

    fn opened(commands: &[Record]) -> Derivation {
        run(
            &REMOTE_SESSIONS,
            &[input("PowerShell_transcript.txt", FileKind::Transcript, commands)],
            "2026-12-01T00:00:00Z",
        )
    }

    #[test]
    fn a_fourth_open_session_of_one_user_is_over_the_limit() {
        let commands: Vec<Record> = (1..=4).map(|m| command(m, "$s = New-CsOnlineSession", "0")).collect();
        assert_eq!(values(&opened(&commands), "open"), ["4"]);
    }

    #[test]
    fn removed_sessions_do_not_count() {
        let mut commands: Vec<Record> = (1..=3).map(|m| command(m, "$s = New-CsOnlineSession", "0")).collect();
        commands.push(command(4, "Get-PSSession | Remove-PSSession", "0"));
        commands.push(command(5, "$s = New-CsOnlineSession", "0"));
        let out = opened(&commands);
        assert!(out.derived.is_empty() && out.checked.contains("user_sessions_over_limit"));
    }
}
