//! Where an Export-Clixml file may be cut into chunks: at a line start between the objects of
//! `<Objs>` (or between roots), outside any markup. The bytes are followed as [`super::xml`]
//! tokenizes them (comments, CDATA, processing instructions, declarations, quoted attribute
//! values), counting open elements only; what a later object needs of the earlier ones, the
//! `<TN>` type names its `<TNRef>`s name, goes with every chunk. `<Ref>`s to objects of earlier
//! chunks are not carried: every object would have to be kept (see [`super::reader`]).

use std::collections::HashMap;
use std::sync::Arc;

use super::reader::type_name_entry;

/// What a chunk of an Export-Clixml file needs of the text before it.
#[derive(Clone, Debug)]
pub struct Carry {
    /// The chunk starts inside `<Objs>`, between two of its objects.
    pub(super) in_objs: bool,
    /// `<TN RefId>` to its type names, for the `<TNRef>`s of later objects.
    pub(super) type_names: Arc<HashMap<String, Vec<String>>>,
}

#[derive(Default)]
pub struct Cutter {
    markup: Markup,
    /// The markup being read, from its `<`: enough of it to tell what it is, a start tag whole.
    tag: Vec<u8>,
    /// For each open element, whether it is an `<Obj>` (whose `<TN>` children name types).
    open: Vec<bool>,
    /// A `<TN>` being read, as written, and how many elements are open around it.
    type_name: Option<(String, usize)>,
    type_names: Arc<HashMap<String, Vec<String>>>,
}

#[derive(Clone, Copy, Default, PartialEq)]
enum Markup {
    #[default]
    Text,
    /// After `<`, until what follows tells what it is.
    Open,
    StartTag {
        quote: Option<u8>,
    },
    EndTag,
    Comment {
        dashes: u8,
    },
    CData {
        brackets: u8,
    },
    Instruction {
        question: bool,
    },
    Declaration {
        subset: bool,
    },
}

const COMMENT: &[u8] = b"<!--";
const CDATA: &[u8] = b"<![CDATA[";

impl crate::input::chunks::Cutter<crate::parse::Carry> for Cutter {
    fn line(&mut self, line: &str) -> Option<crate::parse::Carry> {
        let carry = (self.markup == Markup::Text && self.open.len() <= 1 && self.type_name.is_none()).then(|| {
            crate::parse::Carry::Clixml(Carry {
                in_objs: self.open.len() == 1,
                type_names: Arc::clone(&self.type_names),
            })
        });
        let bytes = line.as_bytes();
        // Where the text of a `<TN>` being read goes on in this line.
        let mut captured = 0;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            match self.markup {
                Markup::Text => match memchr::memchr(b'<', &bytes[i..]) {
                    Some(at) => {
                        i += at;
                        self.markup = Markup::Open;
                        self.tag.clear();
                        self.tag.push(b'<');
                    }
                    None => break,
                },
                Markup::Open => {
                    self.tag.push(b);
                    self.markup = match self.tag.as_slice() {
                        b"</" => Markup::EndTag,
                        b"<?" => Markup::Instruction { question: false },
                        COMMENT => Markup::Comment { dashes: 0 },
                        CDATA => Markup::CData { brackets: 0 },
                        tag if COMMENT.starts_with(tag) || CDATA.starts_with(tag) => Markup::Open,
                        [b'<', b'!', rest @ ..] => {
                            let mut subset = false;
                            let mut done = false;
                            for &b in rest {
                                match b {
                                    b'[' => subset = true,
                                    b']' => subset = false,
                                    b'>' if !subset => done = true,
                                    _ => {}
                                }
                            }
                            if done { Markup::Text } else { Markup::Declaration { subset } }
                        }
                        _ => {
                            self.tag.pop();
                            self.markup = Markup::StartTag { quote: None };
                            continue;
                        }
                    };
                }
                Markup::StartTag { quote } => {
                    self.tag.push(b);
                    self.markup = match (quote, b) {
                        (None, b'"' | b'\'') => Markup::StartTag { quote: Some(b) },
                        (Some(q), _) if q == b => Markup::StartTag { quote: None },
                        (None, b'>') => {
                            if self.start_tag() {
                                captured = i + 1;
                            }
                            Markup::Text
                        }
                        _ => self.markup,
                    };
                }
                Markup::EndTag => {
                    if b == b'>' {
                        self.markup = Markup::Text;
                        self.open.pop();
                        if let Some((text, outside)) = &mut self.type_name
                            && self.open.len() <= *outside
                        {
                            text.push_str(&line[captured..=i]);
                            let text = std::mem::take(text);
                            self.type_name = None;
                            self.define(&text);
                        }
                    }
                }
                Markup::Comment { dashes } => {
                    self.markup = match b {
                        b'-' => Markup::Comment { dashes: (dashes + 1).min(2) },
                        b'>' if dashes == 2 => Markup::Text,
                        _ => Markup::Comment { dashes: 0 },
                    };
                }
                Markup::CData { brackets } => {
                    self.markup = match b {
                        b']' => Markup::CData { brackets: (brackets + 1).min(2) },
                        b'>' if brackets == 2 => Markup::Text,
                        _ => Markup::CData { brackets: 0 },
                    };
                }
                Markup::Instruction { question } => {
                    self.markup =
                        if b == b'>' && question { Markup::Text } else { Markup::Instruction { question: b == b'?' } };
                }
                Markup::Declaration { subset } => {
                    self.markup = match b {
                        b'[' => Markup::Declaration { subset: true },
                        b']' => Markup::Declaration { subset: false },
                        b'>' if !subset => Markup::Text,
                        _ => self.markup,
                    };
                }
            }
            i += 1;
        }
        if let Some((text, _)) = &mut self.type_name {
            text.push_str(&line[captured.min(line.len())..]);
        }
        carry
    }
}

impl Cutter {
    /// Takes in the start tag just read; whether it opens a `<TN>` whose text is now kept.
    fn start_tag(&mut self) -> bool {
        let tag = String::from_utf8_lossy(&self.tag).into_owned();
        let inner = &tag[1..tag.len() - 1];
        let (inner, empty) = match inner.strip_suffix('/') {
            Some(inner) => (inner, true),
            None => (inner, false),
        };
        let name = &inner[..inner.find(|c: char| c.is_whitespace() || c == '/').unwrap_or(inner.len())];
        // The reader takes type names from the `<TN>` children of an `<Obj>` only.
        let names_types = name == "TN" && self.open.last() == Some(&true) && self.type_name.is_none();
        if empty {
            if names_types {
                self.define(&tag);
            }
            return false;
        }
        self.open.push(name == "Obj");
        if names_types {
            self.type_name = Some((tag, self.open.len() - 1));
        }
        names_types
    }

    fn define(&mut self, text: &str) {
        if let Some((id, names)) = type_name_entry(text) {
            Arc::make_mut(&mut self.type_names).insert(id, names);
        }
    }
}
