//! `ccdiag.toml`: which rules run, evidence accepted with a reason, and the thresholds of the
//! rules that have one. Every TOML read of the program happens here.
//!
//! ```toml
//! [rules]
//! select = ["CCE", "SFB"]          # ids, names, id prefixes or ALL; default: every rule
//! ignore = ["auto-update-disabled"]
//!
//! [settings.CCE211]
//! warning_days = 30
//!
//! [[suppress]]
//! rule = "CCE211"
//! where = { thumbprint = "3F2A0C..." }
//! reason = "Renewed on the 12th; the old certificate stays until the next maintenance window"
//! expires = "2027-03-01"
//! ```
//!
//! The file is found in the scanned folder or the nearest folder above it that has one (for a
//! file or a zip, the folder it is in; for stdin, the working folder), or named with
//! `--config`; `--no-config` reads none. What it says is checked against the rule pack: an
//! unknown key, setting, rule or captured field is an error naming the nearest one, pointing
//! at its place in the file (exit code 2), as a broken rule is.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::engine::{Engine, Suppression};
use crate::facts::Settings;
use crate::facts::settings::{self, SettingDef};
use crate::input::{Content, SourceFile};
use crate::report::{ConfigUsed, SettingUsed};
use crate::rules::select::{self, Layer, RuleName, Selector};
use crate::rules::suggest;
use crate::time::Timestamp;

/// The name a config file is found by.
pub const FILE_NAME: &str = "ccdiag.toml";

/// Largest config file read: a real one is a few hundred bytes.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// A config file that cannot be used. Stops the run (exit code 2): a scan that silently
/// dropped a suppression or a choice would report what the user said to leave out.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(ccdiag::config))]
pub struct ConfigError {
    pub message: String,
    #[source_code]
    pub source_code: NamedSource<Arc<str>>,
    #[label("{label}")]
    pub span: Option<SourceSpan>,
    pub label: String,
    #[help]
    pub help: Option<String>,
}

/// A config file, checked against the pack.
#[derive(Debug)]
pub struct Config {
    /// The file as reports show it (relative to the working folder when it is inside it).
    pub path: String,
    /// The file read, when it was read from disk.
    file: Option<PathBuf>,
    select: Option<Vec<Selector>>,
    ignore: Vec<Selector>,
    settings: Vec<SettingValue>,
    suppressions: Vec<Suppress>,
}

#[derive(Debug)]
struct SettingValue {
    def: &'static SettingDef,
    value: i64,
    line: u32,
}

#[derive(Debug)]
struct Suppress {
    suppression: Suppression,
    /// The end of its last day (UTC): from then on it no longer applies.
    ends: Option<Timestamp>,
}

/// What the command line chose: `--select` and `--ignore`, each item a selector.
#[derive(Clone, Debug, Default)]
pub struct Choice {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

impl Config {
    /// Reads the config file at `path`, shown in reports and diagnostics as `shown`.
    pub fn read(path: &Path, shown: &str, engine: &Engine) -> miette::Result<Config> {
        let cannot = |e: &dyn std::fmt::Display| miette::miette!("cannot read config {shown}: {e}");
        let size = std::fs::metadata(path).map_err(|e| cannot(&e))?.len();
        if size > MAX_CONFIG_BYTES {
            return Err(miette::miette!("{shown}: {size} bytes; a config file is at most {MAX_CONFIG_BYTES} bytes"));
        }
        let bytes = std::fs::read(path).map_err(|e| cannot(&e))?;
        let text = decode(&bytes).ok_or_else(|| {
            miette::miette!(help = "save it as UTF-8", "{shown}: not text in UTF-8 or UTF-16 with a byte order mark")
        })?;
        let mut config = Config::parse(shown, &text, engine).map_err(|e| miette::Report::new(*e))?;
        config.file = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parses and checks a config file's text against the pack of `engine`.
    pub fn parse(shown: &str, text: &str, engine: &Engine) -> Result<Config, Box<ConfigError>> {
        let file = File { shown, source: Arc::from(text) };
        // A diagnostic prints the file's lines: characters that would act on the terminal stop
        // the run before any of them is printed.
        if let Some((offset, c)) = text.char_indices().find(|&(_, c)| unprintable(c)) {
            let line = file.line(offset);
            let column = text[..offset].rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            return Err(Box::new(ConfigError {
                message: format!(
                    "{shown}: line {line}, column {column}: U+{:04X} is not allowed in a config file (control and bidi \
                     characters are not text)",
                    c as u32
                ),
                source_code: NamedSource::new(shown, Arc::from("")),
                span: None,
                label: String::new(),
                help: None,
            }));
        }
        let document = DeTable::parse(text).map_err(|e| {
            let help = "see the README's \"Choosing and silencing rules\" for the shape of ccdiag.toml";
            file.error(e.span(), format!("not valid TOML: {}", e.message().trim()), "here").with_help(help)
        })?;
        let rules: Vec<RuleName<'_>> =
            engine.rules().iter().map(|r| RuleName { id: r.id(), name: &r.loaded.def.name.value }).collect();
        let mut config = Config {
            path: shown.to_owned(),
            file: None,
            select: None,
            ignore: Vec::new(),
            settings: Vec::new(),
            suppressions: Vec::new(),
        };
        for (key, value) in in_order(document.get_ref()) {
            match key.get_ref().as_ref() {
                "rules" => file.rules_table(value, &rules, &mut config)?,
                "settings" => file.settings_table(value, engine, &rules, &mut config)?,
                "suppress" => file.suppress_list(value, engine, &rules, &mut config)?,
                other => {
                    return Err(file.unknown_key(key, other, &["rules", "settings", "suppress"], "the file"));
                }
            }
        }
        Ok(config)
    }

    /// The thresholds it sets, each with its rule, key, value and line.
    pub fn settings(&self) -> impl Iterator<Item = (&'static str, &'static str, i64, u32)> + '_ {
        self.settings.iter().map(|s| (s.def.rule, s.def.key, s.value, s.line))
    }

    /// What a report says of it: its path and the thresholds it set.
    pub fn used(&self) -> ConfigUsed {
        let settings = self
            .settings()
            .map(|(rule, key, value, line)| SettingUsed { rule_id: rule.to_owned(), key: key.to_owned(), value, line })
            .collect();
        ConfigUsed { path: self.path.clone(), settings }
    }
}

/// Sets up `engine` for a scan: which rules run (the config's `[rules]`, then the command
/// line's `--select` and `--ignore` over it), the thresholds, and the suppressions still in
/// force at `now`. Returns a warning for each suppression that has expired.
pub fn configure(
    engine: &mut Engine,
    config: Option<&Config>,
    cli: &Choice,
    now: Timestamp,
) -> miette::Result<Vec<String>> {
    let ignored = chosen(engine, config, cli)?;
    engine.ignore(ignored);
    let mut settings = Settings::default();
    let mut suppressions = Vec::new();
    let mut warnings = Vec::new();
    if let Some(config) = config {
        for setting in &config.settings {
            setting.def.apply(&mut settings, setting.value);
        }
        for suppress in &config.suppressions {
            let s = &suppress.suppression;
            match suppress.ends {
                Some(end) if now >= end => warnings.push(format!(
                    "{}:{}: the suppression of {} expired on {} and no longer applies (reason: {})",
                    s.path,
                    s.line,
                    engine.rules()[s.rule].id(),
                    s.expires.as_deref().unwrap_or_default(),
                    s.reason
                )),
                _ => suppressions.push(s.clone()),
            }
        }
    }
    engine.set_settings(settings);
    engine.suppress(suppressions);
    Ok(warnings)
}

/// Per rule of `engine`, why it does not run (`None`: it runs), from the config's `[rules]`
/// and the command line's choice over it. A command-line selector that matches no rule is an
/// error naming the nearest.
pub fn chosen(engine: &Engine, config: Option<&Config>, cli: &Choice) -> miette::Result<Vec<Option<String>>> {
    let rules: Vec<RuleName<'_>> =
        engine.rules().iter().map(|r| RuleName { id: r.id(), name: &r.loaded.def.name.value }).collect();
    let flag = |list: &[String], flag: &str| -> Vec<Selector> {
        list.iter().map(|text| Selector::new(text.trim(), format!("{flag} on the command line"))).collect()
    };
    let (cli_select, cli_ignore) = (flag(&cli.select, "--select"), flag(&cli.ignore, "--ignore"));
    let mut layers = Vec::new();
    if let Some(config) = config {
        layers.push(Layer { select: config.select.as_deref(), ignore: &config.ignore });
    }
    layers.push(Layer { select: (!cli_select.is_empty()).then_some(&cli_select[..]), ignore: &cli_ignore });
    select::resolve(&rules, &layers).map_err(|unmatched| {
        let which = if unmatched.selector.origin.starts_with("--select") { "--select" } else { "--ignore" };
        miette::miette!(
            help = unmatched.help,
            "`{which} {}` matches no rule (by id, name or id prefix)",
            crate::report::sanitize::terminal(&unmatched.selector.text, false)
        )
    })
}

/// Where the config file of a scan of `paths` is: the nearest `ccdiag.toml` in the folder
/// scanned or above it (for a file or a zip, the folder it is in; for `-`, `cwd`). Paths whose
/// nearest files differ cannot share one report: that is an error asking for `--config`.
pub fn discover(paths: &[String], cwd: &Path) -> miette::Result<Option<PathBuf>> {
    let mut found: Vec<(&str, Option<PathBuf>)> = Vec::new();
    for path in paths {
        let start = if path == "-" {
            cwd.to_path_buf()
        } else {
            let absolute = normalized(&cwd.join(path));
            if absolute.is_dir() {
                absolute
            } else {
                absolute.parent().map_or_else(|| cwd.to_path_buf(), Path::to_path_buf)
            }
        };
        let nearest = start.ancestors().map(|dir| dir.join(FILE_NAME)).find(|candidate| candidate.is_file());
        found.push((path, nearest));
    }
    let first = found.first().and_then(|(_, f)| f.clone());
    if found.iter().any(|(_, f)| *f != first) {
        let each: Vec<String> = found
            .iter()
            .map(|(path, f)| match f {
                Some(file) => format!("{path}: {}", shown(file, cwd)),
                None => format!("{path}: none"),
            })
            .collect();
        return Err(miette::miette!(
            help = "name one with --config FILE, or scan without one with --no-config",
            "the scanned paths have different {FILE_NAME} files ({}); one report takes one",
            each.join("; ")
        ));
    }
    Ok(first)
}

/// Takes the config files a folder walk found out of the sources: a `ccdiag.toml` says how to
/// judge a bundle and is no part of it (its reasons may quote the very errors rules look for).
/// The one `used` is named in the report; any other is set aside with a warning, as one report
/// reads one config. Files named on the command line, zip entries and stdin stay sources.
pub fn set_aside(sources: Vec<SourceFile>, used: Option<&Config>) -> (Vec<SourceFile>, Vec<String>) {
    let used = used.and_then(|c| c.file.as_deref()).and_then(|f| std::fs::canonicalize(f).ok());
    let mut kept = Vec::with_capacity(sources.len());
    let mut warnings = Vec::new();
    for source in sources {
        let config = match &source.content {
            Content::Disk(file) if file.found.is_some() && file.path.file_name().is_some_and(|n| n == FILE_NAME) => {
                Some(std::fs::canonicalize(&file.path).ok())
            }
            _ => None,
        };
        match config {
            None => kept.push(source),
            Some(canonical) if canonical.is_some() && canonical == used => {}
            Some(_) => warnings.push(format!(
                "{}: a config file, not read as an input and not applied: one report reads one config, the \
                 nearest to the scanned paths or the one --config names",
                source.path
            )),
        }
    }
    (kept, warnings)
}

/// A config file's path as reports show it: relative to `cwd` when inside it, else absolute,
/// without `.` and `..` steps.
pub fn shown(path: &Path, cwd: &Path) -> String {
    let absolute = normalized(&cwd.join(path));
    match absolute.strip_prefix(normalized(cwd)) {
        Ok(relative) if !relative.as_os_str().is_empty() => relative.display().to_string(),
        _ => absolute.display().to_string(),
    }
}

/// `path` without `.` and `..` steps, read as text (links are not followed).
fn normalized(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(component);
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// UTF-8 (a byte order mark dropped) or UTF-16 with a byte order mark (what PowerShell's `>`
/// writes).
fn decode(bytes: &[u8]) -> Option<String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8(rest.to_vec()).ok();
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let encoding = if bytes[0] == 0xFF { encoding_rs::UTF_16LE } else { encoding_rs::UTF_16BE };
        let (text, malformed) = encoding.decode_with_bom_removal(bytes);
        return (!malformed).then(|| text.into_owned());
    }
    String::from_utf8(bytes.to_vec()).ok()
}

/// Control characters (tab and line ends aside) and bidi controls, which make a file read
/// otherwise than it is.
fn unprintable(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// The entries of a table in the order they are written (the parser keeps them sorted by key).
fn in_order<'t, 'i>(table: &'t DeTable<'i>) -> Vec<(&'t Spanned<std::borrow::Cow<'i, str>>, &'t Spanned<DeValue<'i>>)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

/// The file being read, for diagnostics.
struct File<'a> {
    shown: &'a str,
    source: Arc<str>,
}

impl File<'_> {
    fn line(&self, offset: usize) -> u32 {
        let before = self.source.get(..offset).unwrap_or(&self.source);
        u32::try_from(before.matches('\n').count() + 1).unwrap_or(u32::MAX)
    }

    fn error(&self, span: Option<std::ops::Range<usize>>, message: impl Into<String>, label: &str) -> Box<ConfigError> {
        Box::new(ConfigError {
            message: format!("{}: {}", self.shown, message.into()),
            source_code: NamedSource::new(self.shown, self.source.clone()).with_language("TOML"),
            span: span.map(|s| SourceSpan::new(s.start.into(), s.len().max(1))),
            label: label.to_owned(),
            help: None,
        })
    }

    fn at<T>(&self, node: &Spanned<T>, message: impl Into<String>, label: &str) -> Box<ConfigError> {
        self.error(Some(node.span()), message, label)
    }

    fn unknown_key(
        &self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        name: &str,
        known: &[&str],
        of: &str,
    ) -> Box<ConfigError> {
        let help = match suggest::closest(name, known.iter().copied()) {
            Some(near) => format!("did you mean `{near}`? {of} takes {}", list(known)),
            None => format!("{of} takes {}", list(known)),
        };
        self.at(key, format!("unknown key `{name}` in {of}"), "unknown key").with_help(help)
    }

    fn table<'v, 'i>(&self, value: &'v Spanned<DeValue<'i>>, what: &str) -> Result<&'v DeTable<'i>, Box<ConfigError>> {
        value.get_ref().as_table().ok_or_else(|| {
            self.at(value, format!("{what} is a table, not {}", type_of(value.get_ref())), "expected a table")
        })
    }

    fn string<'v>(&self, value: &'v Spanned<DeValue<'_>>, what: &str) -> Result<&'v str, Box<ConfigError>> {
        value.get_ref().as_str().ok_or_else(|| {
            self.at(value, format!("{what} is a string, not {}", type_of(value.get_ref())), "expected a string")
        })
    }

    /// `[rules]`: `select` and `ignore`, lists of selectors that must each match a rule.
    fn rules_table(
        &self,
        value: &Spanned<DeValue<'_>>,
        rules: &[RuleName<'_>],
        config: &mut Config,
    ) -> Result<(), Box<ConfigError>> {
        for (key, value) in in_order(self.table(value, "[rules]")?) {
            let name = key.get_ref().as_ref();
            if !matches!(name, "select" | "ignore") {
                return Err(self.unknown_key(key, name, &["select", "ignore"], "[rules]"));
            }
            let Some(items) = value.get_ref().as_array() else {
                return Err(self
                    .at(value, format!("`{name}` is a list of rule ids, names or prefixes"), "expected a list")
                    .with_help(format!("{name} = [\"CCE207\", \"vm-not-running\", \"SFB\"]")));
            };
            let mut selectors = Vec::new();
            for item in items {
                let text = self.string(item, &format!("an item of `{name}`"))?;
                let selector = Selector::new(text.trim(), format!("{}:{}", self.shown, self.line(item.span().start)));
                if let Err(unmatched) = select::check(&selector, rules) {
                    return Err(self
                        .at(item, format!("`{text}` matches no rule (by id, name or id prefix)"), "no such rule")
                        .with_help(unmatched.help));
                }
                selectors.push(selector);
            }
            match name {
                "select" => config.select = Some(selectors),
                _ => config.ignore = selectors,
            }
        }
        Ok(())
    }

    /// `[settings.<rule>]`: the thresholds that rule has, each an integer in its range.
    fn settings_table(
        &self,
        value: &Spanned<DeValue<'_>>,
        engine: &Engine,
        rules: &[RuleName<'_>],
        config: &mut Config,
    ) -> Result<(), Box<ConfigError>> {
        let with_settings: Vec<&str> = {
            let mut ids: Vec<&str> = settings::KNOWN.iter().map(|s| s.rule).collect();
            ids.dedup();
            ids
        };
        for (key, value) in in_order(self.table(value, "[settings]")?) {
            let wanted = key.get_ref().as_ref();
            let Some(rule) = rule_named(engine, wanted) else {
                return Err(self
                    .at(key, format!("no rule has the id or name `{wanted}`"), "no such rule")
                    .with_help(select::suggestion(wanted, rules)));
            };
            let id = engine.rules()[rule].id();
            let defs: Vec<&'static SettingDef> = settings::of_rule(id).collect();
            if defs.is_empty() {
                return Err(self
                    .at(key, format!("{id} has no settings"), "no settings")
                    .with_help(format!("rules with settings: {}", list(&with_settings))));
            }
            let of = format!("[settings.{wanted}]");
            for (key, value) in in_order(self.table(value, &of)?) {
                let name = key.get_ref().as_ref();
                let keys: Vec<&str> = defs.iter().map(|d| d.key).collect();
                let Some(def) = defs.iter().find(|d| d.key == name) else {
                    return Err(self.unknown_key(key, name, &keys, &of));
                };
                let number = value
                    .get_ref()
                    .as_integer()
                    .and_then(|i| i64::from_str_radix(i.as_str(), i.radix()).ok())
                    .filter(|n| (def.min..=def.max).contains(n));
                let Some(number) = number else {
                    return Err(self
                        .at(
                            value,
                            format!("`{name}` is a whole number from {} to {}", def.min, def.max),
                            "out of range",
                        )
                        .with_help(format!("{name}: {}", def.about)));
                };
                config.settings.retain(|s| !std::ptr::eq(s.def, *def));
                config.settings.push(SettingValue { def, value: number, line: self.line(key.span().start) });
            }
        }
        Ok(())
    }

    /// `[[suppress]]`: each names a rule, fields of its evidence, a reason and perhaps the last
    /// day it applies.
    fn suppress_list(
        &self,
        value: &Spanned<DeValue<'_>>,
        engine: &Engine,
        rules: &[RuleName<'_>],
        config: &mut Config,
    ) -> Result<(), Box<ConfigError>> {
        let Some(items) = value.get_ref().as_array() else {
            return Err(self
                .at(value, "`suppress` is a list of tables: write each as [[suppress]]", "expected [[suppress]]")
                .with_help("[[suppress]]\nrule = \"CCE211\"\nwhere = { thumbprint = \"...\" }\nreason = \"...\""));
        };
        for item in items {
            let table = self.table(item, "[[suppress]]")?;
            let line = self.line(item.span().start);
            let (mut rule, mut fields, mut reason, mut expires) = (None, Vec::new(), None, None);
            for (key, value) in in_order(table) {
                match key.get_ref().as_ref() {
                    "rule" => {
                        let wanted = self.string(value, "`rule`")?;
                        let found = rule_named(engine, wanted).ok_or_else(|| {
                            let near = rules.iter().flat_map(|r| [r.id, r.name]);
                            let help = match suggest::closest(wanted, near) {
                                Some(near) => {
                                    format!("did you mean `{near}`? A suppression names one rule, by its id or name")
                                }
                                None => {
                                    "a suppression names one rule, by its id or name; `ccdiag rules list` shows them"
                                        .to_owned()
                                }
                            };
                            self.at(value, format!("no rule has the id or name `{wanted}`"), "no such rule")
                                .with_help(help)
                        })?;
                        rule = Some(found);
                    }
                    "where" => fields = self.where_table(value)?,
                    "reason" => {
                        let text = self.string(value, "`reason`")?;
                        if text.trim().is_empty() {
                            return Err(self.at(value, "the reason is empty", "say why").with_help(
                                "a suppression says why the evidence is accepted, for whoever reads the report",
                            ));
                        }
                        reason = Some(text.trim().to_owned());
                    }
                    "expires" => expires = Some(self.expires(value)?),
                    other => {
                        return Err(self.unknown_key(
                            key,
                            other,
                            &["rule", "where", "reason", "expires"],
                            "[[suppress]]",
                        ));
                    }
                }
            }
            let missing = |key: &str, example: &str| {
                self.at(item, format!("this suppression has no `{key}`"), &format!("`{key}` missing"))
                    .with_help(format!("every [[suppress]] names a rule and says why: {example}"))
            };
            let rule = rule.ok_or_else(|| missing("rule", "rule = \"CCE211\""))?;
            let reason = reason.ok_or_else(|| missing("reason", "reason = \"why this evidence is accepted\""))?;
            let (names, joined) = engine.rules()[rule].capture_names();
            for (key, name, _) in &fields {
                let known = names.iter().any(|n| n.eq_ignore_ascii_case(name))
                    || (joined && name.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("fact.")));
                if !known {
                    let id = engine.rules()[rule].id();
                    let captured = if names.is_empty() { "no field".to_owned() } else { list(&names) };
                    let help = match suggest::closest(name, names.iter().map(String::as_str)) {
                        Some(near) => format!("did you mean `{near}`? {id} captures {captured}"),
                        None => format!("{id} captures {captured}"),
                    };
                    return Err(self
                        .error(
                            Some(key.clone()),
                            format!("{id}'s evidence has no field `{name}` to match"),
                            "not captured",
                        )
                        .with_help(help));
                }
            }
            let fields = fields.into_iter().map(|(_, name, values)| (name, values)).collect();
            let (day, ends) = match expires {
                Some((day, start)) => (Some(day), Some(start + 86_400)),
                None => (None, None),
            };
            config
                .suppressions
                .push(Suppress { suppression: Suppression::new(rule, fields, reason, self.shown, line, day), ends });
        }
        Ok(())
    }

    /// `where = { Field = "value", Other = ["a", "b"] }`: each field and the values it may
    /// hold, with the key's place in the file.
    #[allow(clippy::type_complexity)]
    fn where_table(
        &self,
        value: &Spanned<DeValue<'_>>,
    ) -> Result<Vec<(std::ops::Range<usize>, String, Vec<String>)>, Box<ConfigError>> {
        let mut fields = Vec::new();
        for (key, value) in in_order(self.table(value, "`where`")?) {
            let scalar = |v: &Spanned<DeValue<'_>>| match v.get_ref() {
                DeValue::String(s) => Ok(s.to_string()),
                DeValue::Integer(i) => Ok(i.to_string()),
                DeValue::Boolean(b) => Ok(b.to_string()),
                other => Err(self.at(
                    v,
                    format!("a `where` value is a string or a list of strings, not {}", type_of(other)),
                    "expected a string",
                )),
            };
            let values = match value.get_ref().as_array() {
                Some(items) if items.is_empty() => {
                    return Err(self
                        .at(value, "an empty list matches nothing", "empty")
                        .with_help("list the values to accept"));
                }
                Some(items) => items.iter().map(scalar).collect::<Result<Vec<_>, _>>()?,
                None => vec![scalar(value)?],
            };
            fields.push((key.span(), key.get_ref().to_string(), values));
        }
        Ok(fields)
    }

    /// `expires = "2027-03-01"` (or a TOML date): the day and when it starts (UTC).
    fn expires(&self, value: &Spanned<DeValue<'_>>) -> Result<(String, Timestamp), Box<ConfigError>> {
        let text = match value.get_ref() {
            DeValue::String(s) => s.trim().to_owned(),
            DeValue::Datetime(d) => d.to_string(),
            _ => String::new(),
        };
        let shaped = text.len() == 10
            && text.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
        match crate::time::parse(&text).filter(|_| shaped) {
            Some(start) => Ok((text, start)),
            None => Err(self
                .at(value, "`expires` is a day written YYYY-MM-DD", "not a day")
                .with_help("expires = \"2027-03-01\": the suppression applies through that day (UTC), not after")),
        }
    }
}

impl ConfigError {
    fn with_help(mut self: Box<Self>, help: impl Into<String>) -> Box<ConfigError> {
        self.help = Some(help.into());
        self
    }
}

/// The rule whose id or name is `wanted` (ignoring ASCII case).
fn rule_named(engine: &Engine, wanted: &str) -> Option<usize> {
    let wanted = wanted.trim();
    engine
        .rules()
        .iter()
        .position(|r| r.id().eq_ignore_ascii_case(wanted) || r.loaded.def.name.value.eq_ignore_ascii_case(wanted))
}

fn type_of(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "a number",
        DeValue::Float(_) => "a number",
        DeValue::Boolean(_) => "true or false",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

fn list(items: &[impl AsRef<str>]) -> String {
    items.iter().map(|i| format!("`{}`", i.as_ref())).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests;
