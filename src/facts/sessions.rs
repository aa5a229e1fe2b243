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
    reads: |record| record.kind == RecordKind::PsSession || reads_command(record),
    run: remote_sessions,
};

/// SFB008 and SFB009, predictive: remote sessions to Skype for Business Online opened in
/// transcripts and never removed, per account and per tenant, counted in time order.
///
/// Only Skype for Business Online sessions count: `New-CsOnlineSession`, or `New-PSSession`
/// to an `online.lync.com` URI; a session to the appliance's own VMs is another server's
/// quota. A command that failed opened nothing. The account is the one the credential
/// names (`$cred = Get-Credential ops@fabrikam.com`, `-UserName`), else the Windows user of
/// the transcript; the tenant is `-OverrideAdminDomain`, else the account's domain.
/// A session closes with `Remove-PSSession` (the sessions its arguments name, all of them
/// after `Get-PSSession |`) or when the PowerShell process that opened it ends (its transcript
/// footer).
fn remote_sessions(inputs: &[InputRecords<'_>], _: &Facts, out: &mut Derivation) {
    enum Event {
        Open { account: String, tenant: String, variable: Option<String>, uri: Option<String> },
        Close(Closing),
        Credential(String, String),
        Assign(String, String),
        End,
    }
    /// An event, when and where it happened, and in which PowerShell process.
    struct Happened<'a> {
        when: Option<Timestamp>,
        path: &'a str,
        line: u32,
        process: usize,
        event: Event,
        record: &'a Record,
    }
    let mut events: Vec<Happened<'_>> = Vec::new();
    for (file, input) in inputs.iter().enumerate() {
        for record in input.records {
            let process =
                file * 10_000 + record.get("session_index").and_then(|i| i.parse::<usize>().ok()).unwrap_or(0);
            let event = match record.kind {
                RecordKind::PsCommand => {
                    let failed = super::check::command_failed(record);
                    match command_event(record) {
                        Some(Command::Open { account, tenant, variable, uri }) if !failed => {
                            let account = account
                                .unwrap_or_else(|| record.get("session_user").unwrap_or("unknown user").to_owned());
                            let tenant = tenant
                                .or_else(|| account.split_once('@').map(|(_, d)| d.to_ascii_lowercase()))
                                .unwrap_or_default();
                            Event::Open { account: account.to_ascii_lowercase(), tenant, variable, uri }
                        }
                        Some(Command::Close(closing)) => Event::Close(closing),
                        Some(Command::Credential(variable, account)) => Event::Credential(variable, account),
                        Some(Command::Assign(variable, value)) => Event::Assign(variable, value),
                        _ => continue,
                    }
                }
                RecordKind::PsSession if record.get("end_time_iso").is_some() => Event::End,
                _ => continue,
            };
            let when = match record.kind {
                RecordKind::PsSession => record.get("end_time_iso"),
                _ => record.get("command_time_iso").or(record.get("session_start_iso")),
            }
            .and_then(time::parse);
            let line =
                if record.kind == RecordKind::PsSession { record.span.last_line } else { record.span.first_line };
            events.push(Happened { when, path: input.path, line, process, event, record });
        }
    }
    // (time, path, line): a total order that does not depend on how inputs were read.
    events.sort_by(|a, b| (a.when, a.path, a.line).cmp(&(b.when, b.path, b.line)));

    struct Open {
        account: String,
        tenant: String,
        process: usize,
        variable: Option<String>,
        /// Whether its URI is known to be Skype for Business Online (`false`: a variable the
        /// transcript never set).
        known: bool,
    }
    let mut open: Vec<Open> = Vec::new();
    let mut credentials: BTreeMap<(usize, String), String> = BTreeMap::new();
    let mut strings: BTreeMap<(usize, String), String> = BTreeMap::new();
    let mut undecided_accounts: Vec<String> = Vec::new();
    let mut reported_accounts: Vec<String> = Vec::new();
    let mut reported_tenants: Vec<String> = Vec::new();
    for Happened { path, process, event, record, .. } in events {
        match event {
            Event::Credential(variable, account) => {
                credentials.insert((process, variable), account);
                continue;
            }
            Event::Assign(variable, value) => {
                strings.insert((process, variable), value);
                continue;
            }
            Event::End => {
                open.retain(|o| o.process != process);
                continue;
            }
            Event::Close(Closing::All) => {
                open.retain(|o| o.process != process);
                continue;
            }
            Event::Close(Closing::Named(names)) => {
                for name in names {
                    let found =
                        open.iter().rposition(|o| o.process == process && o.variable.as_deref() == Some(name.as_str()));
                    // A name the transcript never assigned still closes one session of this process.
                    let found = found.or_else(|| open.iter().rposition(|o| o.process == process));
                    if let Some(at) = found {
                        open.remove(at);
                    }
                }
                continue;
            }
            Event::Open { mut account, mut tenant, variable, uri } => {
                let uri = match uri.as_deref().and_then(|u| u.strip_prefix('$')) {
                    Some(name) => strings.get(&(process, name.to_ascii_lowercase())).cloned(),
                    None => uri,
                };
                let known = match uri {
                    Some(uri) if uri.to_ascii_lowercase().contains(ONLINE) => true,
                    // A session to another server is another server's quota.
                    Some(_) => continue,
                    None => false,
                };
                // `-Credential $cred` names the account through the variable.
                if let Some(known) = account.strip_prefix('$').and_then(|v| credentials.get(&(process, v.to_owned()))) {
                    account = known.to_ascii_lowercase();
                    if tenant.is_empty() {
                        tenant = account.split_once('@').map(|(_, d)| d.to_owned()).unwrap_or_default();
                    }
                }
                open.push(Open { account: account.clone(), tenant: tenant.clone(), process, variable, known });
                out.check("user_sessions_over_limit");
                out.check("tenant_sessions_over_limit");
                let held = open.iter().filter(|o| o.account == account && o.known).count();
                let maybe = open.iter().filter(|o| o.account == account).count();
                if held <= USER_SESSION_LIMIT && maybe > USER_SESSION_LIMIT && !undecided_accounts.contains(&account) {
                    undecided_accounts.push(account.clone());
                    out.undecided(
                        "user_sessions_over_limit",
                        format!(
                            "{account} holds {maybe} sessions at {path}:{}, but {} of them connect to a URI the \
                             transcript does not show",
                            record.span.first_line,
                            maybe - held
                        ),
                    );
                }
                if held > USER_SESSION_LIMIT && !reported_accounts.contains(&account) {
                    reported_accounts.push(account.clone());
                    let record = fact("user_sessions_over_limit", &record.span)
                        .with("user", account.clone())
                        .with("open", held.to_string())
                        .with("limit", USER_SESSION_LIMIT.to_string());
                    out.found(path.to_owned(), record);
                }
                let of_tenant: Vec<&Open> = open.iter().filter(|o| o.tenant == tenant && o.known).collect();
                if of_tenant.len() > TENANT_SESSION_LIMIT && !reported_tenants.contains(&tenant) {
                    reported_tenants.push(tenant.clone());
                    let mut holders: BTreeMap<&str, usize> = BTreeMap::new();
                    for o in &of_tenant {
                        *holders.entry(o.account.as_str()).or_default() += 1;
                    }
                    let who: Vec<String> = holders.iter().map(|(u, c)| format!("{u}: {c}")).collect();
                    let record = fact("tenant_sessions_over_limit", &record.span)
                        .with("open", of_tenant.len().to_string())
                        .with("limit", TENANT_SESSION_LIMIT.to_string())
                        .with("tenant", tenant.clone())
                        .with("holders", who.join(", "));
                    out.found(path.to_owned(), record);
                }
            }
        }
    }
}

/// What the URI of a Skype for Business Online session holds.
const ONLINE: &str = "online.lync.com";

/// Which sessions a `Remove-PSSession` closes.
enum Closing {
    All,
    Named(Vec<String>),
}

/// What a typed command does to the sessions a tenant holds.
enum Command {
    /// A Skype for Business Online session: the account (a UPN, or `$variable` of a
    /// credential), the tenant, and the variable it was assigned to.
    Open {
        account: Option<String>,
        tenant: Option<String>,
        variable: Option<String>,
        uri: Option<String>,
    },
    Close(Closing),
    /// `$variable = Get-Credential account`.
    Credential(String, String),
    /// `$variable = 'text'`: a URI a later `New-PSSession -ConnectionUri $variable` names.
    Assign(String, String),
}

/// Whether `record` is a command that opens, closes or names a session.
pub(super) fn reads_command(record: &Record) -> bool {
    record.kind == RecordKind::PsCommand && command_event(record).is_some()
}

fn command_event(record: &Record) -> Option<Command> {
    let text = record.get("command").unwrap_or_default();
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = text.split_whitespace().collect();
    let assigned = words
        .first()
        .filter(|w| w.starts_with('$'))
        .filter(|_| words.get(1) == Some(&"="))
        .map(|w| w[1..].to_ascii_lowercase());
    let argument = |name: &str| {
        words
            .iter()
            .position(|w| w.eq_ignore_ascii_case(name))
            .and_then(|i| words.get(i + 1))
            .map(|v| v.trim_matches(['\'', '"']).to_owned())
    };
    if lower.contains("remove-pssession") {
        if lower.contains("get-pssession") {
            return Some(Command::Close(Closing::All));
        }
        let after = &text[lower.find("remove-pssession")? + "remove-pssession".len()..];
        let names: Vec<String> = after
            .split([',', ' '])
            .filter_map(|w| w.trim().strip_prefix('$'))
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_lowercase)
            .collect();
        let ids = after.split([',', ' ']).filter(|w| w.trim().parse::<u32>().is_ok()).count();
        let count = names.len().max(ids).max(1);
        let mut names = names;
        names.resize(count, String::new());
        return Some(Command::Close(Closing::Named(names)));
    }
    let name = record.get("command_name").unwrap_or_default().to_ascii_lowercase();
    if name == "new-csonlinesession" || name == "new-pssession" {
        // New-CsOnlineSession always connects to Skype for Business Online; New-PSSession
        // does when its URI says so (resolved later when it is a variable).
        let uri = if name == "new-csonlinesession" {
            Some(ONLINE.to_owned())
        } else {
            argument("-ConnectionUri").or_else(|| argument("-ComputerName").map(|c| format!("computer {c}")))
        };
        let account = argument("-UserName").or_else(|| argument("-Credential"));
        let tenant = argument("-OverrideAdminDomain").map(|d| d.to_ascii_lowercase());
        return Some(Command::Open { account, tenant, variable: assigned, uri });
    }
    if let Some(variable) = &assigned
        && let Some(value) = words.get(2).filter(|_| words.len() == 3)
        && (value.starts_with('"') || value.starts_with('\''))
    {
        return Some(Command::Assign(variable.clone(), value.trim_matches(['\'', '"']).to_owned()));
    }
    if name == "get-credential"
        && let Some(variable) = assigned
        && let Some(account) = words.iter().skip_while(|w| !w.eq_ignore_ascii_case("Get-Credential")).nth(1)
    {
        let account = account.trim_matches(['\'', '"']);
        if !account.starts_with('-') {
            return Some(Command::Credential(variable, account.to_owned()));
        }
    }
    None
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

    #[test]
    fn only_skype_for_business_online_sessions_count() {
        let mut commands: Vec<Record> = (1..=5)
            .map(|m| command(m, &format!("$vm{m} = New-PSSession -ComputerName cms01.cce.local"), "0"))
            .collect();
        commands.push(command(6, "$s = New-CsOnlineSession", "0"));
        assert!(opened(&commands).derived.is_empty());
        let online = "$s = New-PSSession -ConfigurationName Microsoft.PowerShell -ConnectionUri https://admin1a.online.lync.com/OcsPowershellLiveId";
        let commands: Vec<Record> = (1..=4).map(|m| command(m, online, "0")).collect();
        assert_eq!(values(&opened(&commands), "open"), ["4"]);
    }

    #[test]
    fn remove_pssession_closes_every_session_it_names() {
        let mut commands: Vec<Record> =
            (1..=3).map(|m| command(m, &format!("$s{m} = New-CsOnlineSession -Credential $cred"), "0")).collect();
        commands.push(command(4, "Remove-PSSession $s1, $s2", "0"));
        commands.extend((5..=6).map(|m| command(m, &format!("$s{m} = New-CsOnlineSession -Credential $cred"), "0")));
        assert!(opened(&commands).derived.is_empty(), "three open at most");
    }

    #[test]
    fn accounts_come_from_credentials_and_tenants_from_their_domains() {
        let mut commands = vec![
            command(1, "$fab = Get-Credential ops@fabrikam.onmicrosoft.com", "0"),
            command(2, "$tsp = Get-Credential ops@tailspintoys.onmicrosoft.com", "0"),
        ];
        for m in 3..=6 {
            let cred = if m % 2 == 0 { "$fab" } else { "$tsp" };
            commands.push(command(m, &format!("$s{m} = New-CsOnlineSession -Credential {cred}"), "0"));
        }
        assert!(opened(&commands).derived.is_empty(), "two accounts, two sessions each");
        commands.extend((7..=8).map(|m| command(m, &format!("$s{m} = New-CsOnlineSession -Credential $fab"), "0")));
        let out = opened(&commands);
        assert_eq!(values(&out, "user"), ["ops@fabrikam.onmicrosoft.com"]);
    }

    #[test]
    fn a_session_that_failed_to_open_holds_nothing() {
        let mut commands: Vec<Record> = (1..=3).map(|m| command(m, "$s = New-CsOnlineSession", "0")).collect();
        commands.push(command(4, "$s = New-CsOnlineSession", "0").with("errors", "1"));
        assert!(opened(&commands).derived.is_empty());
    }

    #[test]
    fn sessions_to_a_uri_the_transcript_does_not_show_leave_the_count_undecided() {
        let unknown = "$s = New-PSSession -ConnectionUri $uri -Credential $cred";
        let commands: Vec<Record> = (1..=4).map(|m| command(m, unknown, "0")).collect();
        let out = opened(&commands);
        assert!(out.derived.is_empty());
        assert!(out.unknown[0].1.contains("4 sessions"), "{:?}", out.unknown);
        let mut known = vec![command(1, "$uri = 'https://admin1a.online.lync.com/OcsPowershellLiveId'", "0")];
        known.extend((2..=5).map(|m| command(m, unknown, "0")));
        assert_eq!(values(&opened(&known), "open"), ["4"]);
    }
}
