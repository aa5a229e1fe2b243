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
        JoinOp::In => fact_value.split(',').any(|item| fold(item.trim()) == fold(record_value.trim())),
        JoinOp::Host => {
            // An address is a name of its own: `10.0.0.5` is not host `10`.
            let short = |name: &str| {
                let name = name.trim();
                let first = name.split('.').next().unwrap_or_default();
                fold(if first.bytes().all(|b| b.is_ascii_digit()) { name } else { first })
            };
            short(record_value) == short(fact_value)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holds(record: &str, fact: &str, op: JoinOp) -> bool {
        join_holds(Some(record), Some(&fact.to_owned()), op)
    }

    #[test]
    fn contains_wants_a_whole_item_or_a_versioned_name() {
        assert!(holds("{192.168.0.24, fe80::1}", "192.168.0.24", JoinOp::Contains));
        assert!(!holds("{192.168.0.24}", "192.168.0.2", JoinOp::Contains));
        assert!(holds("2.1.0.0-CMS", "CMS", JoinOp::Contains));
        assert!(!holds("2.1.0.0-CMS", "MS", JoinOp::Contains));
    }

    #[test]
    fn in_looks_the_record_value_up_in_the_fact_list() {
        assert!(holds("rtcsrv", "REPLICA, RTCSRV, RTCMEDSRV", JoinOp::In));
        assert!(!holds("RTCCLSAGT", "REPLICA, RTCSRV", JoinOp::In));
        assert!(!holds("RTC", "REPLICA, RTCSRV", JoinOp::In));
    }

    #[test]
    fn host_ignores_the_domain_but_not_an_address() {
        assert!(holds("KFMED01.kfcce.local", "KFMED01", JoinOp::Host));
        assert!(holds("kfmed01", "KFMED01.kfcce.local", JoinOp::Host));
        assert!(!holds("KFMED02", "KFMED01", JoinOp::Host));
        assert!(!holds("10.40.12.22", "10", JoinOp::Host));
        assert!(holds("10.40.12.22", "10.40.12.22", JoinOp::Host));
    }
}
