//! Source positions in JSON text, so messages about a scenario or diagram file can
//! point at a line and column: [`locate`] finds where the value at a path starts, and
//! [`duplicate_keys`] lists keys repeated within one object.
//!
//! Conventions shared by both functions:
//! - `line` and `column` are 1-based and equal to serde_json's `Error::line()` and
//!   `Error::column()` for the same byte: the column counts bytes, not chars, since
//!   the last `\n`.
//! - A leading byte-order mark (U+FEFF) is skipped. Line and column are those serde_json
//!   would report on the text with the BOM removed; [`Pos::offset`] still indexes the
//!   text as given, so `&text[pos.offset..]` starts with the value.
//! - The grammar is serde_json's strict JSON: no comments or trailing commas, no raw
//!   control characters or lone surrogates in strings. Number magnitude is not checked,
//!   and anything after the root value is ignored. Like serde_json, nesting is limited
//!   to 127 open arrays or objects; anything deeper counts as malformed.
//! - No recursion (an explicit stack), linear time, and no panics on any input.

use std::collections::HashSet;
use std::fmt::Write;

/// One step of a path: an object key (compared after decoding escapes) or an array index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// Where a value starts: 1-based `line` and `column` (see the module docs) and the byte
/// `offset` of its first byte in the text passed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
}

/// A key that occurs again in the same object. `line` and `column` give the opening quote
/// of the repeat. `path` names the object that holds the key, like `nodes[3].params`, or
/// `$` for the root. Keys that aren't identifiers are written as `["a key"]`, with
/// Rust's string escaping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duplicate {
    pub key: String,
    pub path: String,
    pub line: usize,
    pub column: usize,
}

/// serde_json fails on the 128th nested `[` or `{`.
const MAX_DEPTH: usize = 127;
const MAX_DUPLICATES: usize = 100;

/// Finds where the value at `path` starts (an empty path means the root value).
///
/// If an object repeats a key, the LAST occurrence wins. That is the value serde_json
/// keeps in a `Value` or a map. A derived struct rejects the repeat with "duplicate
/// field", and [`duplicate_keys`] reports it. Returns `None` if the path doesn't exist,
/// or if the text is malformed before the value's first byte. Anything after that byte
/// isn't checked, and that includes the rest of the value.
pub fn locate(text: &str, path: &[Seg]) -> Option<Pos> {
    let mut w = Walk::new(text, path, false);
    let _ = w.run(); // a malformed tail keeps what was found before it
    let offset = w.found?;
    let (line, column) = w.lines.at(text.as_bytes(), offset);
    Some(Pos {
        line,
        column,
        offset,
    })
}

/// Lists each repeat of a key within one object, in document order, up to 100 entries.
/// When a key occurs three times, the second and third are both listed. On malformed
/// text, or past [`MAX_VALUES`] values, lists the repeats found before.
pub fn duplicate_keys(text: &str) -> Vec<Duplicate> {
    scan(text).duplicates
}

/// Most values (objects, lists, texts, numbers, booleans and nulls, counted at any
/// depth; field names are not counted) a file may hold. The largest file of ours (a
/// chapter with two diagrams of 500 components and 4,000 connections, and a full
/// scenario) holds about 55,000; the limit keeps what reading a file builds in memory
/// small, whatever its size in bytes.
pub const MAX_VALUES: usize = 100_000;

/// What one walk over a file finds before it is read: the repeated keys (see
/// [`duplicate_keys`]) and, when the file holds more than [`MAX_VALUES`] values, the
/// line and column of the first value past the limit (the walk stops there).
pub struct Scan {
    pub duplicates: Vec<Duplicate>,
    pub too_many_values_at: Option<(usize, usize)>,
}

/// Walks `text` once for [`Scan`].
pub fn scan(text: &str) -> Scan {
    let mut w = Walk::new(text, &[], true);
    let _ = w.run();
    let too_many_values_at = w.crowded.map(|at| w.lines.at(w.b, at));
    Scan {
        duplicates: w.dups,
        too_many_values_at,
    }
}

/// Where a parser that stopped at byte `offset` was: the path of the member it was
/// reading (`nodes[0].kind`) and of the object or list holding it (`nodes[0]`), as in
/// [`Duplicate::path`] (`$` for the root).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct At {
    pub member: String,
    pub container: String,
}

/// Where a parser that failed at byte `offset` was (see [`At`]): the last value start,
/// key or closing bracket at or before `offset`. `None` when nothing starts that early.
pub fn path_at(text: &str, offset: usize) -> Option<At> {
    let mut w = Walk::new(text, &[], false);
    w.stop_at = Some(offset);
    let _ = w.run();
    w.last_at
}

/// Converts serde_json's 1-based (line, column) to a byte offset in `text`, counted as
/// serde_json counts (after a leading byte-order mark).
pub fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start = if text.starts_with('\u{FEFF}') { 3 } else { 0 };
    let b = text.as_bytes();
    let mut i = start;
    let mut l = 1;
    while l < line && i < b.len() {
        if b[i] == b'\n' {
            l += 1;
        }
        i += 1;
    }
    (i + column.saturating_sub(1)).min(b.len())
}

/// Path step of an open container: the key of its current member, or its current index.
enum Step {
    Key(String),
    Index(usize),
}

struct Frame {
    obj: bool,
    step: Step,
    /// This container's own path equals the target's prefix of the same length.
    on_path: bool,
    /// Keys seen so far in this object (only when looking for duplicates).
    seen: HashSet<String>,
}

/// Counts lines forward from where the previous call stopped, so that many increasing
/// offsets cost one pass over the text.
struct Lines {
    at: usize,
    line: usize,
    start: usize,
}

impl Lines {
    fn at(&mut self, b: &[u8], off: usize) -> (usize, usize) {
        for (k, &c) in b.iter().enumerate().take(off).skip(self.at) {
            if c == b'\n' {
                self.line += 1;
                self.start = k + 1;
            }
        }
        self.at = self.at.max(off);
        (self.line, off.saturating_sub(self.start) + 1)
    }
}

struct Walk<'t, 'p> {
    s: &'t str,
    b: &'t [u8],
    i: usize,
    target: &'p [Seg<'p>],
    found: Option<usize>,
    track_dups: bool,
    dups: Vec<Duplicate>,
    lines: Lines,
    stack: Vec<Frame>,
    /// For [`path_at`]: stop at the first value starting after this offset, having
    /// recorded the path of the last one starting at or before it.
    stop_at: Option<usize>,
    last_at: Option<At>,
    /// Values started so far, and where the first past [`MAX_VALUES`] starts (counted
    /// only when looking for duplicates).
    values: usize,
    crowded: Option<usize>,
}

impl<'t, 'p> Walk<'t, 'p> {
    fn new(s: &'t str, target: &'p [Seg<'p>], track_dups: bool) -> Self {
        let i = if s.starts_with('\u{FEFF}') { 3 } else { 0 };
        Walk {
            s,
            b: s.as_bytes(),
            i,
            target,
            found: None,
            track_dups,
            dups: Vec::new(),
            lines: Lines {
                at: i,
                line: 1,
                start: i,
            },
            stack: Vec::new(),
            stop_at: None,
            last_at: None,
            values: 0,
            crowded: None,
        }
    }

    /// For [`path_at`]: records where the walk is when `pos` is at or before the stop
    /// offset; `None` (stop) past it.
    fn note(&mut self, pos: usize) -> Option<()> {
        let Some(stop) = self.stop_at else {
            return Some(());
        };
        if pos > stop {
            return None;
        }
        let n = self.stack.len();
        self.last_at = Some(At {
            member: render(&self.stack),
            container: render(&self.stack[..n.saturating_sub(1)]),
        });
        Some(())
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        self.i += usize::from(hit);
        hit
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.i += 1;
        }
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        self.eat(c).then_some(())
    }

    /// One or more digits.
    fn digits(&mut self) -> Option<()> {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        (self.i > start).then_some(())
    }

    /// `None` is "malformed", or "stop": the duplicate cap was reached.
    fn run(&mut self) -> Option<()> {
        self.ws();
        'value: loop {
            // A value starts here. It is on the target path if its container is and the
            // container's current step equals the target's next one.
            let d = self.stack.len();
            let on_path = match self.stack.last() {
                None => true,
                Some(f) => f.on_path && step_eq(&f.step, self.target.get(d - 1)),
            };
            let first = self.peek()?;
            if !matches!(
                first,
                b'{' | b'[' | b'"' | b't' | b'f' | b'n' | b'-' | b'0'..=b'9'
            ) {
                return None;
            }
            self.note(self.i)?;
            if self.track_dups {
                self.values += 1;
                if self.values > MAX_VALUES {
                    self.crowded = Some(self.i);
                    return None;
                }
            }
            if on_path {
                // A later value at a prefix of the target replaces everything found under
                // an earlier one, which is how "last key wins" carries down the path.
                self.found = (d == self.target.len()).then_some(self.i);
            }
            match first {
                b'{' | b'[' => {
                    if d >= MAX_DEPTH {
                        return None;
                    }
                    self.i += 1;
                    let obj = first == b'{';
                    self.stack.push(Frame {
                        obj,
                        step: Step::Index(0),
                        on_path: on_path && d < self.target.len(),
                        seen: HashSet::new(),
                    });
                    self.ws();
                    if !self.eat(if obj { b'}' } else { b']' }) {
                        if obj {
                            self.key()?;
                        }
                        continue 'value;
                    }
                    // Empty: its closing bracket is a place as any other container's
                    // (a field missing from `{}` is missing in it, not in its parent).
                    self.note(self.i - 1)?;
                    self.stack.pop();
                }
                b'"' => self.string(None)?,
                b't' => self.literal("true")?,
                b'f' => self.literal("false")?,
                b'n' => self.literal("null")?,
                _ => self.number()?,
            }
            // The value is complete: close containers until one has another member.
            loop {
                self.ws();
                let Some(obj) = self.stack.last().map(|f| f.obj) else {
                    return Some(());
                };
                if self.eat(b',') {
                    self.ws();
                    if obj {
                        self.key()?;
                    } else if let Some(Step::Index(n)) = self.stack.last_mut().map(|f| &mut f.step)
                    {
                        *n = n.saturating_add(1);
                    }
                    continue 'value;
                }
                if self.peek() != Some(if obj { b'}' } else { b']' }) {
                    return None;
                }
                self.note(self.i)?;
                self.i += 1;
                self.stack.pop();
            }
        }
    }

    /// Reads `"key" :` in the innermost object, making it that object's current step.
    fn key(&mut self) -> Option<()> {
        let (at, mut key) = (self.i, String::new());
        if self.peek() != Some(b'"') {
            return None;
        }
        self.string(Some(&mut key))?;
        self.ws();
        self.expect(b':')?;
        self.ws();
        let (top, outer) = self.stack.split_last_mut()?;
        if self.track_dups && !top.seen.insert(key.clone()) {
            let (line, column) = self.lines.at(self.b, at);
            let (path, key) = (render(outer), key.clone());
            self.dups.push(Duplicate {
                key,
                path,
                line,
                column,
            });
            if self.dups.len() >= MAX_DUPLICATES {
                return None;
            }
        }
        top.step = Step::Key(key);
        self.note(at)
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        self.b
            .get(self.i..)?
            .starts_with(word.as_bytes())
            .then(|| self.i += word.len())
    }

    fn number(&mut self) -> Option<()> {
        self.eat(b'-');
        // Checks the grammar only (no leading zeros): huge values pass.
        if !self.eat(b'0') {
            self.digits()?;
        }
        if self.eat(b'.') {
            self.digits()?;
        }
        if self.eat(b'e') || self.eat(b'E') {
            let _ = self.eat(b'+') || self.eat(b'-');
            self.digits()?;
        }
        Some(())
    }

    /// Checks a string at its opening quote, and decodes it into `out` if given.
    fn string(&mut self, mut out: Option<&mut String>) -> Option<()> {
        self.i += 1;
        let mut run = self.i;
        loop {
            let c = self.peek().filter(|&c| c >= 0x20)?;
            if c != b'"' && c != b'\\' {
                self.i += 1;
                continue;
            }
            // `run..i` lies between ASCII bytes, so it is on char boundaries. `get` keeps
            // that from ever being a panic.
            let plain = self.s.get(run..self.i)?;
            if let Some(o) = out.as_deref_mut() {
                o.push_str(plain);
            }
            self.i += 1;
            if c == b'"' {
                return Some(());
            }
            let ch = match self.peek()? {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => self.unicode()?,
                _ => return None,
            };
            self.i += 1;
            if let Some(o) = out.as_deref_mut() {
                o.push(ch);
            }
            run = self.i;
        }
    }

    /// Decodes `uXXXX` (standing on the `u`, leaving `i` on its last hex digit). It pairs
    /// surrogates, and a lone surrogate is malformed, as in serde_json.
    fn unicode(&mut self) -> Option<char> {
        let hi = self.hex4()?;
        let cp = if (0xD800..0xDC00).contains(&hi) {
            self.i += 1;
            self.expect(b'\\')?;
            let lo = self.hex4().filter(|lo| (0xDC00..0xE000).contains(lo))?;
            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
        } else {
            hi
        };
        char::from_u32(cp) // `None` for a lone low surrogate
    }

    /// Reads `uXXXX` standing on the `u`, leaving `i` on the last hex digit.
    fn hex4(&mut self) -> Option<u32> {
        if self.peek() != Some(b'u') {
            return None;
        }
        let mut v = 0;
        for _ in 0..4 {
            self.i += 1;
            v = v * 16 + char::from(self.peek()?).to_digit(16)?;
        }
        Some(v)
    }
}

fn step_eq(step: &Step, seg: Option<&Seg>) -> bool {
    match (step, seg) {
        (Step::Key(a), Some(Seg::Key(b))) => a == b,
        (Step::Index(a), Some(Seg::Index(b))) => a == b,
        _ => false,
    }
}

/// Writes the path of the containers in `frames`: `$` alone, or e.g. `nodes[3].params`.
/// Keys that aren't identifiers use Rust's string escaping, as in `["my key"]`.
fn render(frames: &[Frame]) -> String {
    let mut p = String::new();
    for f in frames {
        let _ = match &f.step {
            Step::Index(n) => write!(p, "[{n}]"),
            Step::Key(k) if !is_ident(k) => write!(p, "[{k:?}]"),
            Step::Key(k) if p.is_empty() => write!(p, "{k}"),
            Step::Key(k) => write!(p, ".{k}"),
        };
    }
    if p.is_empty() {
        p.push('$');
    }
    p
}

fn is_ident(k: &str) -> bool {
    let mut cs = k.chars();
    cs.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    fn lc(text: &str, path: &[Seg]) -> Option<(usize, usize)> {
        locate(text, path).map(|p| (p.line, p.column))
    }

    /// serde_json's (line, column) for an error at `pos`, made by replacing the byte
    /// there with `@`.
    fn serde_error_at(text: &str, pos: Pos) -> (usize, usize) {
        let broken = format!("{}@{}", &text[..pos.offset], &text[pos.offset + 1..]);
        let e = serde_json::from_str::<Value>(&broken).unwrap_err();
        (e.line(), e.column())
    }

    const DOC: &str = "{\n  \"name\": \"ünï\",\n  \"goals\": [\n    {\"node\": \"a\"},\n    {},\n    {\"kind\": 1, \"node\":   \"db\"}\n  ],\n  \"x\": [[1, [true]]]\n}";

    #[test]
    fn nested_paths_and_arrays() {
        use Seg::{Index as I, Key as K};
        assert_eq!(lc(DOC, &[]), Some((1, 1)));
        assert_eq!(lc(DOC, &[K("goals"), I(2), K("node")]), Some((6, 27)));
        assert_eq!(lc(DOC, &[K("goals"), I(1)]), Some((5, 5)));
        assert_eq!(lc(DOC, &[K("x"), I(0), I(1), I(0)]), Some((8, 14)));
        let p = locate(DOC, &[K("goals"), I(2), K("node")]).unwrap();
        assert!(DOC[p.offset..].starts_with("\"db\""));
    }

    #[test]
    fn columns_count_bytes_like_serde_json() {
        use Seg::Key as K;
        let text = "{\"ü€😀\": \"é\", \"b\":\n\t  [ 1, {\"c\" : null}]}";
        for path in [
            &[K("ü€😀")][..],
            &[K("b")],
            &[K("b"), Seg::Index(1), K("c")],
        ] {
            let pos = locate(text, path).unwrap();
            assert_eq!(
                (pos.line, pos.column),
                serde_error_at(text, pos),
                "{path:?}"
            );
        }
        assert_eq!(lc(text, &[K("ü€😀")]), Some((1, 15))); // bytes, not chars
    }

    #[test]
    fn keys_compare_after_decoding_escapes() {
        use Seg::Key as K;
        let text = r#"{"\u0061": 1, "q\"\\\/\n": 2, "\ud83d\ude00": 3, "\u00e9": 4}"#;
        assert_eq!(lc(text, &[K("a")]), Some((1, 12)));
        assert_eq!(lc(text, &[K("q\"\\/\n")]), Some((1, 28)));
        assert_eq!(lc(text, &[K("😀")]), Some((1, 47)));
        assert_eq!(lc(text, &[K("é")]), Some((1, 60)));
        assert_eq!(lc(text, &[K("\\u0061")]), None);
    }

    #[test]
    fn path_at_names_the_value_a_parser_stopped_in() {
        let text = "{\n  \"nodes\": [\n    {\"id\": \"a\", \"kind\": \"toaster\"}\n  ]\n}";
        let e = serde_json::from_str::<Value>(&text.replace("\"toaster\"", "toaster")).unwrap_err();
        let at = offset_of(text, e.line(), e.column());
        let member = |t: &str, at: usize| path_at(t, at).map(|a| a.member);
        assert_eq!(member(text, at).as_deref(), Some("nodes[0].kind"));
        assert_eq!(member(text, 0).as_deref(), Some("$"));
        assert_eq!(path_at("  {}", 0), None);
        let bom = format!("\u{FEFF}{text}");
        assert_eq!(offset_of(&bom, 3, 5), offset_of(text, 3, 5) + 3);
        // At the closing brace of an object, the parser was in that object.
        let missing = "{\"nodes\": [{\"x\": 1}]}";
        let at = path_at(missing, missing.find('}').unwrap()).unwrap();
        assert_eq!(at.container, "nodes[0]");
        // Just after a key, the member is that key.
        let unknown = "{\"nodes\": [{\"zz\": 3}]}";
        let at = path_at(unknown, unknown.find("zz").unwrap() + 2).unwrap();
        assert_eq!(at.member, "nodes[0].zz");
    }

    #[test]
    fn bom_is_skipped() {
        let bom = format!("\u{FEFF}{DOC}");
        let path = [Seg::Key("goals"), Seg::Index(2), Seg::Key("node")];
        let (a, b) = (locate(DOC, &path).unwrap(), locate(&bom, &path).unwrap());
        assert_eq!(
            (b.line, b.column, b.offset),
            (a.line, a.column, a.offset + 3)
        );
        assert_eq!(lc("\u{FEFF} [7]", &[Seg::Index(0)]), Some((1, 3)));
        let d = duplicate_keys("\u{FEFF}{\"a\":1,\"a\":2}");
        assert_eq!((d[0].line, d[0].column), (1, 8));
    }

    #[test]
    fn missing_paths_and_malformed_text() {
        use Seg::{Index as I, Key as K};
        assert_eq!(lc(DOC, &[K("nope")]), None);
        assert_eq!(lc(DOC, &[K("goals"), I(3)]), None);
        assert_eq!(lc(DOC, &[K("goals"), K("0")]), None);
        assert_eq!(lc(DOC, &[K("name"), I(0)]), None);
        // Malformed before the value: nothing. After it: still found.
        for bad in [
            r#"{"s": "\x", "a": 1}"#,
            r#"{"s": "\ud800", "a": 1}"#,
            r#"{"s": "\ud83d\xde00", "a": 1}"#,
            r#"{"s": "\ude00", "a": 1}"#,
            "{\"s\": \"\t\", \"a\": 1}",
            r#"{"s": 01, "a": 1}"#,
            r#"{"s": 1,, "a": 1}"#,
            r#"{"a": }"#,
            r#"{"s": "#,
        ] {
            assert!(serde_json::from_str::<Value>(bad).is_err());
            assert_eq!(lc(bad, &[K("a")]), None, "{bad}");
        }
        assert_eq!(
            lc(r#"{"n": -1.5e999999, "a": tru"#, &[K("a")]),
            Some((1, 25))
        );
        assert_eq!(lc("[1] trailing", &[I(0)]), Some((1, 2)));
    }

    #[test]
    fn repeated_key_last_wins_like_serde_value() {
        use Seg::Key as K;
        let text = r#"{"a": {"b": 1}, "a": {"c": 2}, "a": {"c": 3}}"#;
        let v: Value = serde_json::from_str(text).unwrap();
        assert_eq!(v["a"]["c"], 3);
        assert_eq!(lc(text, &[K("a"), K("c")]), Some((1, 43)));
        assert_eq!(lc(text, &[K("a"), K("b")]), None);
    }

    #[test]
    fn duplicates_at_several_levels() {
        let text = "{\"a\": 1, \"nodes\": [{}, {\"params\": {\"x\": 1, \"\\u0078\": 2, \"x\": 3}}],\n \"a\": [{\"my key\": {\"k\": 0, \"k\": 0}}], \"a\": 2}";
        let dups = duplicate_keys(text);
        let got: Vec<_> = dups
            .iter()
            .map(|d| (&*d.key, &*d.path, d.line, d.column))
            .collect();
        assert_eq!(
            got,
            [
                ("x", "nodes[1].params", 1, 44),
                ("x", "nodes[1].params", 1, 57),
                ("a", "$", 2, 2),
                ("k", "a[0][\"my key\"]", 2, 28),
                ("a", "$", 2, 39),
            ]
        );
        // Separate objects may share keys; the list is capped.
        assert!(duplicate_keys(r#"[{"a": 1}, {"a": {"a": 2}}]"#).is_empty());
        let many = format!("{{{}\"end\": 0}}", "\"k\": 0, ".repeat(500));
        assert_eq!(duplicate_keys(&many).len(), 100);
    }

    #[test]
    fn depth_limit_matches_serde_json_without_recursion() {
        for depth in [126, 127, 128, 129] {
            let text = format!("{}0{}", "[".repeat(depth), "]".repeat(depth));
            let ok = serde_json::from_str::<Value>(&text).is_ok();
            let zero = locate(&text, &[Seg::Index(0)].repeat(depth));
            assert_eq!(zero.is_some(), ok, "depth {depth}");
        }
        let deep = "{\"a\":[".repeat(1 << 20);
        assert_eq!(
            locate(&deep, &[Seg::Key("a")]),
            locate("{\"a\":[", &[Seg::Key("a")])
        );
        assert!(duplicate_keys(&deep).is_empty());
    }

    fn text() -> impl Strategy<Value = String> {
        // Control characters are escaped as `\u00XX` in JSON: make them common.
        let c = prop_oneof![
            any::<char>(),
            prop::char::range('\0', '\x1f'),
            Just('"'),
            Just('\\')
        ];
        prop::collection::vec(c, 0..6).prop_map(String::from_iter)
    }

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            text().prop_map(Value::from),
        ];
        leaf.prop_recursive(5, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((text(), inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    /// Every path in `v`, containers included, with the value there.
    fn paths<'v>(v: &'v Value, cur: &mut Vec<Seg<'v>>, out: &mut Vec<(Vec<Seg<'v>>, &'v Value)>) {
        out.push((cur.clone(), v));
        let kids: Vec<(Seg, &Value)> = match v {
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, x)| (Seg::Index(i), x))
                .collect(),
            Value::Object(m) => m.iter().map(|(k, x)| (Seg::Key(k), x)).collect(),
            _ => vec![],
        };
        for (seg, kid) in kids {
            cur.push(seg);
            paths(kid, cur, out);
            cur.pop();
        }
    }

    /// Strings that look like broken JSON, to get past the first few bytes.
    fn jsonish() -> impl Strategy<Value = String> {
        let bits = [
            "{", "}", "[", "]", "\"", ":", ",", "\\", "u", "d83d", "0", "1", "-", "e", ".", "\n",
            " ", "\u{FEFF}", "é", "true", "\"a\"", "\"a\":",
        ];
        prop::collection::vec(prop::sample::select(bits.to_vec()), 0..40).prop_map(|v| v.concat())
    }

    /// A serialized document cut at a random byte, with broken JSON after the cut.
    fn cut_json() -> impl Strategy<Value = String> {
        let tail = prop_oneof![Just(String::new()), jsonish()];
        (json(), any::<prop::sample::Index>(), tail).prop_map(|(v, at, tail)| {
            let t = serde_json::to_string(&v).unwrap();
            let mut at = at.index(t.len() + 1);
            while !t.is_char_boundary(at) {
                at -= 1;
            }
            format!("{}{tail}", &t[..at])
        })
    }

    proptest! {
        #[test]
        fn never_panics(s in prop_oneof![any::<String>(), jsonish(), cut_json()], bom in any::<bool>()) {
            let s = if bom { format!("\u{FEFF}{s}") } else { s };
            let _ = duplicate_keys(&s);
            for path in [&[][..], &[Seg::Key("a")], &[Seg::Index(0)], &[Seg::Key("a"), Seg::Index(1)]] {
                if let Some(p) = locate(&s, path) {
                    prop_assert!(s.is_char_boundary(p.offset) && p.offset < s.len());
                }
            }
        }

        #[test]
        fn every_path_points_at_its_value(v in json()) {
            let text = serde_json::to_string_pretty(&v).unwrap();
            // Compare with a reparse so that float parsing precision cannot differ.
            let whole: Value = serde_json::from_str(&text).unwrap();
            let mut all = vec![];
            paths(&whole, &mut vec![], &mut all);
            let bom = format!("\u{FEFF}{text}");
            for (path, want) in all {
                let pos = locate(&text, &path).unwrap();
                let mut next = serde_json::Deserializer::from_str(&text[pos.offset..]).into_iter::<Value>();
                prop_assert_eq!(&next.next().unwrap().unwrap(), want);
                prop_assert_eq!((pos.line, pos.column), serde_error_at(&text, pos));
                let b = locate(&bom, &path).unwrap();
                prop_assert_eq!((b.line, b.column, b.offset), (pos.line, pos.column, pos.offset + 3));
            }
            prop_assert!(duplicate_keys(&text).is_empty());
        }
    }
}
