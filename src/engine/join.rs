//! Joins: a record a rule selected, compared with a row of a fact table drawn from other
//! inputs (the VM's adapter against the address CloudConnector.ini gives it).

use super::fold::fold;
use crate::rules::JoinOp;

/// A join comparison on folded text; a missing side never holds.
///
/// `Contains` reads the record's value as a list (`{a, b}`, `a, b`) and wants an item that is
/// the fact value, whole: `192.168.0.24` does not hold `192.168.0.2`, and `CMS` does not hold
/// `MS`. An item may carry a version prefix or suffix joined by `-` or `_`, as Hyper-V VM
/// names of Cloud Connector instances do (`2.1.0.0-CMS`).
pub(super) fn join_holds(record_value: Option<&str>, fact_value: Option<&String>, op: JoinOp) -> bool {
    let (Some(record_value), Some(fact_value)) = (record_value, fact_value) else {
        return false;
    };
    let wanted = fold(fact_value);
    match op {
        JoinOp::Equals => fold(record_value) == wanted,
        JoinOp::Contains => record_value
            .split(|c: char| matches!(c, ',' | ';' | '{' | '}' | '[' | ']') || c.is_whitespace())
            .map(|item| fold(item.trim_matches(['"', '\''])))
            .any(|item| {
                item == wanted
                    || item.strip_suffix(wanted.as_str()).is_some_and(|rest| rest.ends_with(['-', '_']))
                    || item.strip_prefix(wanted.as_str()).is_some_and(|rest| rest.starts_with(['-', '_']))
            }),
    }
}
