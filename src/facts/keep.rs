//! What of an input outlives its matching: the records host facts and derived facts read, and
//! of those only as many as they can tell apart. A console that polls `Get-VM` and
//! `Get-Service` for a day lists the same VMs and runs the same commands thousands of times;
//! keeping each listing and each command to the end of the scan made memory grow with the
//! captures. What each reader needs is written here, beside the rule that keeps it.

use std::collections::{HashMap, HashSet};

use super::{Facts, check, network, registry, sessions, versions, vm_version};
use crate::record::{Record, RecordKind};
use crate::time::Timestamp;

/// Keeps the records of one input (or one stretch of it) that host facts and derived facts
/// read, in file order, in an allocation of their own size: everything else is dropped once
/// matched, so memory does not grow with the size of a bundle. Of a log, only the newest
/// entry matters (the collection time). Kept stretches are kept again when they are joined,
/// which leaves, of the whole file, what the rules below leave of one stretch.
pub fn keep(records: &mut Vec<Record>) {
    let newest_entry = records.iter().rposition(|r| r.kind == RecordKind::CceLog);
    let mut kept: Vec<bool> = records
        .iter()
        .enumerate()
        .map(|(i, record)| match record.kind {
            RecordKind::CceLog => Some(i) == newest_entry,
            // Decided below, from what they printed.
            RecordKind::PsCommand => false,
            _ => Facts::reads(record) || registry::reads(record),
        })
        .collect();
    compact_vm_listings(records, &mut kept);
    compact_version_answers(records, &mut kept);
    keep_commands(records, &mut kept);
    let mut flags = kept.into_iter();
    records.retain(|_| flags.next().unwrap_or(false));
    records.shrink_to_fit();
}

/// A VM as a VM listing shows it (`Get-VM`, or an object shaped like its rows) that nothing but
/// the running version ([`Facts`]: the first running VM of each version) and the VMs' latest
/// states (the NIC address check: the latest row of each VM) is read from.
fn vm_listing_row(record: &Record) -> bool {
    record.kind == RecordKind::PsObject
        && (vm_version(record).is_some() || check::is_object_of(record, "Get-VM"))
        && record.get("IPAddresses").is_none()
        && record.get("IPAddress").is_none()
        && !registry::CHECKS.iter().filter(|c| c.facts != network::NIC_ADDRESSES.facts).any(|c| (c.reads)(record))
}

/// Of the rows of VM listings, keeps the first running one of each version and the latest
/// emitted one of each VM: a VM listed a thousand times is two rows.
fn compact_vm_listings(records: &[Record], kept: &mut [bool]) {
    let mut first_running = HashSet::new();
    let mut latest: HashMap<String, usize> = HashMap::new();
    let rows: Vec<usize> = (0..records.len()).filter(|&i| kept[i] && vm_listing_row(&records[i])).collect();
    for i in rows {
        let record = &records[i];
        kept[i] = matches!(vm_version(record), Some((version, true)) if first_running.insert(version.to_string()));
        if network::emitted(record)
            && record.get("State").is_some()
            && let Some(name) = record.get("Name")
        {
            latest.insert(name.trim().to_ascii_lowercase(), i);
        }
    }
    for i in latest.into_values() {
        kept[i] = true;
    }
}

/// Of the lines `Get-CcVersion` printed, keeps the latest of each text printed by each command
/// text: only [`Facts`] reads them, for the latest statement of each version in each role,
/// and the role comes from the command's arguments (`-VersionType RunningBits`).
fn compact_version_answers(records: &[Record], kept: &mut [bool]) {
    let commands: HashMap<u32, &str> = records
        .iter()
        .filter(|r| r.kind == RecordKind::PsCommand && r.context.run != 0)
        .map(|r| (r.context.run, r.get("command").unwrap_or_default()))
        .collect();
    let mut latest: HashMap<(Option<&str>, &str), usize> = HashMap::new();
    for (i, record) in records.iter().enumerate() {
        if kept[i]
            && record.kind == RecordKind::Text
            && record.get("producer").is_some_and(|p| p.eq_ignore_ascii_case("Get-CcVersion"))
        {
            let command = commands.get(&record.context.run).copied();
            if let Some(earlier) = latest.insert((command, record.get("line").unwrap_or_default().trim()), i) {
                kept[earlier] = false;
            }
        }
    }
}

/// Keeps the commands typed at prompts that a reader needs: one that printed a kept record
/// (what printed it tells a Get-CcVersion answer's role, a listing's `-ListAvailable`, an
/// adapter listing's filter, and where one command's output ends for the checks that read
/// outputs command by command); one a check reads itself (a session opened or closed,
/// Get-CcRunningVersion); one that failed; and of the clean ones, what telling an error fixed
/// by a later clean run of the same command needs (see [`RerunClasses`]).
fn keep_commands(records: &[Record], kept: &mut [bool]) {
    let printed: HashSet<u32> = records
        .iter()
        .zip(kept.iter())
        .filter(|(r, k)| **k && r.kind != RecordKind::PsCommand && r.context.run != 0)
        .map(|(r, _)| r.context.run)
        .collect();
    let mut reruns = RerunClasses::default();
    for (record, keep) in records.iter().zip(kept.iter_mut()) {
        if record.kind == RecordKind::PsCommand {
            let first_of_class = reruns.first_of_class(record);
            *keep = first_of_class
                || printed.contains(&record.context.run)
                || sessions::reads_command(record)
                || versions::reads_command(record);
        }
    }
}

/// Which clean runs of a command can be the one that fixed an error (`engine::CommandRuns`).
/// The fix of a failed run is the first clean run after it, in input order, with the same
/// command (name, argument and script block, all read from its text), on a compatible machine,
/// and, across inputs, at a later time; a fix said as a command is the first clean run after a
/// time whose text holds its words. So of the clean runs with the same text, machine and time
/// since the last failure of a command of that name, only the first can ever be chosen: any
/// later one is after every failure the first is after, and comes later in input order.
#[derive(Default)]
struct RerunClasses<'r> {
    /// Failures so far, by lower-case command name.
    failures: HashMap<String, u32>,
    /// (failures of its name before it, text, machine, time) of the clean runs kept.
    seen: HashSet<(u32, &'r str, Option<&'r str>, Option<Timestamp>)>,
}

impl<'r> RerunClasses<'r> {
    /// Whether `command` is a failed run, or the first clean run of its class.
    fn first_of_class(&mut self, command: &'r Record) -> bool {
        let name = command.get("command_name").unwrap_or_default().to_ascii_lowercase();
        if check::command_failed(command) {
            *self.failures.entry(name).or_default() += 1;
            return true;
        }
        let failures = self.failures.get(&name).copied().unwrap_or(0);
        let class =
            (failures, command.get("command").unwrap_or_default(), command.get("session_machine"), command.context.at);
        self.seen.insert(class)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Span;

    fn at(line: u32, run: u32) -> Record {
        let mut record = Record::new(RecordKind::PsObject, Span { bytes: 0..0, first_line: line, last_line: line });
        record.context.run = run;
        record
    }

    fn vm(line: u32, name: &str, state: &str) -> Record {
        at(line, 0).with("Name", name).with("State", state).with("producer", "Get-VM")
    }

    fn command(line: u32, text: &str, errors: &str) -> Record {
        let mut record = at(line, line).with("command", text).with("command_name", text.split(' ').next().unwrap());
        record.kind = RecordKind::PsCommand;
        record.with("errors", errors)
    }

    fn kept_lines(mut records: Vec<Record>) -> Vec<u32> {
        keep(&mut records);
        records.iter().map(|r| r.span.first_line).collect()
    }

    #[test]
    fn a_vm_listed_many_times_keeps_its_first_running_row_per_version_and_its_latest_row() {
        let rows = vec![
            vm(1, "2.1.0.0-CMS", "Running"),
            vm(2, "2.1.0.0-MS1", "Running"),
            vm(3, "2.1.0.0-CMS", "Running"),
            vm(4, "2.0.1.0-CMS", "Running"),
            vm(5, "2.1.0.0-CMS", "Off"),
            vm(6, "2.1.0.0-MS1", "Running"),
            vm(7, "2.0.1.0-CMS", "Off"),
        ];
        assert_eq!(kept_lines(rows), [1, 4, 5, 6, 7]);
    }

    #[test]
    fn of_clean_runs_only_the_first_of_each_class_since_a_failure_of_that_name_is_kept() {
        let runs = vec![
            command(1, "Get-Service RTC*", "0"),
            command(2, "Get-Service RTC*", "0"),
            command(3, "Import-Module CloudConnector", "1"),
            command(4, "Get-Service RTC*", "0"),
            command(5, "Import-Module CloudConnector", "0"),
            command(6, "Import-Module CloudConnector", "0"),
            command(7, "Import-Module CloudConnector -Force", "0"),
            command(8, "Import-Module CloudConnector", "2"),
            command(9, "Import-Module CloudConnector", "0"),
        ];
        assert_eq!(kept_lines(runs), [1, 3, 5, 7, 8, 9]);
    }

    #[test]
    fn of_get_ccversion_answers_the_latest_of_each_line_for_each_command_is_kept() {
        let answer = |line: u32, run: u32, text: &str| {
            let mut record = at(line, run).with("line", text).with("producer", "Get-CcVersion");
            record.kind = RecordKind::Text;
            record
        };
        let records = vec![
            command(1, "Get-CcVersion", "0"),
            answer(2, 1, "2.1.0.0"),
            command(3, "Get-CcVersion -VersionType RunningBits", "0"),
            answer(4, 3, "2.1.0.0"),
            command(5, "Get-CcVersion", "0"),
            answer(6, 5, "2.1.0.0"),
            command(7, "Get-CcVersion", "0"),
            answer(8, 7, "2.0.1.0"),
        ];
        assert_eq!(kept_lines(records), [1, 3, 4, 5, 6, 7, 8], "line 2 is stated again at line 6");
    }

    #[test]
    fn a_command_that_printed_a_kept_record_is_kept_with_it() {
        let mut row = vm(11, "2.1.0.0-CMS", "Running");
        row.context.run = 10;
        let records = vec![
            command(1, "Get-VM", "0"),
            command(10, "Get-VM", "0"),
            row,
            command(20, "New-PSSession -ConnectionUri https://admin0a.online.lync.com/OcsPowershellLiveId", "0"),
        ];
        assert_eq!(kept_lines(records), [1, 10, 11, 20], "the first Get-VM as a class, the second for its row");
    }
}
