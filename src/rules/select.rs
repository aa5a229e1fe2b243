//! Choosing rules: `select` and `ignore` lists of selectors, from a config file and from the
//! command line, resolved the way ruff resolves them.
//!
//! A selector is a rule id (`CCE211`), a rule name (`certificate-expiring`), a prefix of ids
//! (`CCE2`, `SFB`) or `ALL`, compared ignoring ASCII case. Within one layer (the config, then
//! the command line) the most specific selector that matches a rule decides for it: an id or
//! a name beats a prefix, a longer prefix beats a shorter one, `ALL` is the least specific, and
//! on a tie `ignore` wins. A layer with a `select` list starts afresh from what it selects; a
//! layer with only `ignore` removes from what the layers before it chose.

use super::suggest;

/// One selector as written, with where it was written (`--ignore`, `ccdiag.toml:4`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    pub text: String,
    pub origin: String,
}

impl Selector {
    pub fn new(text: impl Into<String>, origin: impl Into<String>) -> Selector {
        Selector { text: text.into(), origin: origin.into() }
    }
}

/// A rule as selectors see it.
#[derive(Clone, Copy, Debug)]
pub struct RuleName<'a> {
    pub id: &'a str,
    pub name: &'a str,
}

/// One layer of choices. `select: None` keeps what the layers below chose.
#[derive(Clone, Copy, Debug, Default)]
pub struct Layer<'a> {
    pub select: Option<&'a [Selector]>,
    pub ignore: &'a [Selector],
}

/// How specific `selector` is about `rule`, when it matches it at all: `ALL` least, then
/// prefixes by length, then the rule's id or name.
pub fn specificity(selector: &str, rule: RuleName<'_>) -> Option<usize> {
    let selector = selector.trim();
    if selector.eq_ignore_ascii_case("all") {
        Some(0)
    } else if rule.id.eq_ignore_ascii_case(selector) || rule.name.eq_ignore_ascii_case(selector) {
        Some(usize::MAX)
    } else if !selector.is_empty()
        && rule.id.get(..selector.len()).is_some_and(|start| start.eq_ignore_ascii_case(selector))
    {
        Some(selector.len())
    } else {
        None
    }
}

/// Why a selector is no good: it matches no rule. `help` suggests the nearest selector that
/// does, when one is near.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unmatched {
    pub selector: Selector,
    pub help: String,
}

/// Checks that `selector` matches some rule of `rules`.
pub fn check(selector: &Selector, rules: &[RuleName<'_>]) -> Result<(), Unmatched> {
    if rules.iter().any(|rule| specificity(&selector.text, *rule).is_some()) {
        return Ok(());
    }
    Err(Unmatched { selector: selector.clone(), help: suggestion(&selector.text, rules) })
}

/// "did you mean" over the ids, names and id prefixes (the letters an id starts with) of the
/// pack, or how to list the rules.
pub fn suggestion(word: &str, rules: &[RuleName<'_>]) -> String {
    let mut candidates: Vec<&str> = Vec::new();
    for rule in rules {
        candidates.push(rule.id);
        candidates.push(rule.name);
        let letters = rule.id.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rule.id.len());
        if letters > 0 && letters < rule.id.len() {
            candidates.push(&rule.id[..letters]);
        }
    }
    match suggest::closest(word.trim(), candidates) {
        Some(near) => format!("did you mean `{near}`? `ccdiag rules list` shows every rule"),
        None => "a selector is a rule id (CCE211), a name (certificate-expiring), a prefix of ids (CCE2, SFB) \
                 or ALL; `ccdiag rules list` shows every rule"
            .to_owned(),
    }
}

/// "did you mean" for a word that should name one rule (`rules explain`): the rules whose id
/// it begins (`CCE21`: CCE210 to CCE219), else the nearest id or name. Prefixes are not
/// offered, as they name no single rule.
pub fn rule_suggestion(word: &str, rules: &[RuleName<'_>]) -> String {
    let word = word.trim();
    let starting: Vec<&str> = rules
        .iter()
        .filter(|r| !word.is_empty() && r.id.get(..word.len()).is_some_and(|s| s.eq_ignore_ascii_case(word)))
        .map(|r| r.id)
        .collect();
    let near = if starting.is_empty() {
        suggest::closest(word, rules.iter().flat_map(|r| [r.id, r.name])).into_iter().collect()
    } else {
        starting
    };
    match near.as_slice() {
        [] => "`ccdiag rules list` shows every rule".to_owned(),
        [one] => format!("did you mean `{one}`?"),
        many => format!(
            "did you mean one of {}? `ccdiag rules list` shows every rule",
            many.iter().map(|id| format!("`{id}`")).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// Which rules run: `None` for a rule that runs, else why it does not (the selector that
/// ignored it, or the `select` that left it out). Every selector must match some rule (see
/// [`check`]); the first that does not is the error.
pub fn resolve(rules: &[RuleName<'_>], layers: &[Layer<'_>]) -> Result<Vec<Option<String>>, Unmatched> {
    for layer in layers {
        for selector in layer.select.unwrap_or_default().iter().chain(layer.ignore) {
            check(selector, rules)?;
        }
    }
    let mut chosen: Vec<Option<String>> = vec![None; rules.len()];
    for layer in layers {
        for (rule, state) in rules.iter().zip(chosen.iter_mut()) {
            let selected = most_specific(layer.select.unwrap_or_default(), *rule);
            let ignored = most_specific(layer.ignore, *rule);
            let update = match (selected, ignored) {
                (Some((s, _)), Some((i, by))) if i >= s => Some(Err(by)),
                (Some((_, by)), _) => Some(Ok(by)),
                (None, Some((_, by))) => Some(Err(by)),
                (None, None) => None,
            };
            match (update, layer.select) {
                (Some(Ok(_)), _) => *state = None,
                (Some(Err(by)), _) => *state = Some(format!("ignored by `{}` ({})", by.text.trim(), by.origin)),
                (None, Some(select)) => {
                    let origin = select.first().map_or("select", |s| s.origin.as_str());
                    let list: Vec<&str> = select.iter().map(|s| s.text.trim()).collect();
                    *state = Some(if list.is_empty() {
                        format!("not selected: the select list is empty ({origin})")
                    } else {
                        format!("not selected by `{}` ({origin})", list.join(","))
                    });
                }
                (None, None) => {}
            }
        }
    }
    Ok(chosen)
}

/// The selector of `list` most specific about `rule`, and how specific it is.
fn most_specific<'s>(list: &'s [Selector], rule: RuleName<'_>) -> Option<(usize, &'s Selector)> {
    list.iter().filter_map(|s| specificity(&s.text, rule).map(|level| (level, s))).max_by_key(|(level, _)| *level)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PACK: &[RuleName<'static>] = &[
        RuleName { id: "CCE102", name: "vm-not-running" },
        RuleName { id: "CCE207", name: "auto-update-disabled" },
        RuleName { id: "CCE211", name: "certificate-expiring" },
        RuleName { id: "CCE212", name: "tenant-admin-logon-failed" },
        RuleName { id: "SFB008", name: "user-shell-limit" },
    ];

    fn sel(list: &[&str], origin: &str) -> Vec<Selector> {
        list.iter().map(|s| Selector::new(*s, origin)).collect()
    }

    /// The ids of the rules that run.
    fn running(layers: &[Layer<'_>]) -> Vec<&'static str> {
        let chosen = resolve(PACK, layers).unwrap();
        PACK.iter().zip(&chosen).filter(|(_, c)| c.is_none()).map(|(r, _)| r.id).collect()
    }

    #[test]
    fn ids_names_prefixes_and_all_match_ignoring_case() {
        let rule = PACK[2];
        assert_eq!(specificity("cce211", rule), Some(usize::MAX));
        assert_eq!(specificity("Certificate-Expiring", rule), Some(usize::MAX));
        assert_eq!(specificity("CCE2", rule), Some(4));
        assert_eq!(specificity("cce", rule), Some(3));
        assert_eq!(specificity("ALL", rule), Some(0));
        assert_eq!(specificity("CCE1", rule), None);
        assert_eq!(specificity("certificate", rule), None, "names match whole");
        assert_eq!(specificity("", rule), None);
    }

    #[test]
    fn nothing_chosen_runs_everything() {
        assert_eq!(running(&[]), ["CCE102", "CCE207", "CCE211", "CCE212", "SFB008"]);
    }

    #[test]
    fn the_more_specific_selector_wins_and_ignore_wins_a_tie() {
        let (select, ignore) = (sel(&["CCE2"], "--select"), sel(&["CCE211"], "--ignore"));
        assert_eq!(running(&[Layer { select: Some(&select), ignore: &ignore }]), ["CCE207", "CCE212"]);
        let (select, ignore) = (sel(&["CCE211"], "--select"), sel(&["CCE"], "--ignore"));
        assert_eq!(running(&[Layer { select: Some(&select), ignore: &ignore }]), ["CCE211"]);
        let (select, ignore) = (sel(&["CCE2"], "--select"), sel(&["cce2"], "--ignore"));
        assert_eq!(running(&[Layer { select: Some(&select), ignore: &ignore }]), Vec::<&str>::new());
    }

    #[test]
    fn a_later_select_starts_afresh_and_a_later_ignore_adds() {
        let config_select = sel(&["CCE"], "ccdiag.toml:2");
        let config_ignore = sel(&["CCE211", "vm-not-running"], "ccdiag.toml:3");
        let config = Layer { select: Some(&config_select), ignore: &config_ignore };
        assert_eq!(running(&[config]), ["CCE207", "CCE212"]);
        // A command-line ignore removes more.
        let cli_ignore = sel(&["CCE207"], "--ignore");
        assert_eq!(running(&[config, Layer { select: None, ignore: &cli_ignore }]), ["CCE212"]);
        // A command-line select replaces the config's choice, its ignores included.
        let cli_select = sel(&["CCE211", "SFB"], "--select");
        assert_eq!(running(&[config, Layer { select: Some(&cli_select), ignore: &[] }]), ["CCE211", "SFB008"]);
    }

    #[test]
    fn the_reason_names_the_selector_and_where_it_was_written() {
        let config_ignore = sel(&["CCE2"], "ccdiag.toml:3");
        let cli_select = sel(&["CCE", "SFB008"], "--select");
        let chosen = resolve(PACK, &[Layer { select: None, ignore: &config_ignore }]).unwrap();
        assert_eq!(chosen[2].as_deref(), Some("ignored by `CCE2` (ccdiag.toml:3)"));
        assert_eq!(chosen[0], None);
        let chosen = resolve(PACK, &[Layer { select: Some(&cli_select[1..]), ignore: &[] }]).unwrap();
        assert_eq!(chosen[0].as_deref(), Some("not selected by `SFB008` (--select)"));
    }

    #[test]
    fn a_selector_that_matches_nothing_is_an_error_with_the_nearest_name() {
        let typo = sel(&["vm-not-runing"], "--ignore");
        let err = resolve(PACK, &[Layer { select: None, ignore: &typo }]).unwrap_err();
        assert_eq!(err.selector.text, "vm-not-runing");
        assert!(err.help.starts_with("did you mean `vm-not-running`?"), "{}", err.help);
        let err = check(&Selector::new("SFX", "--select"), PACK).unwrap_err();
        assert!(err.help.starts_with("did you mean `SFB`?"), "{}", err.help);
        let err = check(&Selector::new("CCE2111", "--select"), PACK).unwrap_err();
        assert!(err.help.starts_with("did you mean `CCE211`?"), "{}", err.help);
        let err = check(&Selector::new("zzzzzzzz", "--select"), PACK).unwrap_err();
        assert!(err.help.starts_with("a selector is a rule id"), "{}", err.help);
    }

    #[test]
    fn a_rule_is_suggested_by_the_ids_a_word_begins_or_the_nearest_name() {
        assert_eq!(
            rule_suggestion("CCE21", PACK),
            "did you mean one of `CCE211`, `CCE212`? `ccdiag rules list` shows every rule"
        );
        assert_eq!(rule_suggestion("cce10", PACK), "did you mean `CCE102`?");
        assert_eq!(rule_suggestion("vm-not-runing", PACK), "did you mean `vm-not-running`?");
        assert_eq!(rule_suggestion("CCE2O7", PACK), "did you mean `CCE207`?");
        assert_eq!(rule_suggestion("nothing-like-it", PACK), "`ccdiag rules list` shows every rule");
    }
}
