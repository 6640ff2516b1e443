//! Reading versioned JSON files (diagrams, scenarios, goals, lessons) with errors that
//! say where and what is wrong in plain words, and the migrations that keep old files
//! opening. A file is read in this order: size limit, byte-order mark, repeated keys,
//! JSON syntax, version, migrations to the current version, then the fields.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::jsonpos::{self, Seg};
use crate::validate::nearest;

/// Marks an error message a conversion wrote in plain words (it is shown as it is, after
/// the field it is about).
pub(crate) const CUSTOM: &str = "\u{1}";

/// The largest file the engine agrees to parse.
pub const MAX_INPUT_BYTES: usize = 4 * 1024 * 1024;

/// Why a JSON file could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormatError {
    /// The text is not valid JSON, a key is repeated, or a field has the wrong shape.
    /// `line` and `column` are 1-based and point at the problem.
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// The file has no `"version"` field.
    MissingVersion { what: &'static str },
    /// The file is larger than [`MAX_INPUT_BYTES`].
    TooLarge { bytes: usize, limit: usize },
}

impl FormatError {
    /// The 1-based line of the problem, when known.
    pub fn line(&self) -> Option<usize> {
        match self {
            FormatError::Syntax { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// The 1-based column of the problem, when known.
    pub fn column(&self) -> Option<usize> {
        match self {
            FormatError::Syntax { column, .. } => Some(*column),
            _ => None,
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Syntax {
                line,
                column,
                message,
            } => write!(f, "line {line}, column {column}: {message}"),
            FormatError::MissingVersion { what } => {
                write!(f, "line 1, column 1: this {what} has no \"version\" field; add \"version\" at the top level")
            }
            FormatError::TooLarge { bytes, limit } => {
                write!(
                    f,
                    "line 1, column 1: the file is {} bytes; the limit is {} bytes",
                    thousands(*bytes as f64),
                    thousands(*limit as f64)
                )
            }
        }
    }
}

impl std::error::Error for FormatError {}

/// A versioned file format.
pub(crate) struct Versioned {
    /// What the file is, in messages: "diagram".
    pub what: &'static str,
    /// The version this program writes.
    pub current: u32,
    /// Upgrades a document of version `from` to version `from + 1`.
    pub migrate: fn(Value, u32) -> Value,
}

/// Parses `text` as a `T` stored with a top-level `version` field, migrating older
/// versions. Every error names the place and says what is wrong.
pub(crate) fn parse_versioned<T: DeserializeOwned + Serialize>(
    text: &str,
    format: &Versioned,
) -> Result<T, FormatError> {
    parse_versioned_in(text, format, "")
}

/// The value at `path` inside a larger JSON document, parsed as a `T` (versioned when
/// `format` is given). Errors give the line and column in the whole document and name
/// fields by their full path (`starter.nodes[2].kind`). `None` when there is no value
/// at `path`.
pub(crate) fn parse_part<T: DeserializeOwned + Serialize>(
    text: &str,
    path: &[Seg],
    format: Option<&Versioned>,
) -> Option<Result<T, FormatError>> {
    let start = jsonpos::locate(text, path)?;
    let rest = &text[start.offset..];
    let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<serde::de::IgnoredAny>();
    let _ = stream.next();
    let part = &rest[..stream.byte_offset()];
    let prefix = render_path(path);
    let result = match format {
        Some(f) => parse_versioned_in(part, f, &prefix),
        None => read(part, &prefix).and_then(|t| {
            let input = serde_json::from_str(part).unwrap_or(Value::Null);
            no_listed_objects(&t, &input, part, &prefix).map(|()| t)
        }),
    };
    Some(result.map_err(|e| match e {
        FormatError::Syntax {
            line,
            column,
            message,
        } => FormatError::Syntax {
            line: start.line + line - 1,
            column: if line == 1 {
                start.column + column - 1
            } else {
                column
            },
            message,
        },
        FormatError::MissingVersion { .. } => FormatError::Syntax {
            line: start.line,
            column: start.column,
            message: format!(
                "{prefix}: {}",
                e.to_string().trim_start_matches("line 1, column 1: ")
            ),
        },
        other => other,
    }))
}

/// A path as messages place it: `$` for the whole document, else [`render_path`].
fn path_or_root(path: &[Seg]) -> String {
    match path.is_empty() {
        true => "$".to_string(),
        false => render_path(path),
    }
}

/// `starter.nodes[2]` for a path.
pub(crate) fn render_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) if out.is_empty() => out.push_str(k),
            Seg::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn parse_versioned_in<T: DeserializeOwned + Serialize>(
    text: &str,
    format: &Versioned,
    prefix: &str,
) -> Result<T, FormatError> {
    // A whole file that is no JSON object at all (an image, a list, a word) is said to
    // be the wrong file, not taken apart as if it were one.
    let body = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    if prefix.is_empty() && !matches!(body.trim_start().chars().next(), None | Some('{')) {
        return Err(syntax_at(
            body,
            &[],
            format!(
                "this is not a Scale Lab {}, which is JSON text starting with {{",
                format.what
            ),
        ));
    }
    let value = parse_value(text)?;
    // Any whole number is a version, however large or small (serde_json keeps -0 and
    // numbers past 64 bits as floating point): the too old and too new are told apart.
    let version = match value.get("version") {
        None => return Err(FormatError::MissingVersion { what: format.what }),
        Some(v) => v
            .as_f64()
            .filter(|x| x.is_finite() && x.fract() == 0.0)
            // `+ 0.0` writes -0 as 0.
            .map(|x| (x, quoted_number(x + 0.0)))
            .ok_or_else(|| {
                syntax_at(
                    text,
                    &[Seg::Key("version")],
                    "the \"version\" must be a whole number".into(),
                )
            })?,
    };
    // `found` is the whole number as written for a reader: "0", "-12", "1,000".
    let (version, found) = version;
    let what = format.what;
    // In a part of a larger file (a chapter's solution), the part is named first.
    let lead = match prefix {
        "" => String::new(),
        _ => format!("{prefix}: "),
    };
    if version < 1.0 {
        return Err(syntax_at(
            text,
            &[Seg::Key("version")],
            format!("{lead}this {what} has version {found}, which is too old: the oldest version Scale Lab reads is 1"),
        ));
    }
    if version > format.current as f64 {
        return Err(syntax_at(
            text,
            &[Seg::Key("version")],
            format!(
                "{lead}this {what} has version {found}, but this Scale Lab reads versions up to {}; update Scale Lab to open it",
                format.current
            ),
        ));
    }
    let version = version as u32;
    if version == format.current {
        let t = read(body, prefix)?;
        return no_listed_objects(&t, &value, body, prefix).map(|()| t);
    }
    let mut upgraded = value;
    for v in version..format.current {
        upgraded = (format.migrate)(upgraded, v);
    }
    if let Some(obj) = upgraded.as_object_mut() {
        obj.insert("version".into(), Value::from(format.current));
    }
    // Reading the upgraded document from text keeps positions for its errors; they are
    // mapped back to the same field in the original file when it has one.
    let rewritten = serde_json::to_string_pretty(&upgraded).unwrap_or_default();
    let t = read_raw(&rewritten).map_err(|e| match e {
        Unread::Listed(at) => listed_error(body, &at, prefix),
        // Its place in the upgraded text is mapped to the same value in the file.
        Unread::Serde(e) => match translate(&rewritten, &e, prefix) {
            FormatError::Syntax { message, .. } => {
                let offset = jsonpos::offset_of(&rewritten, e.line(), e.column().max(1) - 1);
                let (line, column) = jsonpos::path_at(&rewritten, offset)
                    .and_then(|at| locate_path(body, &at.member))
                    .unwrap_or((1, 1));
                FormatError::Syntax {
                    line,
                    column,
                    message,
                }
            }
            other => other,
        },
    })?;
    // The upgraded value's paths are the file's: the place is found in the file.
    no_listed_objects(&t, &upgraded, body, prefix).map(|()| t)
}

/// Refuses a list written where an object belongs. serde's readers take a struct's
/// fields in order from a list (`["web-1", "web_server", …]` for a node), which no
/// file of ours writes and nobody means: read back in its own form, the value `t` has
/// an object wherever the file has to have one. The error's place is found in `text`.
fn no_listed_objects<T: Serialize>(
    t: &T,
    input: &Value,
    text: &str,
    prefix: &str,
) -> Result<(), FormatError> {
    // Through text, as files are written: one serializer per type in the files module.
    let Some(back) = serde_json::to_string_pretty(t)
        .ok()
        .and_then(|b| serde_json::from_str::<Value>(&b).ok())
    else {
        return Ok(());
    };
    let mut path = Vec::new();
    if !listed_object(input, &back, &mut path) {
        return Ok(());
    }
    Err(listed_error(text, &path_or_root(&path), prefix))
}

/// The error for a list at `at` (rendered: `nodes[3]`, `$` for the whole) where an
/// object belongs.
fn listed_error(text: &str, at: &str, prefix: &str) -> FormatError {
    let (line, column) = locate_path(text, at).unwrap_or((1, 1));
    FormatError::Syntax {
        line,
        column,
        message: format!(
            "{} must be an object in {{ }}, not a list",
            field_name(at, prefix)
        ),
    }
}

/// Whether `input` has a list where `back` has an object, at `path` (extended to it).
/// Lists are followed item by item only when both have as many items.
fn listed_object<'a>(input: &'a Value, back: &Value, path: &mut Vec<Seg<'a>>) -> bool {
    let mut within = |seg: Seg<'a>, input: &'a Value, back: &Value| {
        path.push(seg);
        let found = listed_object(input, back, path);
        if !found {
            path.pop();
        }
        found
    };
    match (input, back) {
        (Value::Array(_), Value::Object(_)) => true,
        (Value::Object(a), Value::Object(b)) => a
            .iter()
            .any(|(k, v)| b.get(k).is_some_and(|w| within(Seg::Key(k), v, w))),
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .any(|(i, (v, w))| within(Seg::Index(i), v, w)),
        _ => false,
    }
}

/// The one place a `T` is read from JSON text: each call of `serde_json::from_str`
/// generates a whole reader for its type, so every path goes through here.
fn from_text<T: DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    serde_json::from_str(text)
}

/// `text` read as a `T`, its error in plain words (under `prefix`).
fn read<T: DeserializeOwned>(text: &str, prefix: &str) -> Result<T, FormatError> {
    read_raw(text).map_err(|e| match e {
        Unread::Listed(at) => listed_error(text, &at, prefix),
        Unread::Serde(e) => translate(text, &e, prefix),
    })
}

/// Why [`read_raw`] could not read a value.
enum Unread {
    /// A list stands where an object belongs, at this rendered path.
    Listed(String),
    Serde(serde_json::Error),
}

/// `text` read as a `T`, or why not (see [`listed_struct`]).
fn read_raw<T: DeserializeOwned>(text: &str) -> Result<T, Unread> {
    from_text(text).map_err(|e| match listed_struct::<T>(text, &e) {
        Some(at) => Unread::Listed(at),
        None => Unread::Serde(e),
    })
}

/// Most lists around an error that [`listed_struct`] tries as an object.
const MAX_LIST_PROBES: usize = 3;

/// When reading failed inside a list, the rendered path of that list if it stands where
/// an object belongs: serde took the object's fields from it in order and one did not
/// fit, and the message would name an item of a list the learner never meant as one.
/// A list around the error (the nearest first) is tried as an empty object: if the file
/// then reads, or only lacks fields, the list was the mistake.
fn listed_struct<T: DeserializeOwned>(text: &str, e: &serde_json::Error) -> Option<String> {
    if !e.is_data() {
        return None;
    }
    let input: Value = serde_json::from_str(text).ok()?;
    let offset = jsonpos::offset_of(text, e.line().max(1), e.column().max(1) - 1);
    let member = jsonpos::path_at(text, offset)?.member;
    let segs = segments(&member)?;
    let lists = (1..=segs.len())
        .rev()
        .filter(|&k| value_at(&input, &segs[..k]).is_some_and(Value::is_array));
    for k in lists.take(MAX_LIST_PROBES) {
        let mut probe = input.clone();
        *value_at_mut(&mut probe, &segs[..k])? = Value::Object(Default::default());
        // Pretty, as migrations write: one writer of values in the files module.
        let probe_text = serde_json::to_string_pretty(&probe).ok()?;
        let at = render_path(&segs[..k]);
        // An object there reads, or lacks fields (there, or in an object around it
        // once it was read); a list's type refuses it on the spot.
        let object_there = match from_text::<T>(&probe_text) {
            Ok(_) => true,
            Err(e) => e.to_string().starts_with("missing field "),
        };
        if object_there {
            return Some(at);
        }
    }
    None
}

fn value_at<'v>(v: &'v Value, segs: &[Seg]) -> Option<&'v Value> {
    segs.iter().try_fold(v, |v, seg| match seg {
        Seg::Key(k) => v.get(k),
        Seg::Index(i) => v.get(i),
    })
}

fn value_at_mut<'v>(v: &'v mut Value, segs: &[Seg]) -> Option<&'v mut Value> {
    segs.iter().try_fold(v, |v, seg| match seg {
        Seg::Key(k) => v.get_mut(k),
        Seg::Index(i) => v.get_mut(i),
    })
}

/// Parses JSON text into a value after the size limit, the byte-order mark and the
/// repeated-key check.
pub(crate) fn parse_value(text: &str) -> Result<Value, FormatError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(FormatError::TooLarge {
            bytes: text.len(),
            limit: MAX_INPUT_BYTES,
        });
    }
    let body = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let scan = jsonpos::scan(body);
    if let Some(d) = scan.duplicates.first() {
        let place = if d.path == "$" {
            "at the top level".to_string()
        } else {
            format!("in {}", d.path)
        };
        return Err(FormatError::Syntax {
            line: d.line,
            column: d.column,
            message: format!("\"{}\" appears twice {place}; keep only one", short(&d.key)),
        });
    }
    if let Some((line, column)) = scan.too_many_values_at {
        return Err(FormatError::Syntax {
            line,
            column,
            message: format!(
                "the file holds more than {} values (texts, numbers, lists and objects); no Scale Lab file needs that many",
                thousands(jsonpos::MAX_VALUES as f64)
            ),
        });
    }
    let value: Value = from_text(body).map_err(|e| translate(body, &e, ""))?;
    let mut path = Vec::new();
    if let Some((c, in_key)) = unprintable_in(&value, &mut path) {
        let at = path_or_root(&path);
        let what = match (in_key, path.is_empty()) {
            (false, _) => field_name(&at, ""),
            (true, true) => "a field name at the top level".to_string(),
            (true, false) => format!("a field name in {}", field_name(&at, "")),
        };
        return Err(syntax_at(
            body,
            &path,
            format!(
                "{what} holds an invisible control character (U+{:04X}); a file's texts may not contain one",
                c as u32
            ),
        ));
    }
    let mut path = Vec::new();
    if let Some((chars, what)) = overlong_in(&value, &mut path) {
        let at = path_or_root(&path);
        return Err(syntax_at(
            body,
            &path,
            format!(
                "{} has {} characters; {what} can have at most {MAX_LABEL_CHARS}",
                field_name(&at, ""),
                thousands(chars as f64)
            ),
        ));
    }
    Ok(value)
}

/// Most characters of a goal's label or a window's name: what a share link holds of any
/// one (256 bytes) in characters of up to four bytes, and as long as a challenge's title.
pub const MAX_LABEL_CHARS: usize = 64;

/// The first goal label (a `label` text) or window name (the `name` of an item of a
/// `windows` list) of `v` longer than [`MAX_LABEL_CHARS`]: its length in characters and
/// what it is, with `path` extended to it. A file may hold what the page could not
/// share; it is said when the file is read rather than when a link is made.
fn overlong_in<'a>(v: &'a Value, path: &mut Vec<Seg<'a>>) -> Option<(usize, &'static str)> {
    first_in(v, path, &|path, v| {
        let what = match (path, v) {
            ([.., Seg::Key("label")], Value::String(_)) => "a label",
            ([.., Seg::Key("windows"), _, Seg::Key("name")], Value::String(_)) => "a window's name",
            _ => return None,
        };
        let chars = v.as_str()?.chars().count();
        (chars > MAX_LABEL_CHARS).then_some((chars, what))
    })
}

/// The first value of `v` (itself, then its items and members in order, depth first)
/// for which `at`, given the value's path and the value, finds something; `path` is
/// extended to that value.
fn first_in<'a, T>(
    v: &'a Value,
    path: &mut Vec<Seg<'a>>,
    at: &impl Fn(&[Seg<'a>], &'a Value) -> Option<T>,
) -> Option<T> {
    if let Some(found) = at(path, v) {
        return Some(found);
    }
    let mut within = |seg: Seg<'a>, v: &'a Value| {
        path.push(seg);
        let found = first_in(v, path, at);
        if found.is_none() {
            path.pop();
        }
        found
    };
    match v {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| within(Seg::Index(i), x)),
        Value::Object(map) => map.iter().find_map(|(k, x)| within(Seg::Key(k), x)),
        _ => None,
    }
}

/// The first control character (but a tab) or text-direction override in a text or a
/// field name of `v` (true when in a name), with `path` extended to the text or to the
/// object whose field name holds it. No file of ours needs one, and printed (by the
/// CLI, in a terminal) they could clear the screen or forge a line.
fn unprintable_in<'a>(v: &'a Value, path: &mut Vec<Seg<'a>>) -> Option<(char, bool)> {
    // A tab does no harm and can be pasted into a name in the page.
    let bad = |t: &str| {
        t.chars().find(|c| {
            (c.is_control() && *c != '\t')
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
    };
    // A member's field name is looked at before its value.
    let found = first_in(v, path, &|path, v| match (path.last(), v) {
        (Some(Seg::Key(k)), _) if bad(k).is_some() => bad(k).map(|c| (c, true)),
        (_, Value::String(t)) => bad(t).map(|c| (c, false)),
        _ => None,
    });
    if let Some((_, true)) = found {
        // The object holding the field name.
        path.pop();
    }
    found
}

/// A syntax error at the value found at `path` (or the start of the file).
pub(crate) fn syntax_at(text: &str, path: &[Seg], message: String) -> FormatError {
    let (line, column) = jsonpos::locate(text, path).map_or((1, 1), |p| (p.line, p.column));
    FormatError::Syntax {
        line,
        column,
        message,
    }
}

/// The (line, column) of the value at a rendered path such as `nodes[3].params.size`.
fn locate_path(text: &str, path: &str) -> Option<(usize, usize)> {
    let segs = segments(path)?;
    jsonpos::locate(text, &segs).map(|p| (p.line, p.column))
}

/// The segments of a rendered path (none for `$`, the whole).
fn segments(path: &str) -> Option<Vec<Seg<'_>>> {
    if path == "$" {
        return Some(Vec::new());
    }
    let mut segs = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            if i > 0 {
                segs.push(Seg::Key(&rest[..i]));
            }
            rest = &rest[i..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let end = stripped.find(']')?;
                segs.push(Seg::Index(stripped[..end].parse().ok()?));
                rest = &stripped[end + 1..];
            }
        } else {
            segs.push(Seg::Key(rest));
        }
    }
    Some(segs)
}

/// A name cut to a length that fits in a message.
pub(crate) fn short(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let cut: String = text.chars().take(MAX - 1).collect();
        format!("{cut}…")
    }
}

/// Turns a serde_json error into a sentence in plain words, naming the field (under
/// `prefix`, the path of `text` inside a larger document).
fn translate(text: &str, e: &serde_json::Error, prefix: &str) -> FormatError {
    let full = e.to_string();
    // serde_json appends " at line L column C"; the position is reported separately.
    let raw = match full.rfind(" at line ") {
        Some(i) => &full[..i],
        None => &full,
    };
    let (line, column) = (e.line().max(1), e.column().max(1));
    let offset = jsonpos::offset_of(text, line, column.saturating_sub(1));
    let at = jsonpos::path_at(text, offset);
    // The byte serde_json stopped on itself: a value's last character, a missing
    // field's closing brace, or where a value was expected.
    let here = jsonpos::offset_of(text, line, column);
    let member_here = || place_of(jsonpos::path_at(text, here), false);
    let member = at.as_ref().map(|a| a.member.as_str()).unwrap_or("$");
    let container = at.as_ref().map(|a| a.container.as_str()).unwrap_or("$");
    let field = |path: &str| field_name(path, prefix);
    let message = if let Some(rest) = raw.strip_prefix(CUSTOM) {
        // Read whole before it was checked: the parser stood at the object's end.
        format!("{}: {rest}", field(container))
    } else if let Some(rest) = raw.strip_prefix("invalid type: ") {
        let (found, expected) = split_expected(rest);
        // serde_json stops on the value's last character: one byte back is before a
        // value of one character (`5` in `[5]`), so the value is found from there.
        let at = match found.starts_with("integer ") || found.starts_with("boolean ") {
            true => jsonpos::path_at(text, here),
            false => at,
        };
        if expected.trim() == "unit" {
            // `"kind": {"users": 1}`: an object where a choice's name belongs (serde
            // took its field name for the choice and wanted nothing in it).
            format!(
                "{} must be text in quotes, not an object",
                field(&place_of(at, true))
            )
        } else {
            format!(
                "{} must be {}, not {}",
                field(&place_of(at, false)),
                expected_words(expected),
                found_words(found)
            )
        }
    } else if let Some(rest) = raw.strip_prefix("invalid value: ") {
        let (found, expected) = split_expected(rest);
        // A whole number past the type's range (serde refuses it before the validator
        // could name the field's own): the range is named.
        let most = match expected.trim() {
            "u8" => "255",
            "u16" => "65,535",
            "u32" => "4,294,967,295",
            "u64" | "usize" => "18,446,744,073,709,551,615",
            _ => "",
        };
        let expected = if found.starts_with("integer `") && !found.contains('-') && !most.is_empty()
        {
            format!("a whole number from 0 to {most}")
        } else {
            expected_words(expected)
        };
        format!(
            "{} must be {expected}, not {}",
            field(member),
            found_words(found)
        )
    } else if let Some(rest) = raw.strip_prefix("unknown variant ") {
        let (name, options) = name_and_options(rest);
        // A tagged object is read whole before its tag is checked, so the parser stood
        // at its end: find the field holding the name instead.
        let quoted = format!("\"{name}\"");
        let tagged_at = text.find(&quoted).and_then(|i| {
            let a = jsonpos::path_at(text, i)?;
            // Given as a field name (`"action": {"kil_node": "web-1"}`), the name is
            // the choice of the object holding it.
            let after = text.get(i + quoted.len()..).unwrap_or("");
            Some(match after.trim_start().starts_with(':') {
                true => a.container,
                false => a.member,
            })
        });
        let member = tagged_at.as_deref().unwrap_or(member);
        let hint = nearest(name, options.iter().copied())
            .map(|n| format!(" Did you mean \"{n}\"?"))
            .unwrap_or_default();
        format!(
            "{} cannot be \"{}\"; it must be one of: {}.{hint}",
            field(member),
            short(name),
            options.join(", ")
        )
    } else if let Some(rest) = raw.strip_prefix("unknown field ") {
        let (name, options) = name_and_options(rest);
        let hint = nearest(name, options.iter().copied())
            .map(|n| format!(" Did you mean \"{n}\"?"))
            .unwrap_or_default();
        let place = if container == "$" && prefix.is_empty() {
            "at the top level".to_string()
        } else {
            format!("in {}", field(container))
        };
        if options.is_empty() {
            format!("\"{}\" is not allowed {place}.", short(name))
        } else {
            format!(
                "\"{}\" is not allowed {place}; the allowed fields are {}.{hint}",
                short(name),
                options.join(", ")
            )
        }
    } else if let Some(rest) = raw.strip_prefix("missing field ") {
        let name = rest.trim_matches('`');
        // serde reports a missing field at the object's closing brace itself, not one
        // byte past it as for the other errors (then one byte earlier could be the
        // closing brace of the object's last member): the place is the object it closes.
        let closed = jsonpos::path_at(text, here);
        let container = closed.as_ref().map_or(container, |a| a.container.as_str());
        let place = if container == "$" && prefix.is_empty() {
            "at the top level".to_string()
        } else {
            format!("in {}", field(container))
        };
        format!("\"{name}\" is missing {place}; add it")
    } else if let Some(rest) = raw.strip_prefix("duplicate field ") {
        format!(
            "\"{}\" appears twice in {}; keep only one",
            rest.trim_matches('`'),
            field(container)
        )
    } else if raw.starts_with("data did not match any variant of untagged enum") {
        format!(
            "{} must be a number, text in quotes, or true or false",
            field(member)
        )
    } else if let Some(rest) = raw.strip_prefix("invalid length ") {
        let n = rest.split(',').next().unwrap_or("");
        format!("{} has the wrong number of items ({n})", field(member))
    } else if let Some(found) = (raw == "expected value")
        .then(|| wrong_value_at(text, here))
        .flatten()
    {
        // serde_json says "expected value" of a choice (a kind, an operator) given a
        // number, true, false, null or a list: there is a value, of the wrong type.
        format!(
            "{} must be text in quotes, not {found}",
            field(&member_here())
        )
    } else if raw == "expected value"
        && text.get(here..).is_some_and(|r| r.starts_with('}'))
        && text
            .get(..here)
            .is_some_and(|r| r.trim_end().ends_with('{'))
    {
        // `"kind": {}`, `"action": {}`: a choice given as an object naming none.
        format!(
            "{} is an empty object; it must name one of its choices",
            field(&place_of(jsonpos::path_at(text, here), true))
        )
    } else {
        syntax_words(raw)
    };
    FormatError::Syntax {
        line,
        column,
        message,
    }
}

/// Where a parser stood, as messages name it: the member, or the object or list holding
/// it; `$` (the whole) when it stood nowhere.
fn place_of(at: Option<jsonpos::At>, container: bool) -> String {
    at.map_or_else(
        || "$".into(),
        |a| match container {
            true => a.container,
            false => a.member,
        },
    )
}

/// The value starting at byte `at`, in words, when one does (not a text or an object,
/// which a choice may be): `5`, `true`, `null`, `a list`.
fn wrong_value_at(text: &str, at: usize) -> Option<String> {
    let rest = text.get(at..)?;
    match rest.bytes().next()? {
        b'[' => Some("a list".into()),
        b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
            let end = rest
                .find(|c: char| matches!(c, ',' | '}' | ']') || c.is_whitespace())
                .unwrap_or(rest.len());
            Some(short(&rest[..end]))
        }
        _ => None,
    }
}

/// How a message names the value at `path` (rendered) inside the part at `prefix`.
fn field_name(path: &str, prefix: &str) -> String {
    match (path, prefix) {
        ("$", "") => "the file".to_string(),
        ("$", p) => format!("\"{}\"", short(p)),
        (path, "") => format!("\"{}\"", short(path)),
        (path, p) => format!("\"{}\"", short(&format!("{p}.{path}"))),
    }
}

/// Splits "X, expected Y".
fn split_expected(rest: &str) -> (&str, &str) {
    match rest.rfind(", expected ") {
        Some(i) => (&rest[..i], &rest[i + ", expected ".len()..]),
        None => (rest, ""),
    }
}

/// Splits "`name`, expected one of `a`, `b`" (or "expected `a` or `b`", "expected `a`",
/// "there are no variants") into the name and the options.
fn name_and_options(rest: &str) -> (&str, Vec<&str>) {
    let mut parts = rest.split('`').skip(1);
    let name = parts.next().unwrap_or("");
    let options: Vec<&str> = parts.skip(1).step_by(2).collect();
    (name, options)
}

/// What serde expected, in words.
fn expected_words(expected: &str) -> String {
    let e = expected.trim();
    let words = match e {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number of 0 or more",
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number",
        "f32" | "f64" => "a number",
        "a string" | "a borrowed string" | "string" => "text in quotes",
        "a boolean" => "true or false",
        "a sequence" => "a list in [ ]",
        "a map" => "an object in { }",
        "unit" => "null",
        "newtype variant" => "an object in { } naming the choice and its value",
        _ if e.starts_with("struct ") || e.starts_with("struct variant") => "an object in { }",
        _ if e.starts_with("internally tagged enum") => "an object with a \"type\" field",
        _ if e.starts_with("enum ") || e.contains("variant") => "one of the allowed choices",
        _ if e.starts_with("tuple") || e.starts_with("an array") => "a list in [ ]",
        _ if e.is_empty() => "something else",
        _ => return e.to_string(),
    };
    words.to_string()
}

/// What serde found, in words.
fn found_words(found: &str) -> String {
    let f = found.trim();
    let strip = |p: &str| f.strip_prefix(p).map(|v| v.trim_matches('`').to_string());
    if let Some(v) = strip("string ") {
        return format!("the text {}", short(&v));
    }
    for p in ["integer ", "floating point ", "boolean "] {
        if let Some(v) = strip(p) {
            return v;
        }
    }
    match f {
        "map" => "an object".into(),
        "sequence" => "a list".into(),
        "null" | "unit value" => "null".into(),
        "unit variant" => "only the name of a choice".into(),
        _ => f.to_string(),
    }
}

/// serde_json's syntax errors, in words.
fn syntax_words(raw: &str) -> String {
    let words = match raw {
        "EOF while parsing a list" => "the file ends before this list is closed with ]",
        "EOF while parsing an object" => "the file ends before this object is closed with }",
        "EOF while parsing a string" => "the file ends inside a text in quotes",
        "EOF while parsing a value" => "the file ends where a value was expected",
        "expected `:`" => "a colon (:) was expected after the field name",
        "expected `,` or `]`" => "a comma or ] was expected here",
        "expected `,` or `}`" => "a comma or } was expected here",
        "expected ident" => "a value such as true, false or null was misspelt",
        "expected value" => "a value was expected here",
        "expected `\"`" => "a field name in double quotes was expected here",
        "invalid escape" => "a backslash in a text starts an escape that does not exist",
        "invalid number" => "this is not a valid number",
        "number out of range" => "this number is too large",
        "invalid unicode code point" => "a \\u escape names a character that does not exist",
        "key must be a string" => "field names must be in double quotes",
        "trailing comma" => "a comma is followed by nothing; remove it",
        "trailing characters" => "there is more text after the end of the file's main value",
        "recursion limit exceeded" => "the file nests lists and objects too deeply",
        _ if raw.starts_with("control character") => {
            "a text contains a raw line break or control character; write it as \\n"
        }
        _ if raw.contains("surrogate") || raw.contains("hex escape") => {
            "a \\u escape in a text is incomplete or invalid"
        }
        _ => return format!("this is not valid JSON ({raw})"),
    };
    words.to_string()
}

/// The migration of a format that has had only one version: nothing older exists.
pub(crate) fn no_migration(value: Value, _from: u32) -> Value {
    value
}

/// `x` with exactly `decimals` digits after the point, as `format!("{x:.N}")` writes
/// it: the exact value of the float rounded half to even ("-0" for a small negative
/// number, like Rust). Written by hand so that the page carries no float formatting
/// code (about 6 KB gzipped): the value is an integer mantissa times a power of two,
/// so scaling by `10^decimals` and rounding is integer arithmetic. Exact for every
/// finite value and `decimals` up to [`MAX_DECIMALS`] (more are written as that
/// many).
pub fn fixed(x: f64, decimals: u32) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x.is_infinite() {
        return format!("{sign}inf");
    }
    let decimals = decimals.min(MAX_DECIMALS);
    let bits = x.abs().to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    // x = m * 2^e exactly.
    let (m, e) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp - 1075)
    };
    let d = decimals as usize;
    let digits = if e >= 0 {
        // A whole number: its digits, then zeros.
        let int = match (m as u128)
            .checked_shl(e as u32)
            .filter(|v| v >> e == m as u128)
        {
            Some(int) => int.to_string(),
            None => doubled(m, e as u32),
        };
        format!("{int}{}", "0".repeat(d))
    } else {
        // Below 2^53 · 10^22 < 2^127: no overflow.
        let n = m as u128 * 10u128.pow(decimals);
        let s = (-e) as u32;
        let scaled = if s > 127 {
            0 // below half a unit of the last digit: n < 2^127 <= 2^(s-1)
        } else {
            let (q, r) = (n >> s, n & ((1u128 << s) - 1));
            let half = 1u128 << (s - 1);
            if r > half || (r == half && q % 2 == 1) {
                q + 1
            } else {
                q
            }
        };
        let digits = scaled.to_string();
        if digits.len() <= d {
            format!("{}{digits}", "0".repeat(d + 1 - digits.len()))
        } else {
            digits
        }
    };
    let (int, dec) = digits.split_at(digits.len() - d);
    if d == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{dec}")
    }
}

/// Most digits after the point [`fixed`] writes: `m · 10^22` stays below 2^127 for
/// every 53-bit mantissa `m`.
pub const MAX_DECIMALS: u32 = 22;

/// The decimal digits of `m · 2^e`, for values past `u128`: doubled digit by digit
/// (at most 971 times over 309 digits; only for numbers above 3.4 × 10^38).
fn doubled(m: u64, e: u32) -> String {
    // Little-endian decimal digits.
    let mut digits: Vec<u8> = m.to_string().bytes().rev().map(|b| b - b'0').collect();
    for _ in 0..e {
        let mut carry = 0;
        for digit in &mut digits {
            let v = *digit * 2 + carry;
            *digit = v % 10;
            carry = v / 10;
        }
        if carry > 0 {
            digits.push(carry);
        }
    }
    digits.iter().rev().map(|d| (b'0' + d) as char).collect()
}

/// A number as a message quotes it: like [`trim_number`], and past a billion with a
/// power of ten (1.5e12, 1e308) rather than hundreds of digits.
pub(crate) fn quoted_number(x: f64) -> String {
    if !x.is_finite() || x.abs() < 1e9 {
        return trim_number(x);
    }
    // At most 308 divisions, and no logarithm or power code in the page.
    let (mut m, mut exp) = (x.abs(), 0);
    while m >= 10.0 {
        m /= 10.0;
        exp += 1;
    }
    let sign = if x < 0.0 { "-" } else { "" };
    match trimmed(m, 2).as_str() {
        // 9.996 rounds up to the next power of ten.
        "10" => format!("{sign}1e{}", exp + 1),
        m => format!("{sign}{m}e{exp}"),
    }
}

/// A number without needless decimals: 4, 2.5, 0.25.
pub fn trim_number(x: f64) -> String {
    trimmed(x, 2)
}

/// `x` rounded to `decimals` digits after the point, without trailing zeros: with 3,
/// 4, 2.5 and 0.125. What the page writes into SVG coordinates and styles.
pub fn trimmed(x: f64, decimals: u32) -> String {
    let s = fixed(x, decimals);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A count with its noun: "1 request", "1,250 requests".
pub fn count_of(n: u64, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        thousands(n as f64),
        if n == 1 { one } else { many }
    )
}

/// A count with its noun and the verb after it: "1 user was", "2 users were".
pub fn count_was(n: u64, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        count_of(n, one, many),
        if n == 1 { "was" } else { "were" }
    )
}

/// A share as a percentage with sensible precision: 12%, 2.4%, 0.35%. Goals, the
/// metrics panel and the inspector all write shares this way, so they agree.
pub fn percent(share: f64) -> String {
    let p = share * 100.0;
    // The bands go by the value as rounded: 9.96 is "10%", not "10.0%".
    let decimals = if p == 0.0 || p >= 9.95 {
        0
    } else if p >= 0.995 {
        1
    } else {
        2
    };
    format!("{}%", fixed(p, decimals))
}

/// A whole number with thousands separators: 12,345.
pub fn thousands(x: f64) -> String {
    let digits = fixed(x.abs(), 0);
    let mut out = String::new();
    if x < 0.0 && digits != "0" {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_writes_what_rust_formatting_writes() {
        let mut rng = crate::rng::Rng::new(5);
        let mut values = vec![
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            -2.5,
            0.125,
            0.375,
            2.675,
            0.35,
            1e-300,
            5e-324,
            999.9999,
            1e15,
            123_456_789.987_654_33,
            9.995,
            -0.004,
            1e37,
            3.0e38,
            4503599627370497.5,
        ];
        for _ in 0..20_000 {
            let mantissa = rng.next_f64() * 2.0 - 1.0;
            let exp = rng.below(40) as i32 - 12;
            values.push(mantissa * 10f64.powi(exp));
            // Exact ties at every precision: multiples of a power of two.
            values.push((rng.below(100_000) as f64) / f64::from(1u32 << rng.below(12)));
        }
        // Past u128 and the largest finite values.
        values.extend([3.5e38, -1.7976931348623157e308, 2f64.powi(1000), 1e300]);
        for x in values {
            for d in 0..=MAX_DECIMALS {
                assert_eq!(
                    fixed(x, d),
                    format!("{x:.*}", d as usize),
                    "{x:e} to {d} decimals"
                );
            }
        }
        assert_eq!(trimmed(100.0, 0), "100", "whole numbers keep their zeros");
        assert_eq!(trimmed(100.0, 2), "100");
        assert_eq!(trimmed(2.5, 3), "2.5");
        assert_eq!(trimmed(0.1251, 3), "0.125");
        assert_eq!(fixed(f64::INFINITY, 1), "inf");
        assert_eq!(fixed(f64::NEG_INFINITY, 1), "-inf");
        assert_eq!(fixed(f64::NAN, 1), "NaN");
        assert_eq!(fixed(0.1, 30), fixed(0.1, MAX_DECIMALS));
    }
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        version: u32,
        nodes: Vec<Item>,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        id: String,
        count: u32,
        #[serde(default)]
        kind: Option<Shape>,
    }

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Shape {
        Round,
        Square,
    }

    /// Version 1 had a "legacy" flag that version 2 dropped.
    fn drop_legacy(mut v: Value, from: u32) -> Value {
        if from == 1 {
            if let Some(o) = v.as_object_mut() {
                o.remove("legacy");
            }
        }
        v
    }

    const DOC: Versioned = Versioned {
        what: "test file",
        current: 2,
        migrate: drop_legacy,
    };

    fn err(text: &str) -> FormatError {
        parse_versioned::<Doc>(text, &DOC).unwrap_err()
    }

    fn read_ok(text: &str) -> Doc {
        parse_versioned(text, &DOC).unwrap()
    }

    /// What validating `s` on an empty diagram says.
    fn problems_of(s: &crate::Scenario) -> Vec<String> {
        let found = s.validate(&crate::Diagram::default());
        found.into_iter().map(|f| f.message).collect()
    }

    /// Reading `text` fails with a message holding `part`.
    fn says(text: &str, part: &str) {
        let e = err(text).to_string();
        assert!(e.contains(part), "{e}");
    }

    #[test]
    fn shares_keep_sensible_decimals_chosen_by_the_value_as_rounded() {
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(0.25), "25%");
        assert_eq!(percent(0.0313), "3.1%");
        assert_eq!(percent(0.0072), "0.72%");
        // At the edges of the bands the rounded value decides: never "10.0%" or "1.00%".
        assert_eq!(percent(0.0996), "10%");
        assert_eq!(percent(0.00999), "1.0%");
    }

    #[test]
    fn limits_in_messages_are_written_with_thousands_separators() {
        let e = FormatError::TooLarge {
            bytes: 5_000_000,
            limit: 4_194_304,
        };
        assert!(e
            .to_string()
            .ends_with("the file is 5,000,000 bytes; the limit is 4,194,304 bytes"));
        let e = crate::link::base64url::decode(&"A".repeat(300_000), 200_000).unwrap_err();
        assert!(e
            .to_string()
            .contains("(300,000 characters; at most 200,000 are accepted)"));
        let s = crate::Scenario {
            client_timeout_ms: 70_000,
            keys: crate::scenario::KeyPopularity::Uniform { keys: 2_000_000 },
            ..crate::Scenario::default()
        };
        let said = problems_of(&s);
        assert!(
            said.iter()
                .any(|m| m == "The client timeout must be between 1 and 60,000 ms."),
            "{said:?}"
        );
        assert!(
            said.iter()
                .any(|m| m == "The number of keys must be between 1 and 1,000,000."),
            "{said:?}"
        );
        let e = crate::Kind::WebServer
            .param("max_queue")
            .unwrap()
            .check(&crate::catalog::ParamValue::Num(20_000.0))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "Queue limit must be between 1 and 10,000 requests."
        );
    }

    #[test]
    fn a_one_digit_number_where_an_object_belongs_is_named_at_its_place() {
        for n in ["5", "55"] {
            let e = err(&format!("{{\"version\": 2, \"nodes\": [{n}]}}"));
            assert_eq!(
                e.to_string(),
                // serde_json places it on the number's last digit.
                format!(
                    "line 1, column {}: \"nodes[0]\" must be an object in {{ }}, not {n}",
                    25 + n.len()
                )
            );
        }
    }

    #[test]
    fn a_file_that_is_no_json_object_is_called_the_wrong_file_where_it_starts() {
        // A list, a word after blank lines, and an image read as text (what a browser
        // gives for a PNG: replacement characters).
        for (text, at) in [
            ("  [1, 2, 3]", (1, 3)),
            ("\n\n   \"diagram\"", (3, 4)),
            ("\u{FFFD}PNG\r\n\u{1a}\n", (1, 1)),
            // A byte-order mark is not a column.
            ("\u{FEFF}7", (1, 1)),
        ] {
            let e = err(text);
            assert_eq!(
                e.to_string(),
                format!(
                    "line {}, column {}: this is not a Scale Lab test file, which is JSON text starting with {{",
                    at.0, at.1
                ),
                "{text:?}"
            );
        }
        // An empty file and an object without a version keep their own messages.
        assert!(
            err(" \n").to_string().contains("the file ends"),
            "{}",
            err(" \n")
        );
        assert_eq!(err("{}"), FormatError::MissingVersion { what: "test file" });
    }

    #[test]
    fn a_field_missing_from_an_empty_object_is_missing_in_it() {
        let e = err("{\"version\": 2, \"nodes\": [{}]}");
        assert_eq!(
            e.to_string(),
            "line 1, column 27: \"id\" is missing in \"nodes[0]\"; add it"
        );
    }

    #[test]
    fn a_choice_given_a_number_or_a_list_names_its_field() {
        for (value, found, column) in [("5", "5", 58), ("true", "true", 58), ("[1]", "a list", 58)]
        {
            let e = err(&format!(
                "{{\"version\": 2, \"nodes\": [{{\"id\": \"a\", \"count\": 1, \"kind\": {value}}}]}}"
            ));
            assert_eq!(
                e.to_string(),
                format!("line 1, column {column}: \"nodes[0].kind\" must be text in quotes, not {found}")
            );
        }
        // A value missing altogether is still said as such.
        let e = err("{\"version\": 2, \"nodes\": [{\"id\": \"a\", \"count\": 1, \"kind\": }]}");
        assert!(e.to_string().ends_with("a value was expected here"), "{e}");
    }

    #[test]
    fn a_choice_given_an_empty_object_names_the_choice() {
        let e = err("{\"version\": 2, \"nodes\": [{\"id\": \"a\", \"count\": 1, \"kind\": { }}]}");
        assert_eq!(
            e.to_string(),
            // At the closing brace (column 60: the object opens at 58), where a choice
            // was wanted.
            "line 1, column 60: \"nodes[0].kind\" is an empty object; it must name one of its choices"
        );
        // An empty object where an object is expected is another matter.
        let e = err("{\"version\": 2, \"nodes\": [{}]}");
        assert!(
            e.to_string()
                .ends_with("\"id\" is missing in \"nodes[0]\"; add it"),
            "{e}"
        );
    }

    #[test]
    fn a_choice_given_an_object_names_the_choice_not_the_field_inside() {
        let doc = |kind: &str| {
            format!("{{\"version\": 2, \"nodes\": [{{\"id\": \"a\", \"count\": 1, \"kind\": {kind}}}]}}")
        };
        // The choice's name as a field name, with something in it.
        for inside in ["1", "\"x\"", "[1]", "{}"] {
            let e = err(&doc(&format!("{{\"round\": {inside}}}"))).to_string();
            assert!(
                e.ends_with("\"nodes[0].kind\" must be text in quotes, not an object"),
                "{inside}: {e}"
            );
        }
        // An unknown name as a field name: the choice is named, with the options.
        let e = err(&doc("{\"rund\": 1}")).to_string();
        assert!(
            e.ends_with("\"nodes[0].kind\" cannot be \"rund\"; it must be one of: round, square. Did you mean \"round\"?"),
            "{e}"
        );
        // Given as a text, as ever.
        let e = err(&doc("\"rund\"")).to_string();
        assert!(e.ends_with("\"nodes[0].kind\" cannot be \"rund\"; it must be one of: round, square. Did you mean \"round\"?"), "{e}");
    }

    #[test]
    fn messages_read_as_plain_sentences() {
        use crate::link::bytes::ReadError;
        assert_eq!(
            ReadError::TrailingBytes { count: 1 }.to_string(),
            "It has 1 unexpected extra byte at its end."
        );
        let s = crate::Scenario {
            default_traffic: Some(crate::scenario::Traffic {
                profile: crate::scenario::Profile::Constant,
                rps: -1.0,
            }),
            ..crate::Scenario::default()
        };
        let said = problems_of(&s);
        assert_eq!(
            said,
            ["The traffic of Users nodes without their own entry must be between 0 and 1,000,000 requests per second."]
        );
        let e = crate::link::base64url::decode("AB", 10).unwrap_err();
        assert_eq!(
            e.to_string(),
            "The link looks cut off or changed: its last character is not one Scale Lab writes there."
        );
    }

    #[test]
    fn a_file_of_more_values_than_any_of_ours_is_refused_before_it_is_read() {
        // The top object, the version's 2 and the list are 3 values (field names are
        // not counted); the list then holds `n` zeros.
        let file = |n: usize| {
            format!(
                "{{\"version\": 2, \"nodes\": [{}]}}",
                vec!["0"; n].join(",")
            )
        };
        let fits = jsonpos::MAX_VALUES - 3;
        // At the limit, the file is read (and refused for what it holds, not its size).
        let e = err(&file(fits)).to_string();
        assert!(!e.contains("values"), "{e}");
        // One value more: refused at that value, the last zero, 2 bytes a zero on.
        let e = err(&file(fits + 1)).to_string();
        let column = "{\"version\": 2, \"nodes\": [".len() + 2 * fits + 1;
        assert_eq!(
            e,
            format!("line 1, column {column}: the file holds more than 100,000 values (texts, numbers, lists and objects); no Scale Lab file needs that many")
        );
    }

    #[test]
    fn a_label_or_a_window_name_longer_than_a_link_holds_is_refused_where_it_is() {
        let at_most = "é".repeat(MAX_LABEL_CHARS);
        let over = format!("{at_most}x");
        let goals = |label: &str| {
            format!("{{\"version\": 1, \"goals\": [\n  {{\"type\": \"has\", \"kind\": \"cache\", \"label\": \"{label}\"}}]}}")
        };
        assert!(crate::goals::GoalSet::from_json(&goals(&at_most)).is_ok());
        assert_eq!(
            crate::goals::GoalSet::from_json(&goals(&over))
                .unwrap_err()
                .to_string(),
            "line 2, column 45: \"goals[0].label\" has 65 characters; a label can have at most 64"
        );
        let windows = |name: &str| {
            format!("{{\"version\": 2, \"windows\": [{{\"name\": \"{name}\", \"from_s\": 1, \"to_s\": 2}}]}}")
        };
        assert!(crate::scenario::Scenario::from_json(&windows(&at_most)).is_ok());
        let e = crate::scenario::Scenario::from_json(&windows(&over)).unwrap_err();
        assert!(
            e.to_string().ends_with(
                "\"windows[0].name\" has 65 characters; a window's name can have at most 64"
            ),
            "{e}"
        );
        // Elsewhere a "name" is not a window's (a component's has its own limit).
        let v = parse_value(&format!("{{\"nodes\": [{{\"name\": \"{over}\"}}]}}"));
        assert!(v.is_ok(), "{v:?}");
    }

    #[test]
    fn a_control_character_in_a_text_or_a_field_name_is_refused_where_it_is() {
        // An escape sequence that would clear a terminal, in an id.
        let e = err("{\"version\": 2,\n \"nodes\": [{\"id\": \"a\\u001b[2J\", \"count\": 1}]}");
        assert_eq!(
            e.to_string(),
            "line 2, column 19: \"nodes[0].id\" holds an invisible control character (U+001B); a file's texts may not contain one"
        );
        // A line break that would forge a line of output, and a right-to-left override.
        for (text, code) in [
            ("a\\r\\nok", "U+000D"),
            ("a\u{202E}b", "U+202E"),
            ("\\u0000", "U+0000"),
        ] {
            says(
                &format!("{{\"version\": 2, \"nodes\": [{{\"id\": \"{text}\", \"count\": 1}}]}}"),
                &format!("\"nodes[0].id\" holds an invisible control character ({code})"),
            );
        }
        // In a field name, the object holding it is named (not the name itself).
        says(
            "{\"version\": 2, \"nodes\": [{\"id\": \"a\", \"co\\bunt\": 1}]}",
            "a field name in \"nodes[0]\" holds an invisible control character (U+0008)",
        );
        says(
            "{\"version\": 2, \"\\u0007\": 1, \"nodes\": []}",
            "a field name at the top level holds",
        );
        // A tab does no harm (and can be pasted into a name in the page); letters of any
        // script and emoji are text.
        let ok = read_ok("{\"version\": 2, \"nodes\": [{\"id\": \"a\\tb\", \"count\": 1}]}");
        assert_eq!(ok.nodes[0].id, "a\tb");
        let ok = read_ok("{\"version\": 2, \"nodes\": [{\"id\": \"caf\u{e9} \u{4e2d} \u{5d0} \u{1F680}\", \"count\": 1}]}");
        assert_eq!(ok.nodes[0].id, "caf\u{e9} \u{4e2d} \u{5d0} \u{1F680}");
    }

    #[test]
    fn a_list_where_an_object_belongs_is_refused_at_the_list() {
        // serde would read the node's fields in order from the list.
        let e =
            err("{\"version\": 2,\n \"nodes\": [{\"id\": \"a\", \"count\": 1},\n   [\"b\", 2]]}");
        assert_eq!(
            e.to_string(),
            "line 3, column 4: \"nodes[1]\" must be an object in { }, not a list"
        );
        // The same in a file of an older version, placed in the file as written.
        let e = err("{\"version\": 1, \"legacy\": true,\n \"nodes\": [[\"b\", 2]]}");
        assert_eq!(
            e.to_string(),
            "line 2, column 12: \"nodes[0]\" must be an object in { }, not a list"
        );
        // And in a part of a larger document, named by its full path.
        let text = "{\"doc\": {\"version\": 2, \"nodes\": [[\"b\", 2]]}}";
        let e = parse_part::<Doc>(text, &[Seg::Key("doc")], Some(&DOC))
            .unwrap()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 1, column 34: \"doc.nodes[0]\" must be an object in { }, not a list"
        );
        let e = parse_part::<Item>("{\"item\": [\"b\", 2]}", &[Seg::Key("item")], None)
            .unwrap()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 1, column 10: \"item\" must be an object in { }, not a list"
        );
        // A list the reader could not take the fields from is named, not its item.
        for list in ["[\"b\", \"two\"]", "[\"b\"]", "[]"] {
            let e = err(&format!("{{\"version\": 2, \"nodes\": [{list}]}}"));
            assert_eq!(
                e.to_string(),
                "line 1, column 26: \"nodes[0]\" must be an object in { }, not a list",
                "{list}"
            );
        }
        let e = err("{\"version\": 1, \"nodes\": [[\"b\", \"two\"]]}");
        assert!(
            e.to_string()
                .ends_with("\"nodes[0]\" must be an object in { }, not a list"),
            "{e}"
        );
        // Lists where lists belong, objects where objects belong: read as before.
        let ok = read_ok(
            "{\"version\": 2, \"nodes\": [{\"id\": \"a\", \"count\": 1, \"kind\": \"round\"}]}",
        );
        assert_eq!(ok.nodes[0].id, "a");
    }

    #[test]
    fn field_errors_name_the_field_in_plain_words() {
        let e = err("{\"version\": 2,\n \"nodes\": [{\"id\": \"a\", \"count\": -3}]}");
        assert_eq!(e.line(), Some(2));
        assert_eq!(
            e.to_string(),
            format!(
                "line 2, column {}: \"nodes[0].count\" must be a whole number of 0 or more, not -3",
                e.column().unwrap()
            )
        );
        // Past the type's range, the range is named (not only "0 or more").
        let e = err("{\"version\": 2, \"nodes\": [{\"id\": \"a\", \"count\": 4294967296}]}");
        assert!(
            e.to_string().ends_with(
                "\"nodes[0].count\" must be a whole number from 0 to 4,294,967,295, not 4294967296"
            ),
            "{e}"
        );
        let e = err("{\"version\": 2, \"nodes\": [{\"id\": \"a\", \"count\": \"3\"}]}");
        assert!(
            e.to_string().ends_with(
                "\"nodes[0].count\" must be a whole number of 0 or more, not the text \"3\""
            ),
            "{e}"
        );
        let e = err(
            "{\"version\": 2, \"nodes\": [{\"id\": \"a\", \"count\": 1, \"kind\": \"sqare\"}]}",
        );
        assert!(
            e.to_string().ends_with(
                "\"nodes[0].kind\" cannot be \"sqare\"; it must be one of: round, square. Did you mean \"square\"?"
            ),
            "{e}"
        );
        says(
            "{\"version\": 2, \"nodes\": [{\"id\": \"a\", \"cnt\": 1}]}",
            "\"cnt\" is not allowed in \"nodes[0]\"; the allowed fields are id, count, kind.",
        );
        let e = err("{\"version\": 2, \"nodes\": [{\"count\": 1}]}");
        assert!(
            e.to_string()
                .ends_with("\"id\" is missing in \"nodes[0]\"; add it"),
            "{e}"
        );
        // The object's last member is itself an object: the place is still the
        // object that lacks the field.
        let e = crate::scenario::Scenario::from_json(
            r#"{"version": 2, "duration_s": 60, "events": [{"action": {"kill_node": "web-1"}}]}"#,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .ends_with("\"at_s\" is missing in \"events[0]\"; add it"),
            "{e}"
        );
        let e = err("{\"version\": 2, \"nodes\": {}}");
        assert!(
            e.to_string()
                .ends_with("\"nodes\" must be a list in [ ], not an object"),
            "{e}"
        );
        for e in [
            err("{\"version\": 2, \"nodes\": [}"),
            err("{\"version\": 2, \"nodes\": [{\"id\": \"a\" \"count\": 1}]}"),
        ] {
            let text = e.to_string();
            for jargon in ["u32", "sequence", "struct", "enum", "`"] {
                assert!(!text.contains(jargon), "{text}");
            }
        }
    }

    #[test]
    fn repeated_keys_are_errors_with_their_place() {
        let e = err("{\"version\": 2,\n \"nodes\": [{\"id\": \"a\", \"count\": 1, \"count\": 2}]}");
        assert_eq!(e.line(), Some(2));
        assert!(
            e.to_string()
                .ends_with("\"count\" appears twice in nodes[0]; keep only one"),
            "{e}"
        );
    }

    #[test]
    fn numbers_in_messages_stay_short() {
        for (x, shown) in [
            (2.5, "2.5"),
            (999_999_999.0, "999999999"),
            (1e9, "1e9"),
            (4_294_967_296.0, "4.29e9"),
            (-1.5e12, "-1.5e12"),
            (1e308, "1e308"),
            (9.996e9, "1e10"),
        ] {
            assert_eq!(quoted_number(x), shown, "{x}");
        }
    }

    #[test]
    fn versions_are_checked_and_old_ones_migrated() {
        assert_eq!(
            err("{\"nodes\": []}"),
            FormatError::MissingVersion { what: "test file" }
        );
        let too_old = err("{\"version\": 0, \"nodes\": []}");
        assert!(too_old.to_string().contains("too old"), "{too_old}");
        assert!(!too_old.to_string().contains("update"), "{too_old}");
        // Either is placed at the version itself, wherever it stands.
        for (version, said) in [("0", "too old"), ("7", "update Scale Lab")] {
            let e = err(&format!("{{\"nodes\": [],\n  \"version\": {version}}}"));
            assert!(
                e.to_string()
                    .starts_with("line 2, column 14: this test file has version"),
                "{e}"
            );
            assert!(e.to_string().contains(said), "{e}");
        }
        // Whole numbers serde_json keeps as floating point: -0 and past 64 bits.
        for (version, shown) in [("-0", "0"), ("-99999999999999999999", "-1e20")] {
            says(
                &format!("{{\"version\": {version}, \"nodes\": []}}"),
                &format!("has version {shown}, which is too old"),
            );
        }
        for (version, shown) in [
            ("3", "3"),
            ("1000000000", "1e9"),
            ("18446744073709551615", "1.84e19"),
            ("1e30", "1e30"),
        ] {
            says(
                &format!("{{\"version\": {version}, \"nodes\": []}}"),
                &format!(
                    "has version {shown}, but this Scale Lab reads versions up to 2; update Scale Lab"
                ),
            );
        }
        for bad in ["\"2\"", "1.5", "null"] {
            let e = err(&format!("{{\"version\": {bad}, \"nodes\": []}}"));
            assert!(
                e.to_string()
                    .ends_with("the \"version\" must be a whole number"),
                "{e}"
            );
        }
        let migrated: Doc = parse_versioned(
            "{\"version\": 1, \"legacy\": true, \"nodes\": [{\"id\": \"a\", \"count\": 1}]}",
            &DOC,
        )
        .unwrap();
        assert_eq!(migrated.version, 2);
        assert_eq!(migrated.nodes[0].id, "a");
        // An error in a migrated file points into the original file.
        let e = err(
            "{\"version\": 1, \"legacy\": true,\n\n \"nodes\": [{\"id\": \"a\", \"count\": -1}]}",
        );
        assert_eq!(e.line(), Some(3), "{e}");
        assert!(e.to_string().contains("must be a whole number"), "{e}");
    }

    #[test]
    fn a_part_of_a_larger_file_reports_positions_and_paths_in_that_file() {
        let text = "{\"title\": \"x\",\n \"doc\": {\"version\": 2,\n   \"nodes\": [{\"id\": \"a\", \"count\": -1}]}}";
        let e = parse_part::<Doc>(text, &[Seg::Key("doc")], Some(&DOC))
            .unwrap()
            .unwrap_err();
        assert_eq!(e.line(), Some(3), "{e}");
        assert!(
            e.to_string()
                .contains("\"doc.nodes[0].count\" must be a whole number"),
            "{e}"
        );
        let ok: Doc = parse_part(
            "{\"doc\": {\"version\": 2, \"nodes\": []}, \"after\": 1}",
            &[Seg::Key("doc")],
            Some(&DOC),
        )
        .unwrap()
        .unwrap();
        assert!(ok.nodes.is_empty());
        assert!(parse_part::<Doc>("{}", &[Seg::Key("doc")], Some(&DOC)).is_none());
        let e = parse_part::<Doc>("{\"doc\": {\"nodes\": []}}", &[Seg::Key("doc")], Some(&DOC))
            .unwrap()
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("doc: this test file has no \"version\""),
            "{e}"
        );
        // A version too new is placed at it, and the part is named.
        let e = parse_part::<Doc>(
            "{\"title\": \"x\",\n \"doc\": {\"nodes\": [],\n   \"version\": 9}}",
            &[Seg::Key("doc")],
            Some(&DOC),
        )
        .unwrap()
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 3, column 15: doc: this test file has version 9, but this Scale Lab reads versions up to 2; update Scale Lab to open it"
        );
    }

    #[test]
    fn a_byte_order_mark_is_accepted() {
        let doc: Doc = parse_versioned("\u{FEFF}{\"version\": 2, \"nodes\": []}", &DOC).unwrap();
        assert!(doc.nodes.is_empty());
    }

    #[test]
    fn oversized_input_is_refused_before_parsing() {
        let big = " ".repeat(MAX_INPUT_BYTES + 1);
        assert!(matches!(err(&big), FormatError::TooLarge { .. }));
    }

    #[test]
    fn long_names_are_shortened() {
        assert_eq!(short("abc"), "abc");
        let s = short(&"x".repeat(100));
        assert_eq!(s.chars().count(), 40);
        assert!(s.ends_with('…'));
    }
}
