//! What a derivation is: a check declares the facts it concludes, the inputs it needs and the
//! records it reads; it runs over every input's kept records and the host facts, and adds to
//! a [`Derivation`]. The checks themselves live in one file per topic beside this one and are
//! listed in [`super::registry`].

use std::collections::{BTreeSet, HashMap, HashSet};

use super::{Facts, InputRecords};
use crate::record::{Problem, ProblemKind, Record, RecordKind, Span};

/// One derivation: what it concludes, what it needs, what it reads, and the code.
pub struct Check {
    /// The derived facts it concludes, by the names rules use (`fact: version_mismatch`).
    pub facts: &'static [&'static str],
    /// The inputs it needs, named as a user collects them.
    pub needs: &'static str,
    /// Whether it reads `record`. Runs on every record of every input: compare in place.
    pub reads: fn(&Record) -> bool,
    pub run: fn(&[InputRecords<'_>], &Facts, &mut Derivation),
}

/// A derived fact and the input it is shown in.
pub struct Derived {
    pub path: String,
    pub record: Record,
}

/// What derivation concluded, and which checks had the inputs they need: a rule reading a
/// fact that was never checked is "not applicable", one whose fact was checked and not found
/// has "passed".
#[derive(Default)]
pub struct Derivation {
    pub derived: Vec<Derived>,
    pub checked: BTreeSet<&'static str>,
    /// What a check could not read, as problems of the inputs that hold it: `(path, problem)`.
    pub problems: Vec<(String, Problem)>,
    /// Facts a check could not decide, and why (a value hidden, a listing cut): rules reading
    /// them report "could not be checked" instead of passing.
    pub unknown: Vec<(&'static str, String)>,
    /// Conditions a check decided do not hold, and why ("site Bremen has one appliance"):
    /// rules that require them are not applicable.
    pub ruled_out: Vec<(&'static str, String)>,
}

impl Derivation {
    pub(super) fn found(&mut self, path: impl Into<String>, record: Record) {
        self.derived.push(Derived { path: path.into(), record });
    }

    pub(super) fn check(&mut self, fact: &'static str) {
        self.checked.insert(fact);
    }

    pub(super) fn rule_out(&mut self, fact: &'static str, why: String) {
        self.checked.insert(fact);
        self.ruled_out.push((fact, why));
    }

    pub(super) fn undecided(&mut self, fact: &'static str, why: String) {
        self.unknown.push((fact, why));
    }

    /// Whether a check concluded `fact` somewhere.
    pub fn concluded(&self, fact: &str) -> bool {
        self.derived.iter().any(|d| d.record.get("fact") == Some(fact))
    }

    pub(super) fn problem(&mut self, path: &str, line: u32, message: String) {
        self.problems.push((path.to_owned(), Problem::at(ProblemKind::Value, line, message)));
    }
}

/// A `fact` record named `name`, located at `span`.
pub(super) fn fact(name: &'static str, span: &Span) -> Record {
    Record::new(RecordKind::Fact, span.clone()).with("fact", name)
}

/// Objects a cmdlet emitted, with the input they are in.
pub(super) fn objects<'a>(
    inputs: &'a [InputRecords<'a>],
    producer: &'a str,
) -> impl Iterator<Item = (&'a InputRecords<'a>, &'a Record)> + 'a {
    inputs
        .iter()
        .flat_map(move |input| input.records.iter().filter(move |r| is_object_of(r, producer)).map(move |r| (input, r)))
}

/// The commands typed at the transcript prompts that printed `printed`, by input path and run:
/// what printed a record is `commands[&(path, record.context.run)]`. One pass, so looking up
/// every object stays linear, and only the runs asked about are held.
pub(super) fn commands_by_run<'a>(
    inputs: &'a [InputRecords<'a>],
    printed: &[(&'a InputRecords<'a>, &'a Record)],
) -> HashMap<(&'a str, u32), &'a str> {
    let wanted: HashSet<(&str, u32)> =
        printed.iter().filter(|(_, r)| r.context.run != 0).map(|(input, r)| (input.path, r.context.run)).collect();
    if wanted.is_empty() {
        return HashMap::new();
    }
    inputs
        .iter()
        .flat_map(|input| {
            input
                .records
                .iter()
                .filter(|r| r.kind == RecordKind::PsCommand && wanted.contains(&(input.path, r.context.run)))
                .filter_map(move |r| Some(((input.path, r.context.run), r.get("command")?)))
        })
        .collect()
}

/// Whether `record` is an object `producer` emitted.
pub(super) fn is_object_of(record: &Record, producer: &str) -> bool {
    record.kind == RecordKind::PsObject && record.get("producer").is_some_and(|p| p.eq_ignore_ascii_case(producer))
}

/// Whether the command run `command` (a `ps_command` record) emitted an error record.
pub fn command_failed(command: &Record) -> bool {
    command.get("errors").and_then(|e| e.parse::<u32>().ok()).unwrap_or(0) != 0
}

/// Whether a Cloud Connector cmdlet (`Get-Cc...`) produced `record`.
pub(super) fn by_cc_cmdlet(record: &Record) -> bool {
    record.get("producer").and_then(|p| p.get(..6)).is_some_and(|p| p.eq_ignore_ascii_case("get-cc"))
}

/// Records and runs for the checks' unit tests.
#[cfg(test)]
pub(super) mod testing {
    use super::{Check, Derivation};
    use crate::facts::{Facts, InputRecords};
    use crate::parse::FileKind;
    use crate::record::{Record, RecordKind, Span};

    fn at(line: u32) -> Span {
        Span { bytes: 0..0, first_line: line, last_line: line }
    }

    /// An object `producer` emitted, with `fields`.
    pub fn object(producer: &str, fields: &[(&str, &str)]) -> Record {
        let mut record = Record::new(RecordKind::PsObject, at(1));
        for (name, value) in fields {
            record.push(name.to_string(), *value);
        }
        record.with("producer", producer.to_owned())
    }

    /// A line of text, from `producer` when one is known.
    pub fn line(producer: Option<&str>, text: &str) -> Record {
        let record = Record::new(RecordKind::Text, at(1)).with("line", text.to_owned());
        match producer {
            Some(p) => record.with("producer", p.to_owned()),
            None => record,
        }
    }

    /// An ini section.
    pub fn section(name: &str, keys: &[(&str, &str)]) -> Record {
        let mut record = Record::new(RecordKind::IniSection, at(1)).with("section", name.to_owned());
        for (key, value) in keys {
            record.push(key.to_string(), *value);
        }
        record
    }

    /// An input of `kind` at `path` holding `records`; its producer is the one its name says.
    pub fn input<'a>(path: &'a str, kind: FileKind, records: &'a [Record]) -> InputRecords<'a> {
        let stem = path.rsplit('/').next().unwrap_or(path);
        let producer = stem.split('.').next().filter(|s| crate::parse::producer::has_approved_verb(s));
        InputRecords { path, kind, producer, records }
    }

    /// Gathers the facts of `inputs` (reference time `now`, RFC 3339) and runs `check`.
    pub fn run(check: &Check, inputs: &[InputRecords<'_>], now: &str) -> Derivation {
        run_with(check, inputs, now, crate::facts::Settings::default())
    }

    /// [`run`] with `settings` in force.
    pub fn run_with(
        check: &Check,
        inputs: &[InputRecords<'_>],
        now: &str,
        settings: crate::facts::Settings,
    ) -> Derivation {
        let mut facts = Facts::gather(inputs, crate::time::parse(now));
        facts.settings = settings;
        let mut out = Derivation::default();
        (check.run)(inputs, &facts, &mut out);
        out
    }

    /// The value of `field` in each derived fact, in order.
    pub fn values<'a>(out: &'a Derivation, field: &str) -> Vec<&'a str> {
        out.derived.iter().filter_map(|d| d.record.get(field)).collect()
    }
}
