//! Strict JSON (semantics §6): RFC 8259 only, unique member names after
//! unescaping, depth ≤ 32, number literals ≤ 4300 characters, integers in
//! −2^63..=2^64−1 kept as integers, everything else a correctly rounded
//! finite double. Objects keep member order.
//!
//! The parser is hand-written and single-pass. It produces a flat tape
//! ([`Doc`]) of nodes whose strings are spans into the (UTF-8 validated)
//! input; only strings with escapes are copied (unescaped) into a side
//! buffer. Nothing is allocated per string, number or member, and the
//! hot path (JWS header and claims) reads the tape through borrowed
//! [`ValueRef`]s. [`parse`] still builds the owned [`Value`] tree for the
//! cold callers (JWKS loading).

/// The previous serde_json-based parser, kept as the oracle of differential tests
/// (unit tests here, and the `json_strict` fuzz target via the `reference-json` feature).
#[cfg(any(test, feature = "reference-json"))]
#[doc(hidden)]
pub mod reference;

use crate::error::{malformed, Error, Result};

/// Maximum nesting of objects and arrays.
pub const MAX_DEPTH: usize = 32;
/// Longest accepted number literal (CPython's int digit limit).
pub const MAX_NUMBER_LITERAL: usize = 4300;
/// Objects up to this size check duplicates by pairwise comparison.
const LINEAR_DUP_SCAN: usize = 16;

const INVALID: Error = malformed("invalid JSON");

/// A JSON value; objects preserve member order.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[(String, Value)]> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// First member named `name` (names are unique after parsing).
    pub fn get(&self, name: &str) -> Option<&Value> {
        get(self.as_object()?, name)
    }
}

/// Member lookup in a parsed object.
pub fn get<'a>(members: &'a [(String, Value)], name: &str) -> Option<&'a Value> {
    members.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// Parse one strict JSON document into an owned tree.
pub fn parse(input: &[u8]) -> Result<Value> {
    let text = std::str::from_utf8(input).map_err(|_| INVALID)?;
    let mut doc = Doc::default();
    doc.parse(text)?;
    Ok(doc.root(text).to_value())
}

/// Parse and require a top-level object; returns its members.
pub fn parse_object(input: &[u8]) -> Result<Vec<(String, Value)>> {
    match parse(input)? {
        Value::Object(m) => Ok(m),
        _ => Err(malformed("JSON is not an object")),
    }
}

/// One tape entry. Containers record their direct child count and the
/// tape index just past their last descendant; an object's children are
/// alternating key (`Str`) and value nodes.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Node {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    /// `escaped`: the span is in [`Doc::unescaped`], else in the input.
    Str {
        start: u32,
        len: u32,
        escaped: bool,
    },
    Array {
        len: u32,
        end: u32,
    },
    Object {
        len: u32,
        end: u32,
    },
}

/// A parsed document: the tape plus unescaped string data. It does not own
/// the input text; accessors take it back ([`Doc::root`]). Reusable: each
/// [`Doc::parse`] clears it first, keeping the allocations.
#[derive(Clone, Debug, Default)]
pub struct Doc {
    nodes: Vec<Node>,
    unescaped: String,
}

impl Doc {
    /// Parse `text` (already known to be UTF-8) into this document.
    pub fn parse(&mut self, text: &str) -> Result<()> {
        self.nodes.clear();
        self.unescaped.clear();
        // Tape spans are u32: documents of 4 GiB or more are refused (tokens
        // are capped at 1 MiB; a JWKS that size is not a key set).
        if u32::try_from(text.len()).is_err() {
            return Err(INVALID);
        }
        let mut p = Parser {
            s: text.as_bytes(),
            text,
            pos: 0,
            nodes: &mut self.nodes,
            unescaped: &mut self.unescaped,
        };
        p.value(0).ok_or(INVALID)?;
        p.skip_ws();
        if p.pos != p.s.len() {
            return Err(INVALID);
        }
        Ok(())
    }

    /// Release buffers grown beyond about `max` bytes.
    pub fn trim(&mut self, max: usize) {
        if self.nodes.capacity() * std::mem::size_of::<Node>() > max {
            self.nodes = Vec::new();
        }
        if self.unescaped.capacity() > max {
            self.unescaped = String::new();
        }
    }

    /// Parse and require a top-level object.
    pub fn parse_object(&mut self, text: &str) -> Result<()> {
        self.parse(text)?;
        match self.nodes.first() {
            Some(Node::Object { .. }) => Ok(()),
            _ => Err(malformed("JSON is not an object")),
        }
    }

    /// The root value; `text` must be the input given to the last successful
    /// [`Doc::parse`].
    pub fn root<'a>(&'a self, text: &'a str) -> ValueRef<'a> {
        Cursor {
            text,
            doc: self,
            index: 0,
        }
        .value()
    }
}

/// A borrowed view of one value of a [`Doc`].
#[derive(Clone, Copy, Debug)]
pub enum ValueRef<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    String(&'a str),
    Array(ArrayRef<'a>),
    Object(ObjectRef<'a>),
}

#[derive(Clone, Copy, Debug)]
struct Cursor<'a> {
    text: &'a str,
    doc: &'a Doc,
    index: usize,
}

impl<'a> Cursor<'a> {
    #[inline]
    fn node(&self) -> Node {
        self.doc
            .nodes
            .get(self.index)
            .copied()
            .unwrap_or(Node::Null)
    }

    /// The value here and the index just past it and its descendants.
    #[inline]
    fn value_and_next(self) -> (ValueRef<'a>, usize) {
        let next = match self.node() {
            Node::Array { end, .. } | Node::Object { end, .. } => end as usize,
            _ => self.index + 1,
        };
        (self.value(), next)
    }

    #[inline]
    fn str_at(&self, start: u32, len: u32, escaped: bool) -> &'a str {
        let (start, end) = (start as usize, start as usize + len as usize);
        let src = if escaped {
            self.doc.unescaped.as_str()
        } else {
            self.text
        };
        src.get(start..end).unwrap_or_default()
    }

    #[inline]
    fn value(self) -> ValueRef<'a> {
        match self.node() {
            Node::Null => ValueRef::Null,
            Node::Bool(b) => ValueRef::Bool(b),
            Node::Int(i) => ValueRef::Int(i),
            Node::UInt(u) => ValueRef::UInt(u),
            Node::Float(f) => ValueRef::Float(f),
            Node::Str {
                start,
                len,
                escaped,
            } => ValueRef::String(self.str_at(start, len, escaped)),
            Node::Array { len, .. } => ValueRef::Array(ArrayRef {
                first: self.at(self.index + 1),
                len: len as usize,
            }),
            Node::Object { len, .. } => ValueRef::Object(ObjectRef {
                first: self.at(self.index + 1),
                len: len as usize,
            }),
        }
    }

    fn at(self, index: usize) -> Cursor<'a> {
        Cursor { index, ..self }
    }
}

/// A borrowed array: iterate its elements.
#[derive(Clone, Copy, Debug)]
pub struct ArrayRef<'a> {
    first: Cursor<'a>,
    len: usize,
}

impl<'a> ArrayRef<'a> {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = ValueRef<'a>> + 'a {
        let mut c = self.first;
        (0..self.len).map(move |_| {
            let (v, next) = c.value_and_next();
            c.index = next;
            v
        })
    }
}

/// A borrowed object: iterate its members in order, or look one up.
#[derive(Clone, Copy, Debug)]
pub struct ObjectRef<'a> {
    first: Cursor<'a>,
    len: usize,
}

impl<'a> ObjectRef<'a> {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'a str, ValueRef<'a>)> + 'a {
        let mut c = self.first;
        (0..self.len).map(move |_| {
            let name = match c.node() {
                Node::Str {
                    start,
                    len,
                    escaped,
                } => c.str_at(start, len, escaped),
                _ => "",
            };
            c.index += 1;
            let (v, next) = c.value_and_next();
            c.index = next;
            (name, v)
        })
    }

    /// The member named `name` (names are unique after parsing).
    pub fn get(&self, name: &str) -> Option<ValueRef<'a>> {
        self.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }
}

impl ValueRef<'_> {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            ValueRef::String(s) => Some(s),
            _ => None,
        }
    }

    /// The owned tree for this value.
    pub fn to_value(&self) -> Value {
        match *self {
            ValueRef::Null => Value::Null,
            ValueRef::Bool(b) => Value::Bool(b),
            ValueRef::Int(i) => Value::Int(i),
            ValueRef::UInt(u) => Value::UInt(u),
            ValueRef::Float(f) => Value::Float(f),
            ValueRef::String(s) => Value::String(s.to_owned()),
            ValueRef::Array(a) => Value::Array(a.iter().map(|v| v.to_value()).collect()),
            ValueRef::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (k.to_owned(), v.to_value()))
                    .collect(),
            ),
        }
    }
}

/// A parsed document that owns its text (the decoded claims of a token).
#[derive(Clone, Debug)]
pub struct OwnedDoc {
    text: String,
    doc: Doc,
}

impl OwnedDoc {
    /// Parse `bytes` (must be UTF-8) as a strict JSON object.
    pub fn parse_object(bytes: Vec<u8>) -> Result<OwnedDoc> {
        let text = String::from_utf8(bytes).map_err(|_| INVALID)?;
        // Claims sets average well over 8 bytes per node: one allocation.
        let mut doc = Doc {
            nodes: Vec::with_capacity(text.len() / 8 + 8),
            unescaped: String::new(),
        };
        doc.parse_object(&text)?;
        Ok(OwnedDoc { text, doc })
    }

    pub fn root(&self) -> ValueRef<'_> {
        self.doc.root(&self.text)
    }

    /// The top-level object (always an object when built by `parse_object`).
    pub fn object(&self) -> ObjectRef<'_> {
        match self.root() {
            ValueRef::Object(o) => o,
            _ => ObjectRef {
                first: Cursor {
                    text: &self.text,
                    doc: &self.doc,
                    index: 0,
                },
                len: 0,
            },
        }
    }

    /// The source JSON text.
    pub fn text(&self) -> &str {
        &self.text
    }
}

struct Parser<'a, 'd> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    nodes: &'d mut Vec<Node>,
    unescaped: &'d mut String,
}

/// Byte classes inside a string: 0 = plain, 1 = `"`, 2 = `\`, 3 = control.
const STR_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = 3;
        i += 1;
    }
    t[b'"' as usize] = 1;
    t[b'\\' as usize] = 2;
    t
};

/// Length and the first, second and last bytes of a member name.
#[inline]
fn fingerprint(k: &str) -> u64 {
    let b = k.as_bytes();
    let byte = |c: Option<&u8>| u64::from(c.copied().unwrap_or(0));
    (b.len() as u64) | byte(b.first()) << 32 | byte(b.get(1)) << 40 | byte(b.last()) << 48
}

/// True if any byte of `w` is `"`, `\\` or below 0x20 (SWAR; bytes ≥ 0x80
/// never match).
#[inline(always)]
fn special_in_word(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let quote = zero_byte(w ^ (ONES * u64::from(b'"')));
    let backslash = zero_byte(w ^ (ONES * u64::from(b'\\')));
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    (quote | backslash | control) != 0
}

fn hex(b: u8) -> Option<u32> {
    match b {
        b'0'..=b'9' => Some(u32::from(b - b'0')),
        b'a'..=b'f' => Some(u32::from(b - b'a' + 10)),
        b'A'..=b'F' => Some(u32::from(b - b'A' + 10)),
        _ => None,
    }
}

impl Parser<'_, '_> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    #[inline]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    #[inline]
    fn eat(&mut self, b: u8) -> Option<()> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Some(())
        } else {
            None
        }
    }

    fn literal(&mut self, word: &[u8], node: Node) -> Option<()> {
        if self.s.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            self.nodes.push(node);
            Some(())
        } else {
            None
        }
    }

    fn value(&mut self, depth: usize) -> Option<()> {
        self.skip_ws();
        match self.peek()? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => {
                let node = self.string()?;
                self.nodes.push(node);
                Some(())
            }
            b't' => self.literal(b"true", Node::Bool(true)),
            b'f' => self.literal(b"false", Node::Bool(false)),
            b'n' => self.literal(b"null", Node::Null),
            b'-' | b'0'..=b'9' => {
                let node = self.number()?;
                self.nodes.push(node);
                Some(())
            }
            _ => None,
        }
    }

    fn close(&mut self, at: usize, len: usize, object: bool) -> Option<()> {
        let len = u32::try_from(len).ok()?;
        let end = u32::try_from(self.nodes.len()).ok()?;
        let slot = self.nodes.get_mut(at)?;
        *slot = if object {
            Node::Object { len, end }
        } else {
            Node::Array { len, end }
        };
        Some(())
    }

    fn array(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.pos += 1; // '['
        let at = self.nodes.len();
        self.nodes.push(Node::Null);
        self.skip_ws();
        let mut len = 0usize;
        if self.eat(b']').is_none() {
            loop {
                self.value(depth)?;
                len += 1;
                self.skip_ws();
                match self.peek()? {
                    b',' => self.pos += 1,
                    b']' => {
                        self.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.close(at, len, false)
    }

    fn object(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.pos += 1; // '{'
        let at = self.nodes.len();
        self.nodes.push(Node::Null);
        self.skip_ws();
        let mut len = 0usize;
        if self.eat(b'}').is_none() {
            loop {
                self.skip_ws();
                if self.peek()? != b'"' {
                    return None;
                }
                let key = self.string()?;
                self.nodes.push(key);
                self.skip_ws();
                self.eat(b':')?;
                self.value(depth)?;
                len += 1;
                self.skip_ws();
                match self.peek()? {
                    b',' => self.pos += 1,
                    b'}' => {
                        self.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.close(at, len, true)?;
        if len > 1 && self.has_duplicate_names(at) {
            return None;
        }
        Some(())
    }

    /// Member names of the (closed) object at `at`, compared after unescaping.
    fn has_duplicate_names(&self, at: usize) -> bool {
        let nodes: &[Node] = self.nodes;
        let unescaped: &str = self.unescaped;
        let name = |i: usize| -> &str {
            match nodes.get(i) {
                Some(&Node::Str {
                    start,
                    len,
                    escaped,
                }) => {
                    let src = if escaped { unescaped } else { self.text };
                    src.get(start as usize..start as usize + len as usize)
                        .unwrap_or_default()
                }
                _ => "",
            }
        };
        let skip = |i: usize| -> usize {
            match nodes.get(i) {
                Some(&Node::Array { end, .. } | &Node::Object { end, .. }) => end as usize,
                _ => i + 1,
            }
        };
        let (count, end) = match nodes.get(at) {
            Some(&Node::Object { len, end }) => (len as usize, end as usize),
            _ => return false,
        };
        if count <= LINEAR_DUP_SCAN {
            // Pairwise on a cheap fingerprint (length, first and last bytes);
            // full comparison only when fingerprints match.
            let mut seen: [(u64, &str); LINEAR_DUP_SCAN] = [(0, ""); LINEAR_DUP_SCAN];
            let mut mask = 0u64;
            let mut i = at + 1;
            for n in 0..count.min(LINEAR_DUP_SCAN) {
                if i >= end {
                    break;
                }
                let k = name(i);
                let fp = fingerprint(k);
                // One bit per fingerprint hash: previous names are scanned
                // only on a bit collision.
                let bit = 1u64 << (fp.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58);
                if mask & bit != 0
                    && seen
                        .get(..n)
                        .is_some_and(|prev| prev.iter().any(|&(f, p)| f == fp && p == k))
                {
                    return true;
                }
                mask |= bit;
                if let Some(slot) = seen.get_mut(n) {
                    *slot = (fp, k);
                }
                i = skip(i + 1);
            }
            return false;
        }
        let mut names: Vec<&str> = Vec::with_capacity(count);
        let mut i = at + 1;
        while i < end && names.len() < count {
            names.push(name(i));
            i = skip(i + 1);
        }
        names.sort_unstable();
        names.windows(2).any(|w| w.first() == w.get(1))
    }

    /// At `"`: the string's node (span in the input, or unescaped copy).
    fn string(&mut self) -> Option<Node> {
        self.pos += 1; // opening quote
        let start = self.pos;
        // Short strings (member names) byte by byte; longer ones skip 8
        // plain bytes at a time first. The byte step is written out twice on
        // purpose: factored into an inlined helper it cost ~1% more instructions
        // per HS256 token (callgrind, count_validate, 2026-12-04).
        for _ in 0..8 {
            match STR_CLASS[usize::from(*self.s.get(self.pos)?)] {
                0 => self.pos += 1,
                1 => {
                    let len = self.pos - start;
                    self.pos += 1;
                    return Some(Node::Str {
                        start: u32::try_from(start).ok()?,
                        len: u32::try_from(len).ok()?,
                        escaped: false,
                    });
                }
                2 => return self.escaped_string(start),
                _ => return None,
            }
        }
        while let Some(chunk) = self.s.get(self.pos..self.pos + 8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(chunk);
            if special_in_word(u64::from_le_bytes(w)) {
                break;
            }
            self.pos += 8;
        }
        loop {
            match STR_CLASS[usize::from(*self.s.get(self.pos)?)] {
                0 => self.pos += 1,
                1 => {
                    let len = self.pos - start;
                    self.pos += 1;
                    return Some(Node::Str {
                        start: u32::try_from(start).ok()?,
                        len: u32::try_from(len).ok()?,
                        escaped: false,
                    });
                }
                2 => return self.escaped_string(start),
                _ => return None,
            }
        }
    }

    /// Slow path: the string starting at `start` has an escape at `self.pos`.
    fn escaped_string(&mut self, start: usize) -> Option<Node> {
        let out_start = self.unescaped.len();
        let mut chunk = start;
        loop {
            match STR_CLASS[usize::from(*self.s.get(self.pos)?)] {
                0 => self.pos += 1,
                1 => {
                    self.unescaped.push_str(self.text.get(chunk..self.pos)?);
                    self.pos += 1;
                    let len = self.unescaped.len() - out_start;
                    return Some(Node::Str {
                        start: u32::try_from(out_start).ok()?,
                        len: u32::try_from(len).ok()?,
                        escaped: true,
                    });
                }
                2 => {
                    self.unescaped.push_str(self.text.get(chunk..self.pos)?);
                    self.pos += 1;
                    let c = match *self.s.get(self.pos)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            self.pos += 1;
                            let hi = self.hex4()?;
                            let cp = match hi {
                                0xD800..=0xDBFF => {
                                    self.eat(b'\\')?;
                                    self.eat(b'u')?;
                                    let lo = self.hex4()?;
                                    if !(0xDC00..=0xDFFF).contains(&lo) {
                                        return None;
                                    }
                                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                }
                                0xDC00..=0xDFFF => return None,
                                _ => hi,
                            };
                            self.pos -= 1; // compensate the += 1 below
                            char::from_u32(cp)?
                        }
                        _ => return None,
                    };
                    self.pos += 1;
                    self.unescaped.push(c);
                    chunk = self.pos;
                }
                _ => return None,
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.s.get(self.pos..self.pos + 4)?;
        let mut v = 0u32;
        for &d in digits {
            v = (v << 4) | hex(d)?;
        }
        self.pos += 4;
        Some(v)
    }

    fn digits(&mut self) -> usize {
        let from = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - from
    }

    /// RFC 8259 number; integers in range stay integers (`-0` is int 0).
    fn number(&mut self) -> Option<Node> {
        let start = self.pos;
        let negative = self.eat(b'-').is_some();
        let int_start = self.pos;
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        let int_end = self.pos;
        let mut integer = true;
        if self.eat(b'.').is_some() {
            integer = false;
            if self.digits() == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            integer = false;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        if self.pos - start > MAX_NUMBER_LITERAL {
            return None;
        }
        if integer {
            let mut magnitude = 0u64;
            let mut fits = true;
            for &d in self.s.get(int_start..int_end)? {
                match magnitude
                    .checked_mul(10)
                    .and_then(|m| m.checked_add(u64::from(d - b'0')))
                {
                    Some(m) => magnitude = m,
                    None => {
                        fits = false;
                        break;
                    }
                }
            }
            if fits {
                if !negative {
                    return Some(match i64::try_from(magnitude) {
                        Ok(i) => Node::Int(i),
                        Err(_) => Node::UInt(magnitude),
                    });
                }
                if magnitude <= 1u64 << 63 {
                    return Some(Node::Int(0i64.wrapping_sub_unsigned(magnitude)));
                }
            }
        }
        let f: f64 = self.text.get(start..self.pos)?.parse().ok()?;
        if f.is_finite() {
            Some(Node::Float(f))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Value {
        let v = parse(s.as_bytes()).unwrap();
        assert_eq!(
            reference::parse(s.as_bytes()).ok(),
            Some(v.clone()),
            "{s:?}"
        );
        v
    }

    fn bad(s: &str) {
        assert!(parse(s.as_bytes()).is_err(), "accepted {s:?}");
        assert!(
            reference::parse(s.as_bytes()).is_err(),
            "reference accepted {s:?}"
        );
    }

    #[test]
    fn grammar() {
        assert_eq!(ok(" {} "), Value::Object(vec![]));
        assert_eq!(
            ok("\r\n{\"a\" :\t[1, true, null]}"),
            Value::Object(vec![(
                "a".into(),
                Value::Array(vec![Value::Int(1), Value::Bool(true), Value::Null])
            )])
        );
        for s in [
            "",
            " ",
            "{",
            "[",
            "\"",
            "{}x",
            "{} {}",
            "{,}",
            "[,]",
            "[1,]",
            "[1 2]",
            "{\"a\":1,}",
            "{\"a\":1 \"b\":2}",
            "{\"a\" 1}",
            "{1:1}",
            "NaN",
            "Infinity",
            "-Infinity",
            "tru",
            "nul",
            "falsey",
            "True",
            "/*c*/{}",
            "{'a':1}",
            "01",
            "-01",
            "1.",
            ".5",
            "+1",
            "-",
            "1e",
            "1e+",
            "1.e1",
            "0x10",
            "\u{feff}{}",
            "\"\u{1}\"",
            "\"\t\"",
            "{\"a\"}",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\u12g4\"",
            "\"\\",
            "\u{a0}{}",
            "{}\u{0}",
        ] {
            bad(s);
        }
        assert!(parse(b"\"\xff\"").is_err());
        assert!(parse(b"{\"a\":\"\xc3\"}").is_err());
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(
            ok(r#""a\"b\\c\/d\b\f\n\r\t\u0041\u00e9\u20ac""#),
            Value::String("a\"b\\c/d\u{8}\u{c}\n\r\tAé€".into())
        );
        assert_eq!(ok("\"é😀\""), Value::String("é😀".into()));
        assert_eq!(
            ok(r#"{"k\u0031":"x\ny","k2":"plain","k\u0033":"\u0000"}"#),
            Value::Object(vec![
                ("k1".into(), Value::String("x\ny".into())),
                ("k2".into(), Value::String("plain".into())),
                ("k3".into(), Value::String("\u{0}".into())),
            ])
        );
    }

    #[test]
    fn duplicates_after_unescaping() {
        bad(r#"{"alg":"HS256","alg":"HS512"}"#);
        bad(r#"{"alg":"HS256","\u0061lg":"none"}"#);
        bad(r#"{"a":1,"b":{"x":1,"x":2}}"#);
        bad(r#"[{"a":1,"a":1}]"#);
        assert!(parse(br#"{"a":{"a":1},"b":{"a":2}}"#).is_ok());
        // many members: sorted path
        let mut s = String::from("{");
        for i in 0..100 {
            s.push_str(&format!("\"k{i}\":{{\"k{i}\":[{i}]}},"));
        }
        s.push_str("\"k99\":0}");
        bad(&s);
        let ok_doc = s.replace("\"k99\":0}", "\"k100\":0}");
        ok(&ok_doc);
        // 16 and 17 members, duplicate last
        for n in [15usize, 16, 17] {
            let mut s = String::from("{");
            for i in 0..n {
                s.push_str(&format!("\"m{i}\":{i},"));
            }
            ok(&format!("{}\"last\":0}}", s));
            bad(&format!("{}\"m0\":0}}", s));
            bad(&format!("{}\"m{}\":0}}", s, n - 1));
        }
    }

    #[test]
    fn depth() {
        let at = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        ok(&at(32));
        bad(&at(33));
        let obj = |n: usize| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n));
        ok(&obj(32));
        bad(&obj(33));
        bad(&"[".repeat(100_000));
    }

    #[test]
    fn surrogates() {
        bad(r#""\ud800""#);
        bad(r#""\udc00""#);
        bad(r#""\ud800x""#);
        bad(r#""\ud800\u0041""#);
        bad(r#""\ud800\ud800""#);
        bad(r#""\udc00\ud800""#);
        assert_eq!(ok(r#""\ud83d\ude00""#), Value::String("😀".into()));
        assert_eq!(ok(r#""\uD83D\uDE00x""#), Value::String("😀x".into()));
    }

    #[test]
    fn numbers() {
        assert_eq!(ok("-9223372036854775808"), Value::Int(i64::MIN));
        assert_eq!(ok("9223372036854775807"), Value::Int(i64::MAX));
        assert_eq!(ok("9223372036854775808"), Value::UInt(1 << 63));
        assert_eq!(ok("18446744073709551615"), Value::UInt(u64::MAX));
        assert_eq!(
            ok("18446744073709551616"),
            Value::Float(18446744073709551616.0)
        );
        assert_eq!(
            ok("-9223372036854775809"),
            Value::Float(-9223372036854775808.0)
        );
        assert_eq!(ok("-0"), Value::Int(0));
        assert_eq!(ok("0"), Value::Int(0));
        assert_eq!(
            ok("[-0,-0.0,\"-0\",-0e1,-0]"),
            Value::Array(vec![
                Value::Int(0),
                Value::Float(-0.0),
                Value::String("-0".into()),
                Value::Float(-0.0),
                Value::Int(0)
            ])
        );
        assert!(matches!(ok("-0.0"), Value::Float(f) if f == 0.0 && f.is_sign_negative()));
        assert_eq!(ok("1.0"), Value::Float(1.0));
        assert_eq!(ok("1e2"), Value::Float(100.0));
        assert_eq!(ok("1E+2"), Value::Float(100.0));
        assert_eq!(ok("1E-400"), Value::Float(0.0));
        assert_eq!(ok("0.1"), Value::Float(0.1));
        assert_eq!(
            ok("2.2250738585072011e-308"),
            Value::Float(2.225_073_858_507_201e-308)
        );
        bad("1e400");
        bad("1e99999999999999999999");
        assert_eq!(ok("0e99999999999999999999"), Value::Float(0.0));
        assert_eq!(ok("1e-99999999999999999999"), Value::Float(0.0));
        assert_eq!(
            ok("123456789012345678901234567890"),
            Value::Float(1.2345678901234568e29)
        );
        bad("-1e400");
        bad(&"9".repeat(400));
        let long_ok = format!("0.{}1", "0".repeat(4297));
        assert_eq!(long_ok.len(), 4300);
        ok(&long_ok);
        let long_bad = format!("0.{}1", "0".repeat(4298));
        bad(&long_bad);
        assert_eq!(ok(&format!("-1{}", "0".repeat(299))), Value::Float(-1e299));
        bad(&format!("-1{}", "0".repeat(400)));
        let long_frac = format!("-1.{}e-4000", "1".repeat(4291));
        assert_eq!(long_frac.len(), 4300);
        ok(&long_frac);
        bad(&format!("-1.{}e-4000", "1".repeat(4292)));
        // long digit runs inside strings are fine
        let s = format!("\"{}\"", "1".repeat(5000));
        ok(&s);
        let s = format!("[\"\\\"{}\"]", "1".repeat(5000));
        ok(&s);
    }

    /// Differential: many generated documents (valid and mutated) get the
    /// same answer from the hand-written parser and the serde reference.
    #[test]
    fn agrees_with_reference() {
        let pieces: &[&str] = &[
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"a\"",
            "\"b\"",
            "\"\\u0061\"",
            "\"\\ud83d\\ude00\"",
            "\"\\ud800\"",
            "1",
            "-0",
            "-0.0",
            "1e5",
            "1.5E-3",
            "18446744073709551616",
            "true",
            "false",
            "null",
            " ",
            "\n",
            "\"x\\\"y\"",
            "0",
            "-",
            "e",
            ".",
            "\"é\"",
            "\\",
            "\"",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut accepted = 0;
        for _ in 0..200_000 {
            let n = 1 + (next() % 12) as usize;
            let doc: String = (0..n)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect();
            let mine = parse(doc.as_bytes());
            let theirs = reference::parse(doc.as_bytes());
            assert_eq!(
                mine.is_ok(),
                theirs.is_ok(),
                "{doc:?}: {mine:?} vs {theirs:?}"
            );
            if let (Ok(a), Ok(b)) = (&mine, &theirs) {
                accepted += 1;
                // NaN never occurs (non-finite is refused); -0.0 vs 0.0 differ in Debug.
                assert_eq!(format!("{a:?}"), format!("{b:?}"), "{doc:?}");
            }
        }
        assert!(accepted > 1000, "generator too weak: {accepted}");
    }

    #[test]
    fn doc_access() {
        let text = r#"{"a":[1,{"b":"c"},[]],"d\u0065":"\u00e9","f":{}}"#;
        let mut doc = Doc::default();
        doc.parse_object(text).unwrap();
        let ValueRef::Object(o) = doc.root(text) else {
            panic!()
        };
        assert_eq!(o.len(), 3);
        let names: Vec<&str> = o.iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["a", "de", "f"]);
        assert_eq!(
            o.get("de").and_then(|v| v.as_str().map(str::to_owned)),
            Some("é".into())
        );
        let Some(ValueRef::Array(a)) = o.get("a") else {
            panic!()
        };
        assert_eq!(a.len(), 3);
        assert!(o.get("zz").is_none());
        // reuse
        doc.parse("[1]").unwrap();
        assert!(doc.parse_object("[1]").is_err());
        let owned = OwnedDoc::parse_object(text.as_bytes().to_vec()).unwrap();
        assert_eq!(owned.root().to_value(), parse(text.as_bytes()).unwrap());
    }
}
