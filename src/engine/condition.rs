//! Sigma conditions: `sel and not filter`, `1 of sel_*`, `all of them`, parentheses.
//!
//! Conditions come from rule packs a user may have been sent, and parsing and evaluating them
//! recurse; nesting is bounded ([`MAX_DEPTH`]) so that a hostile condition is a load error, not
//! a stack overflow.

/// Deepest nesting of parentheses and `not` a condition may have. Real conditions nest two or
/// three levels.
pub const MAX_DEPTH: usize = 64;

/// A parsed condition over selection indices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cond {
    Selection(usize),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

impl Cond {
    pub fn eval(&self, selection: &mut impl FnMut(usize) -> bool) -> bool {
        match self {
            Cond::Selection(i) => selection(*i),
            Cond::Not(c) => !c.eval(selection),
            Cond::And(cs) => cs.iter().all(|c| c.eval(selection)),
            Cond::Or(cs) => cs.iter().any(|c| c.eval(selection)),
        }
    }
}

/// Why a condition did not parse, with the byte offset in the condition text.
#[derive(Debug, PartialEq, Eq)]
pub struct ConditionError {
    pub offset: usize,
    pub message: String,
}

/// Parses `text` against the rule's selection names.
pub fn parse(text: &str, names: &[&str]) -> Result<Cond, ConditionError> {
    let tokens = tokenize(text);
    let mut parser = Parser { tokens, pos: 0, names, text_len: text.len(), depth: 0 };
    let cond = parser.or()?;
    match parser.tokens.get(parser.pos) {
        None => Ok(cond),
        Some(t) => Err(ConditionError { offset: t.offset, message: format!("unexpected `{}`", t.text) }),
    }
}

struct Token<'a> {
    text: &'a str,
    offset: usize,
}

fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '(' || c == ')' {
            tokens.push(Token { text: &text[i..i + 1], offset: i });
            chars.next();
        } else {
            let start = i;
            let mut end = text.len();
            while let Some(&(j, d)) = chars.peek() {
                if d.is_whitespace() || d == '(' || d == ')' {
                    end = j;
                    break;
                }
                chars.next();
            }
            tokens.push(Token { text: &text[start..end], offset: start });
        }
    }
    tokens
}

struct Parser<'a, 'n> {
    tokens: Vec<Token<'a>>,
    pos: usize,
    names: &'n [&'n str],
    text_len: usize,
    /// Parentheses and `not`s open around the current token.
    depth: usize,
}

impl Parser<'_, '_> {
    fn peek_is(&self, word: &str) -> bool {
        self.tokens.get(self.pos).is_some_and(|t| t.text.eq_ignore_ascii_case(word))
    }

    fn error_here(&self, message: impl Into<String>) -> ConditionError {
        let offset = self.tokens.get(self.pos).map_or(self.text_len, |t| t.offset);
        ConditionError { offset, message: message.into() }
    }

    fn or(&mut self) -> Result<Cond, ConditionError> {
        let mut terms = vec![self.and()?];
        while self.peek_is("or") {
            self.pos += 1;
            terms.push(self.and()?);
        }
        Ok(if terms.len() == 1 { terms.remove(0) } else { Cond::Or(terms) })
    }

    fn and(&mut self) -> Result<Cond, ConditionError> {
        let mut terms = vec![self.unary()?];
        while self.peek_is("and") {
            self.pos += 1;
            terms.push(self.unary()?);
        }
        Ok(if terms.len() == 1 { terms.remove(0) } else { Cond::And(terms) })
    }

    fn unary(&mut self) -> Result<Cond, ConditionError> {
        if self.peek_is("not") {
            self.enter()?;
            self.pos += 1;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Cond::Not(Box::new(inner)));
        }
        self.atom()
    }

    fn enter(&mut self) -> Result<(), ConditionError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_here(format!("nested deeper than {MAX_DEPTH} levels of parentheses and `not`")));
        }
        Ok(())
    }

    fn atom(&mut self) -> Result<Cond, ConditionError> {
        let Some(token) = self.tokens.get(self.pos) else {
            return Err(self.error_here("condition ends where a selection name was expected"));
        };
        let (text, offset) = (token.text, token.offset);
        if text == "(" {
            self.enter()?;
            self.pos += 1;
            let inner = self.or()?;
            if !self.peek_is(")") {
                return Err(self.error_here("missing `)`"));
            }
            self.pos += 1;
            self.depth -= 1;
            return Ok(inner);
        }
        let quantifier = text.eq_ignore_ascii_case("all") || text == "1" || text.eq_ignore_ascii_case("any");
        if quantifier && self.tokens.get(self.pos + 1).is_some_and(|t| t.text.eq_ignore_ascii_case("of")) {
            self.pos += 2;
            let Some(pattern) = self.tokens.get(self.pos) else {
                return Err(self.error_here("`of` needs a selection pattern such as `sel_*` or `them`"));
            };
            let (pattern_text, pattern_offset) = (pattern.text, pattern.offset);
            self.pos += 1;
            let matched: Vec<Cond> = (0..self.names.len())
                .filter(|&i| matches_pattern(self.names[i], pattern_text))
                .map(Cond::Selection)
                .collect();
            if matched.is_empty() {
                return Err(ConditionError {
                    offset: pattern_offset,
                    message: format!("no selection matches `{pattern_text}`"),
                });
            }
            return Ok(if text.eq_ignore_ascii_case("all") { Cond::And(matched) } else { Cond::Or(matched) });
        }
        match self.names.iter().position(|n| *n == text) {
            Some(i) => {
                self.pos += 1;
                Ok(Cond::Selection(i))
            }
            None => Err(ConditionError { offset, message: format!("`{text}` is not a selection of this rule") }),
        }
    }
}

fn matches_pattern(name: &str, pattern: &str) -> bool {
    if pattern == "them" {
        return true;
    }
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == pattern,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: &[&str] = &["sel_literal", "sel_marker", "filter"];

    #[test]
    fn precedence_and_binds_tighter_than_or() {
        let c = parse("sel_literal or sel_marker and not filter", NAMES).unwrap();
        assert_eq!(
            c,
            Cond::Or(vec![
                Cond::Selection(0),
                Cond::And(vec![Cond::Selection(1), Cond::Not(Box::new(Cond::Selection(2)))])
            ])
        );
    }

    #[test]
    fn quantifiers() {
        assert_eq!(parse("1 of sel_*", NAMES).unwrap(), Cond::Or(vec![Cond::Selection(0), Cond::Selection(1)]));
        assert_eq!(
            parse("all of them", NAMES).unwrap(),
            Cond::And(vec![Cond::Selection(0), Cond::Selection(1), Cond::Selection(2)])
        );
        let c = parse("(1 of sel_*) and not filter", NAMES).unwrap();
        let mut values = [false, true, false].into_iter();
        let v: Vec<bool> = values.by_ref().collect();
        assert!(c.eval(&mut |i| v[i]));
    }

    #[test]
    fn errors_point_at_the_offending_token() {
        assert_eq!(parse("sel_literal or nope", NAMES).unwrap_err().offset, 15);
        assert_eq!(parse("(sel_literal", NAMES).unwrap_err().offset, 12);
        assert!(parse("1 of x_*", NAMES).is_err());
        assert!(parse("", NAMES).is_err());
    }

    #[test]
    fn hostile_nesting_is_an_error_not_a_stack_overflow() {
        let deep = format!("{}sel_literal{}", "(".repeat(30_000), ")".repeat(30_000));
        assert!(parse(&deep, NAMES).unwrap_err().message.contains("nested deeper than 64"));
        let nots = format!("{}sel_literal", "not ".repeat(30_000));
        assert!(parse(&nots, NAMES).unwrap_err().message.contains("nested deeper than 64"));
        let fine = format!("{}sel_literal{}", "(not ".repeat(32), ")".repeat(32));
        assert!(parse(&fine, NAMES).is_ok());
    }
}
