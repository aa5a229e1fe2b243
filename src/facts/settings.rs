//! Thresholds a user may change per rule, with `[settings.<rule>]` in ccdiag.toml: only the
//! ones a check really compares with. Each has a default (the value the rule's documentation
//! states), a range, and reaches its check through [`super::Facts::settings`].

use super::certificates::CERTIFICATE_WARNING_DAYS;

/// The thresholds in force for a scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// CCE211: certificates whose NotAfter falls within this many days of the reference time
    /// (or before it) are reported.
    pub certificate_warning_days: i64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings { certificate_warning_days: CERTIFICATE_WARNING_DAYS }
    }
}

/// One setting: the rule it belongs to, its key, what it means, and the values it takes.
#[derive(Debug)]
pub struct SettingDef {
    pub rule: &'static str,
    pub key: &'static str,
    pub about: &'static str,
    pub min: i64,
    pub max: i64,
    set: fn(&mut Settings, i64),
    get: fn(&Settings) -> i64,
}

impl SettingDef {
    /// Sets the value, which the caller has checked is within `min..=max`.
    pub fn apply(&self, settings: &mut Settings, value: i64) {
        (self.set)(settings, value);
    }

    pub fn value(&self, settings: &Settings) -> i64 {
        (self.get)(settings)
    }
}

/// Every setting there is.
pub const KNOWN: &[SettingDef] = &[SettingDef {
    rule: "CCE211",
    key: "warning_days",
    about: "how many days before a certificate's NotAfter it is reported",
    min: 0,
    max: 3650,
    set: |settings, value| settings.certificate_warning_days = value,
    get: |settings| settings.certificate_warning_days,
}];

/// The settings of a rule, by its id (ignoring ASCII case).
pub fn of_rule(rule: &str) -> impl Iterator<Item = &'static SettingDef> + '_ {
    KNOWN.iter().filter(move |s| s.rule.eq_ignore_ascii_case(rule))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setting_reads_back_what_it_set_and_defaults_to_the_documented_value() {
        let mut settings = Settings::default();
        let window = of_rule("cce211").next().unwrap();
        assert_eq!(window.value(&settings), 60);
        window.apply(&mut settings, 30);
        assert_eq!(settings.certificate_warning_days, 30);
        assert_eq!(window.value(&settings), 30);
        assert_eq!(of_rule("CCE212").count(), 0);
    }
}
