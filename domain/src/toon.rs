//! TOON (Token-Oriented Object Notation): a line-oriented, indentation-based text encoding of the JSON data
//! model that spends fewer tokens than JSON, for putting structured data into LLM prompts
//! (<https://github.com/toon-format/spec>, working draft 4.0).
//!
//! [`encode`] writes a JSON value as a TOON document and [`decode`] reads one back; for every object root
//! `decode(&encode(&v)) == Ok(v)`, object key order included.
//!
//! ```text
//! name: support-bot
//! tools[2]: calculator,web_search
//! limits:
//!   max_tokens: 1024
//! examples[2]{q,a}:
//!   2+2,"4"
//!   "hi, there",hello
//! steps[2]:
//!   - name: plan
//!   - done
//! ```
//!
//! The subset implemented:
//! - objects as `key: value` lines, nested objects as `key:` with their fields indented by 2 spaces; keys are
//!   quoted unless they match `[A-Za-z_][A-Za-z0-9_.]*`;
//! - strings quoted only when needed (spec §7.2), with the escapes `\\ \" \n \r \t` and `\uXXXX` for the other
//!   control characters; `true`, `false`, `null` and numbers as bare tokens;
//! - arrays of primitives inline (`tools[2]: a,b`); an empty array is written `key[0]:` (a form the spec keeps
//!   for compatibility; it prefers `key: []`, which is read too);
//! - arrays of objects that have the same keys in the same order and only primitive values, as a table
//!   (`items[2]{id,name}:` then one comma-separated row per item); the spec also tables objects whose keys come
//!   in different orders, reordering them, which would lose the key order, so those become lists here;
//! - every other array as a list (`key[N]:` then `- ` items: primitives, inner arrays `- [M]: a,b`, objects
//!   with their first field on the hyphen line, `-` for an empty object);
//! - root arrays (`[N]: …`) and root primitives;
//! - when decoding: tab and pipe delimiters (`[N|]`, `[N<TAB>]`), `#` comment lines, CRLF line ends, a trailing
//!   newline and blank lines outside arrays. Decoding is always strict (spec §14): declared lengths and row
//!   widths must match, indentation must be a multiple of 2 spaces without tabs, duplicate keys and blank lines
//!   inside arrays are errors, and every error names the 1-based line at fault.
//!
//! Left out: keyed tabular objects (`key[N:]{…}:`), nested field groups (`{a,b{c}}`), encoder options (other
//! delimiters or indent sizes) and a lenient decoding mode.
//!
//! Numbers: integers are written as they are (any `i64` or `u64`). Floats are written in plain decimal for
//! `1e-6 <= |x| < 1e21` and with an exponent (`1e+300`, `5e-324`) outside it, with the shortest digits that read
//! back to the same `f64`. To keep JSON's integer/float distinction through a round trip, a float always keeps a
//! fractional part or exponent (`1.0`, `-0.0`): the spec would write `1` and `0`, which any TOON decoder reads as
//! the same number. On input, a number token with a fraction or an exponent is an `f64` (`1e6` is `1000000.0`,
//! `-0.0` stays negative zero), integers beyond 64 bits become floats and a number beyond the `f64` range is an
//! error. Documents nested deeper than 128 levels are refused.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::fmt::Write as _;
use std::num::FpCategory;

use serde_json::{Map, Number, Value};

/// Spaces per indentation level.
const INDENT: &str = "  ";
/// The deepest indentation level [`decode`] accepts (a bound on its recursion).
const MAX_DEPTH: usize = 128;
/// The only delimiter the encoder uses.
const COMMA: char = ',';
const EXPECTED_KEY_VALUE: &str = "expected 'key: value'";
const UNTERMINATED: &str = "unterminated string";

/// A TOON document that could not be read, with the 1-based line at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid TOON at line {line}: {message}")]
pub struct ToonError {
    pub line: usize,
    pub message: String,
}

impl ToonError {
    fn new(line: usize, message: impl Into<String>) -> Self {
        ToonError { line, message: message.into() }
    }
}

// ----------------------------------------------------------------------------------------------------------------
// Encoding
// ----------------------------------------------------------------------------------------------------------------

/// Encodes a JSON value as a TOON document (the root must be an object; other roots may be encoded as the spec
/// says).
///
/// An object root gives `key: value` lines (no lines at all for `{}`), an array root a keyless header (`[N]: …`)
/// and a primitive root a single token. The document uses LF line ends and has no trailing newline.
#[must_use]
pub fn encode(value: &Value) -> String {
    let mut out = Vec::new();
    match value {
        Value::Object(map) => encode_fields(&mut out, map, 0),
        Value::Array(items) => encode_array(&mut out, "", items, 1, true),
        primitive => out.push(encode_primitive(primitive)),
    }
    out.join("\n")
}

fn indent(depth: usize) -> String {
    INDENT.repeat(depth)
}

fn encode_fields(out: &mut Vec<String>, map: &Map<String, Value>, depth: usize) {
    for (key, value) in map {
        encode_field(out, indent(depth), key, value, depth + 1);
    }
}

/// One object field: `lead` (indentation, maybe a list marker) and the key, with nested content at `child`.
fn encode_field(out: &mut Vec<String>, lead: String, key: &str, value: &Value, child: usize) {
    let head = lead + &encode_key(key);
    match value {
        Value::Object(map) => {
            out.push(head + ":");
            encode_fields(out, map, child);
        }
        Value::Array(items) => encode_array(out, &head, items, child, true),
        primitive => out.push(format!("{head}: {}", encode_primitive(primitive))),
    }
}

/// An array after `head`: inline when all items are primitives, a table when `table_ok` and the items are
/// uniform objects, else a list whose items go at depth `child`.
fn encode_array(out: &mut Vec<String>, head: &str, items: &[Value], child: usize, table_ok: bool) {
    let count = items.len();
    if items.iter().all(is_primitive) {
        let cells: Vec<String> = items.iter().map(encode_primitive).collect();
        let separator = if cells.is_empty() { "" } else { " " };
        out.push(format!("{head}[{count}]:{separator}{}", cells.join(",")));
    } else if let Some(fields) = table_fields(items).filter(|_| table_ok) {
        encode_table(out, head, items, &fields, child);
    } else {
        out.push(format!("{head}[{count}]:"));
        for item in items {
            encode_item(out, child, item);
        }
    }
}

/// The field names of a table if every item is a non-empty object with the first item's keys, in the same
/// order, and only primitive values.
fn table_fields(items: &[Value]) -> Option<Vec<&str>> {
    let first = items.first()?.as_object()?;
    let same_shape = |item: &Value| {
        item.as_object().is_some_and(|object| {
            object.len() == first.len()
                && object.iter().zip(first.keys()).all(|((key, value), field)| key == field && is_primitive(value))
        })
    };
    (!first.is_empty() && items.iter().all(same_shape)).then(|| first.keys().map(String::as_str).collect())
}

fn encode_table(out: &mut Vec<String>, head: &str, items: &[Value], fields: &[&str], depth: usize) {
    let names: Vec<String> = fields.iter().map(|field| encode_key(field)).collect();
    out.push(format!("{head}[{}]{{{}}}:", items.len(), names.join(",")));
    for object in items.iter().filter_map(Value::as_object) {
        let cells: Vec<String> = object.values().map(encode_primitive).collect();
        out.push(indent(depth) + &cells.join(","));
    }
}

/// One `- ` list item at `depth`.
fn encode_item(out: &mut Vec<String>, depth: usize, item: &Value) {
    let lead = indent(depth) + "- ";
    match item {
        Value::Object(map) => encode_object_item(out, depth, map),
        Value::Array(items) => encode_array(out, &lead, items, depth + 1, false),
        primitive => out.push(lead + &encode_primitive(primitive)),
    }
}

/// An object list item: its first field on the hyphen line, the others one level deeper (`-` alone if empty).
fn encode_object_item(out: &mut Vec<String>, depth: usize, map: &Map<String, Value>) {
    let mut fields = map.iter();
    let Some((key, value)) = fields.next() else {
        out.push(indent(depth) + "-");
        return;
    };
    encode_field(out, indent(depth) + "- ", key, value, depth + 2);
    for (key, value) in fields {
        encode_field(out, indent(depth + 1), key, value, depth + 2);
    }
}

fn is_primitive(value: &Value) -> bool {
    !matches!(value, Value::Array(_) | Value::Object(_))
}

/// A primitive as a token; callers never pass arrays or objects.
fn encode_primitive(value: &Value) -> String {
    match value {
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => encode_number(number),
        Value::String(text) if needs_quotes(text) => quote(text),
        Value::String(text) => text.clone(),
        Value::Null | Value::Array(_) | Value::Object(_) => "null".to_owned(),
    }
}

fn encode_number(number: &Number) -> String {
    if let Some(unsigned) = number.as_u64() {
        unsigned.to_string()
    } else if let Some(signed) = number.as_i64() {
        signed.to_string()
    } else {
        number.as_f64().map_or_else(|| number.to_string(), encode_float)
    }
}

/// The shortest digits that read back to `value`: plain decimal for `1e-6 <= |value| < 1e21` (with a fractional
/// part, so it stays a float), else `d.ddde±x`.
fn encode_float(value: f64) -> String {
    let sign = if value.is_sign_negative() { "-" } else { "" };
    if value.classify() == FpCategory::Zero {
        return format!("{sign}0.0");
    }
    let scientific = format!("{:e}", value.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((scientific.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-6..21).contains(&exponent) {
        let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        format!("{sign}{}", plain_decimal(&digits, exponent))
    } else {
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exponent_sign}{}", exponent.unsigned_abs())
    }
}

/// `d.ddd × 10^exponent` (the digits without their point) in plain decimal.
fn plain_decimal(digits: &str, exponent: i32) -> String {
    let Ok(int_len) = usize::try_from(exponent).map(|exponent| exponent + 1) else {
        let zeros = "0".repeat(usize::try_from(-exponent - 1).unwrap_or(0));
        return format!("0.{zeros}{digits}");
    };
    match digits.split_at_checked(int_len) {
        Some((int, frac)) if !frac.is_empty() => format!("{int}.{frac}"),
        _ => format!("{digits}{}.0", "0".repeat(int_len.saturating_sub(digits.len()))),
    }
}

/// Spec §7.2, with the comma as the delimiter everywhere.
fn needs_quotes(text: &str) -> bool {
    text.is_empty()
        || text.starts_with([' ', '\t', '-', '#'])
        || text.ends_with([' ', '\t'])
        || matches!(text, "true" | "false" | "null")
        || looks_numeric(text)
        || text.chars().any(|c| c < ' ' || matches!(c, ':' | '"' | '\\' | '[' | ']' | '{' | '}' | COMMA))
}

fn encode_key(key: &str) -> String {
    if is_identifier(key) { key.to_owned() } else { quote(key) }
}

fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.'))
}

fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c < ' ' => {
                // Writing to a `String` cannot fail.
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether an unquoted `text` could be taken for a number (spec §7.2, signs and leading zeros included).
fn looks_numeric(text: &str) -> bool {
    number_shape(text.strip_prefix(['+', '-']).unwrap_or(text)).is_some()
}

/// The integer part of `body` if it reads `digits[.digits][(e|E)[+|-]digits]`.
fn number_shape(body: &str) -> Option<&str> {
    let (mantissa, exponent) = body.split_once(['e', 'E']).map_or((body, None), |(m, e)| (m, Some(e)));
    let (int, frac) = mantissa.split_once('.').map_or((mantissa, None), |(i, f)| (i, Some(f)));
    let exponent_ok = exponent.is_none_or(|e| all_digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    (all_digits(int) && frac.is_none_or(all_digits) && exponent_ok).then_some(int)
}

fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

// ----------------------------------------------------------------------------------------------------------------
// Decoding
// ----------------------------------------------------------------------------------------------------------------

/// Decodes a TOON document into a JSON value.
///
/// An empty document (or one with only blank and comment lines) is `{}`.
///
/// # Errors
///
/// [`ToonError`] with the 1-based line at fault when the document is not valid TOON of the supported subset:
/// a line that is not `key: value`, a header, a row or a list item where one is expected; a declared length or
/// row width that does not match; bad indentation (not a multiple of 2 spaces, tabs, jumps, over-indented lines);
/// an unterminated string or unknown escape; a duplicate key; a blank line inside an array; content after a root
/// array; or nesting deeper than 128 levels.
pub fn decode(text: &str) -> Result<Value, ToonError> {
    let (lines, blanks) = scan(text)?;
    let mut parser = Parser { lines, pos: 0, spans: Vec::new() };
    let value = parser.document()?;
    check_blank_lines(&blanks, parser.spans)?;
    Ok(value)
}

/// A non-blank, non-comment line: its number, indentation level and content without the indentation.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    number: usize,
    depth: usize,
    text: &'a str,
}

/// Attaches the line to an error message.
fn at(line: Line<'_>) -> impl Fn(String) -> ToonError {
    move |message| ToonError::new(line.number, message)
}

/// The structural lines of `text` and the numbers of its blank lines; comment lines are dropped.
fn scan(text: &str) -> Result<(Vec<Line<'_>>, Vec<usize>), ToonError> {
    let mut lines = Vec::new();
    let mut blanks = Vec::new();
    for (index, raw) in text.split('\n').enumerate() {
        let number = index + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let content = raw.trim_start_matches(' ');
        if content.trim_matches([' ', '\t']).is_empty() {
            blanks.push(number);
        } else if !content.starts_with('#') {
            lines.push(scan_line(number, raw.len() - content.len(), content)?);
        }
    }
    Ok((lines, blanks))
}

fn scan_line(number: usize, spaces: usize, content: &str) -> Result<Line<'_>, ToonError> {
    if content.starts_with('\t') {
        return Err(ToonError::new(number, "tabs are not allowed in indentation"));
    }
    if !spaces.is_multiple_of(INDENT.len()) {
        return Err(ToonError::new(number, format!("indentation of {spaces} spaces is not a multiple of 2")));
    }
    let depth = spaces / INDENT.len();
    if depth > MAX_DEPTH {
        return Err(ToonError::new(number, format!("nesting deeper than {MAX_DEPTH} levels")));
    }
    Ok(Line { number, depth, text: content.trim_end_matches(' ') })
}

/// Errors on a blank line strictly inside an array span (first item line, last line of the array's content).
fn check_blank_lines(blanks: &[usize], mut spans: Vec<(usize, usize)>) -> Result<(), ToonError> {
    spans.sort_unstable();
    let mut spans = spans.into_iter().peekable();
    let mut reach = 0;
    for &blank in blanks {
        while let Some((_, last)) = spans.next_if(|&(first, _)| first < blank) {
            reach = reach.max(last);
        }
        if blank < reach {
            return Err(ToonError::new(blank, "blank line inside an array"));
        }
    }
    Ok(())
}

/// A recursive-descent reader over the structural lines.
struct Parser<'a> {
    lines: Vec<Line<'a>>,
    pos: usize,
    /// The line spans of the non-empty list and tabular arrays read so far.
    spans: Vec<(usize, usize)>,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<Line<'a>> {
        self.lines.get(self.pos).copied()
    }

    /// Takes the next line if it is at `depth` and `accept`s its content.
    fn next_at(&mut self, depth: usize, accept: impl Fn(&str) -> bool) -> Option<Line<'a>> {
        let line = self.peek().filter(|line| line.depth == depth && accept(line.text))?;
        self.pos += 1;
        Some(line)
    }

    fn last_number(&self) -> usize {
        self.pos.checked_sub(1).and_then(|index| self.lines.get(index)).map_or(0, |line| line.number)
    }

    /// Root form discovery (spec §5): a root array header, a single primitive line, or an object.
    fn document(&mut self) -> Result<Value, ToonError> {
        let Some(first) = self.peek() else {
            return Ok(Value::Object(Map::new()));
        };
        if first.depth > 0 {
            return Err(unexpected_indentation(first));
        }
        let value = if first.text.starts_with('[') && is_field(first.text) {
            self.pos += 1;
            let header = parse_header(first.text).map_err(at(first))?;
            self.array(first, header, 0)?
        } else if self.lines.len() == 1 && !is_field(first.text) {
            self.pos += 1;
            parse_value_token(first.text).map_err(at(first))?
        } else {
            let mut map = Map::new();
            self.object_body(0, &mut map)?;
            Value::Object(map)
        };
        match self.peek() {
            Some(extra) => Err(ToonError::new(extra.number, "unexpected content after the root array")),
            None => Ok(value),
        }
    }

    /// The fields at `depth` into `map`, until a shallower line.
    fn object_body(&mut self, depth: usize, map: &mut Map<String, Value>) -> Result<(), ToonError> {
        while let Some(line) = self.peek() {
            match line.depth.cmp(&depth) {
                Ordering::Less => break,
                Ordering::Greater => return Err(unexpected_indentation(line)),
                Ordering::Equal => {}
            }
            self.pos += 1;
            let (key, value) = self.field(line, line.text, depth)?;
            insert_field(map, key, value, line)?;
        }
        Ok(())
    }

    /// A field `text` (a whole line, or the part after `- `) standing at `depth`: nested content is at `depth + 1`.
    fn field(&mut self, line: Line<'a>, text: &'a str, depth: usize) -> Result<(String, Value), ToonError> {
        match split_key(text).map_err(at(line))? {
            KeyPart::Value(key, rest) => Ok((key, self.field_value(line, rest, depth)?)),
            KeyPart::Header(Some(key), rest) => {
                let header = parse_header(rest).map_err(at(line))?;
                Ok((key, self.array(line, header, depth)?))
            }
            KeyPart::Header(None, _) => Err(ToonError::new(line.number, "an array header needs a key here")),
        }
    }

    /// What follows `key:`: a nested object when empty, else one value token.
    fn field_value(&mut self, line: Line<'a>, rest: &str, depth: usize) -> Result<Value, ToonError> {
        let token = rest.trim_matches(' ');
        if token.is_empty() {
            let mut map = Map::new();
            self.object_body(depth + 1, &mut map)?;
            Ok(Value::Object(map))
        } else {
            parse_value_token(token).map_err(at(line))
        }
    }

    /// The array opened by `header` on `line`, whose rows or items are at `depth + 1`.
    fn array(&mut self, line: Line<'a>, header: Header<'_>, depth: usize) -> Result<Value, ToonError> {
        let inline = header.rest.trim_matches(' ');
        let items = match header.fields {
            Some(_) if !inline.is_empty() => {
                return Err(ToonError::new(line.number, "unexpected content after a tabular header"));
            }
            Some(fields) => self.rows(&fields, header.delimiter, depth + 1)?,
            None if inline.is_empty() => self.list_items(depth + 1)?,
            None => return inline_values(inline, header.delimiter, header.len).map_err(at(line)),
        };
        check_count(header.len, &items, line)?;
        if let Some(&(first, _)) = items.first() {
            self.spans.push((first, self.last_number()));
        }
        Ok(Value::Array(items.into_iter().map(|(_, value)| value).collect()))
    }

    /// Tabular rows at `depth`, each with its line number.
    fn rows(&mut self, fields: &[String], delimiter: char, depth: usize) -> Result<Vec<(usize, Value)>, ToonError> {
        let mut rows = Vec::new();
        while let Some(line) = self.next_at(depth, |text| is_row(text, delimiter)) {
            rows.push((line.number, parse_row(line.text, fields, delimiter).map_err(at(line))?));
        }
        Ok(rows)
    }

    /// `- ` items at `depth`, each with its line number.
    fn list_items(&mut self, depth: usize) -> Result<Vec<(usize, Value)>, ToonError> {
        let mut items = Vec::new();
        while let Some(line) = self.next_at(depth, is_list_item) {
            items.push((line.number, self.item(line, depth)?));
        }
        Ok(items)
    }

    /// One list item at `depth` (spec §9.4, §10).
    fn item(&mut self, line: Line<'a>, depth: usize) -> Result<Value, ToonError> {
        let rest = line.text.strip_prefix('-').unwrap_or(line.text).trim_start_matches(' ');
        if rest.is_empty() {
            Ok(Value::Object(Map::new()))
        } else if rest.starts_with('[') && is_field(rest) {
            let header = parse_header(rest).map_err(at(line))?;
            if header.fields.is_some() {
                return Err(ToonError::new(line.number, "a tabular header in a list item needs a key"));
            }
            self.array(line, header, depth)
        } else if is_field(rest) {
            let mut map = Map::new();
            let (key, value) = self.field(line, rest, depth + 1)?;
            map.insert(key, value);
            self.object_body(depth + 1, &mut map)?;
            Ok(Value::Object(map))
        } else {
            parse_value_token(rest).map_err(at(line))
        }
    }
}

fn unexpected_indentation(line: Line<'_>) -> ToonError {
    ToonError::new(line.number, "unexpected indentation")
}

fn insert_field(map: &mut Map<String, Value>, key: String, value: Value, line: Line<'_>) -> Result<(), ToonError> {
    if map.contains_key(&key) {
        return Err(ToonError::new(line.number, format!("duplicate key {}", quote(&key))));
    }
    map.insert(key, value);
    Ok(())
}

/// Errors when the items found are not the `declared` count: at the first extra item, or at the header.
fn check_count(declared: usize, items: &[(usize, Value)], header: Line<'_>) -> Result<(), ToonError> {
    let message = || format!("array declares {declared} items, found {}", items.len());
    match items.get(declared) {
        Some(&(extra, _)) => Err(ToonError::new(extra, message())),
        None if items.len() < declared => Err(ToonError::new(header.number, message())),
        None => Ok(()),
    }
}

fn is_list_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// Whether `text` starts with a key followed by `:` or an array header.
fn is_field(text: &str) -> bool {
    if text.starts_with('"') {
        parse_quoted(text).is_ok_and(|(_, rest)| rest.trim_start_matches(' ').starts_with([':', '[']))
    } else {
        text.contains(':')
    }
}

/// Spec §9.3: a line at row depth is a row unless an unquoted colon comes before the first unquoted delimiter.
fn is_row(text: &str, delimiter: char) -> bool {
    let Ok(marks) = structure(text, delimiter) else {
        return true;
    };
    marks.iter().find(|&&(_, c)| c == delimiter || c == ':').is_none_or(|&(_, c)| c == delimiter)
}

/// The start of a field: its key, then either the text after `:` or the array header (from `[`).
enum KeyPart<'t> {
    Value(String, &'t str),
    /// A header, without a key for `[N]…`.
    Header(Option<String>, &'t str),
}

fn split_key(text: &str) -> Result<KeyPart<'_>, String> {
    if !text.starts_with('"') {
        return split_unquoted_key(text);
    }
    let (key, rest) = parse_quoted(text)?;
    if rest.starts_with('[') {
        Ok(KeyPart::Header(Some(key), rest))
    } else if let Some(value) = rest.trim_start_matches(' ').strip_prefix(':') {
        Ok(KeyPart::Value(key, value))
    } else {
        Err("expected ':' after the key".to_owned())
    }
}

/// An unquoted key is everything before the first colon (spec §7.4), unless an identifier key opens a header.
fn split_unquoted_key(text: &str) -> Result<KeyPart<'_>, String> {
    let stop = text.find([':', '[']).ok_or(EXPECTED_KEY_VALUE)?;
    let (key, rest) = text.split_at(stop);
    if rest.starts_with('[') {
        if key.is_empty() {
            return Ok(KeyPart::Header(None, rest));
        }
        if is_identifier(key) {
            return Ok(KeyPart::Header(Some(key.to_owned()), rest));
        }
    }
    let (key, value) = text.split_once(':').ok_or(EXPECTED_KEY_VALUE)?;
    let key = key.trim_matches(' ');
    if key.is_empty() {
        return Err("missing key before ':'".to_owned());
    }
    Ok(KeyPart::Value(key.to_owned(), value))
}

/// An array header (spec §6) from its `[`: the declared length, the delimiter, the tabular fields and the text
/// after its colon.
struct Header<'t> {
    len: usize,
    delimiter: char,
    fields: Option<Vec<String>>,
    rest: &'t str,
}

fn parse_header(text: &str) -> Result<Header<'_>, String> {
    let (len, after) = parse_length(text.strip_prefix('[').unwrap_or(text))?;
    if after.starts_with(':') {
        return Err("keyed tabular headers ('[N:]') are not supported".to_owned());
    }
    let (delimiter, after) = match after.strip_prefix(['|', '\t']) {
        Some(rest) => (if after.starts_with('|') { '|' } else { '\t' }, rest),
        None => (COMMA, after),
    };
    let after = after.strip_prefix(']').ok_or("malformed array header: expected ']' after the length")?;
    let (fields, after) = match after.strip_prefix('{') {
        Some(list) => parse_fields(list, delimiter).map(|(fields, rest)| (Some(fields), rest))?,
        None => (None, after),
    };
    let rest = after.strip_prefix(':').ok_or("expected ':' after the array header")?;
    Ok(Header { len, delimiter, fields, rest })
}

fn parse_length(text: &str) -> Result<(usize, &str), String> {
    let end = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (digits, rest) = text.split_at(end);
    if digits.is_empty() {
        return Err("array header is missing its length".to_owned());
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return Err(format!("invalid array length '{digits}'"));
    }
    let len = digits.parse().map_err(|_| format!("array length '{digits}' is too large"))?;
    Ok((len, rest))
}

/// The field names of `{…}` (from after the `{`) and the text after the closing `}`.
fn parse_fields(text: &str, delimiter: char) -> Result<(Vec<String>, &str), String> {
    let marks = structure(text, delimiter)?;
    let close = marks.iter().find(|&&(_, c)| c == '{' || c == '}');
    let Some(&(end, '}')) = close else {
        let message = if close.is_some() { "nested field groups are not supported" } else { "expected '}'" };
        return Err(message.to_owned());
    };
    let (list, rest) = text.split_at(end);
    if list.trim_matches(' ').is_empty() {
        return Err("empty field list".to_owned());
    }
    let mut fields: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    for cell in split_cells(list, delimiter)? {
        let name = parse_field_name(cell)?;
        if !seen.insert(name.clone()) {
            return Err(format!("duplicate field {}", quote(&name)));
        }
        fields.push(name);
    }
    Ok((fields, rest.strip_prefix('}').unwrap_or(rest)))
}

fn parse_field_name(cell: &str) -> Result<String, String> {
    if cell.starts_with('"') {
        let (name, rest) = parse_quoted(cell)?;
        return if rest.is_empty() { Ok(name) } else { Err("unexpected characters after a quoted field".to_owned()) };
    }
    if cell.is_empty() {
        return Err("empty field name".to_owned());
    }
    if cell.contains([',', '|', '\t']) {
        return Err("the field list delimiter does not match the header".to_owned());
    }
    Ok(cell.to_owned())
}

/// The values of an inline array: exactly `len` of them.
fn inline_values(text: &str, delimiter: char, len: usize) -> Result<Value, String> {
    let cells = split_cells(text, delimiter)?;
    if cells.len() != len {
        return Err(format!("array declares {len} items, found {}", cells.len()));
    }
    cells.into_iter().map(parse_token).collect::<Result<_, _>>().map(Value::Array)
}

fn parse_row(text: &str, fields: &[String], delimiter: char) -> Result<Value, String> {
    let cells = split_cells(text, delimiter)?;
    if cells.len() != fields.len() {
        return Err(format!("row has {} values, the header declares {} fields", cells.len(), fields.len()));
    }
    let values = cells.into_iter().map(parse_token).collect::<Result<Vec<_>, _>>()?;
    Ok(Value::Object(fields.iter().cloned().zip(values).collect()))
}

/// The byte offsets of the delimiter, `:`, `{` and `}` in `text` outside quoted strings. A quoted string opens
/// only where a token starts: at the beginning, or after one of those characters and optional spaces.
fn structure(text: &str, delimiter: char) -> Result<Vec<(usize, char)>, String> {
    let mut marks = Vec::new();
    let (mut in_quote, mut escaped, mut token_start) = (false, false, true);
    for (index, c) in text.char_indices() {
        if in_quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else {
                in_quote = c != '"';
            }
        } else if c == delimiter || matches!(c, ':' | '{' | '}') {
            marks.push((index, c));
            token_start = true;
        } else if c != ' ' {
            in_quote = c == '"' && token_start;
            token_start = false;
        }
    }
    if in_quote { Err(UNTERMINATED.to_owned()) } else { Ok(marks) }
}

/// `text` split on the unquoted `delimiter`, each cell trimmed of spaces.
fn split_cells(text: &str, delimiter: char) -> Result<Vec<&str>, String> {
    let mut cells = Vec::new();
    let mut start = 0;
    for (index, c) in structure(text, delimiter)? {
        if c == delimiter {
            cells.push(text.get(start..index).unwrap_or_default().trim_matches(' '));
            start = index + c.len_utf8();
        }
    }
    cells.push(text.get(start..).unwrap_or_default().trim_matches(' '));
    Ok(cells)
}

/// A field value or list item token: `[]` is an empty array, anything else a primitive.
fn parse_value_token(token: &str) -> Result<Value, String> {
    if token == "[]" { Ok(Value::Array(Vec::new())) } else { parse_token(token) }
}

/// A primitive token (spec §4): a quoted string, `true`, `false`, `null`, a number, or else a bare string.
fn parse_token(token: &str) -> Result<Value, String> {
    if token.starts_with('"') {
        let (text, rest) = parse_quoted(token)?;
        return if rest.trim_matches(' ').is_empty() {
            Ok(Value::String(text))
        } else {
            Err("unexpected characters after the closing quote".to_owned())
        };
    }
    Ok(match token {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        _ if is_number(token) => Value::Number(parse_number(token)?),
        _ => Value::String(token.to_owned()),
    })
}

/// Spec §4: `-?digits[.digits][(e|E)[+|-]digits]` without a leading zero in a multi-digit integer part.
fn is_number(token: &str) -> bool {
    number_shape(token.strip_prefix('-').unwrap_or(token)).is_some_and(|int| int == "0" || !int.starts_with('0'))
}

/// An integer as `u64` or `i64` when it fits, else the closest `f64`.
fn parse_number(token: &str) -> Result<Number, String> {
    if !token.contains(['.', 'e', 'E']) {
        if let Ok(unsigned) = token.parse::<u64>() {
            return Ok(Number::from(unsigned));
        }
        if let Ok(signed) = token.parse::<i64>() {
            return Ok(Number::from(signed));
        }
    }
    token.parse().ok().and_then(Number::from_f64).ok_or_else(|| format!("number '{token}' is out of range"))
}

/// A quoted string from its opening quote (spec §7.1): the unescaped text and what follows the closing quote.
fn parse_quoted(text: &str) -> Result<(String, &str), String> {
    let mut out = String::new();
    let mut chars = text.char_indices().skip(1);
    while let Some((index, c)) = chars.next() {
        match c {
            '"' => return Ok((out, text.get(index + 1..).unwrap_or_default())),
            '\\' => {
                let (_, escape) = chars.next().ok_or(UNTERMINATED)?;
                out.push(unescape(escape, &mut chars)?);
            }
            '\t' => out.push(c),
            c if c < ' ' => return Err(format!("control character U+{:04X} must be escaped", u32::from(c))),
            c => out.push(c),
        }
    }
    Err(UNTERMINATED.to_owned())
}

fn unescape(escape: char, chars: &mut impl Iterator<Item = (usize, char)>) -> Result<char, String> {
    match escape {
        '\\' => Ok('\\'),
        '"' => Ok('"'),
        'n' => Ok('\n'),
        'r' => Ok('\r'),
        't' => Ok('\t'),
        'u' => unicode_escape(chars),
        other => Err(format!("invalid escape sequence '\\{other}'")),
    }
}

/// The character of a `\uXXXX` escape, after the `u`; surrogates are refused.
fn unicode_escape(chars: &mut impl Iterator<Item = (usize, char)>) -> Result<char, String> {
    let mut code = 0;
    for _ in 0..4 {
        let digit = chars.next().and_then(|(_, c)| c.to_digit(16));
        code = code * 16 + digit.ok_or("invalid \\u escape: expected 4 hex digits")?;
    }
    char::from_u32(code).ok_or_else(|| format!("invalid \\u escape: U+{code:04X} is a lone surrogate"))
}

#[cfg(test)]
pub(crate) mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    fn error(text: &str) -> (usize, String) {
        let error = decode(text).unwrap_err();
        (error.line, error.message)
    }

    fn agent() -> Value {
        json!({
            "id": 7,
            "name": "support-bot",
            "model": "gpt-4o",
            "temperature": 0.2,
            "active": true,
            "description": null,
            "tools": ["calculator", "web_search"],
            "limits": {"max_tokens": 1024, "stop": []},
            "examples": [{"q": "2+2", "a": "4"}, {"q": "hi, there", "a": "hello"}],
            "steps": [{"name": "plan"}, {"name": "act", "args": ["x"]}, "done", ["a", "b"], {}],
            "system prompt": "Be brief.\nAnswer: in English.",
        })
    }

    const AGENT_TOON: &str = r#"id: 7
name: support-bot
model: gpt-4o
temperature: 0.2
active: true
description: null
tools[2]: calculator,web_search
limits:
  max_tokens: 1024
  stop[0]:
examples[2]{q,a}:
  2+2,"4"
  "hi, there",hello
steps[5]:
  - name: plan
  - name: act
    args[1]: x
  - done
  - [2]: a,b
  -
"system prompt": "Be brief.\nAnswer: in English.""#;

    #[test]
    fn encodes_an_agent_as_the_expected_document() {
        assert_eq!(encode(&agent()), AGENT_TOON);
    }

    #[test]
    fn decodes_the_agent_document_back() {
        assert_eq!(decode(AGENT_TOON), Ok(agent()));
    }

    #[test]
    fn quotes_strings_only_when_needed() {
        let value = json!({
            "plain": "hello world", "unicode": "héllo 🦀", "inner-dash": "a-b", "dot": "v1.2.3",
            "empty": "", "lead": " x", "trail": "x ", "bool": "true", "null": "null", "int": "12",
            "float": "-1.5e3", "zero": "05", "plus": "+1", "dash": "-", "item": "- x", "hash": "#tag",
            "colon": "a:b", "comma": "a,b", "quote": "say \"hi\"", "slash": "a\\b", "brackets": "[]",
            "control": "bell\u{7}", "tab": "a\tb",
        });
        let expected = r##"plain: hello world
unicode: héllo 🦀
"inner-dash": a-b
dot: v1.2.3
empty: ""
lead: " x"
trail: "x "
bool: "true"
null: "null"
int: "12"
float: "-1.5e3"
zero: "05"
plus: "+1"
dash: "-"
item: "- x"
hash: "#tag"
colon: "a:b"
comma: "a,b"
quote: "say \"hi\""
slash: "a\\b"
brackets: "[]"
control: "bell\u0007"
tab: "a\tb""##;
        assert_eq!(encode(&value), expected);
        assert_eq!(decode(expected), Ok(value));
    }

    #[test]
    fn numbers_keep_their_exact_value_and_kind() {
        let value = json!({
            "u": u64::MAX, "i": i64::MIN, "zero": 0, "neg_zero": -0.0, "tenth": 0.1, "one": 1.0,
            "huge": 1e300, "tiny": 5e-324, "big": 1e20, "limit": 1e21, "small": 1e-6, "smaller": 1.5e-7,
            "max": f64::MAX,
        });
        let text = encode(&value);
        let expected = "u: 18446744073709551615\ni: -9223372036854775808\nzero: 0\nneg_zero: -0.0\ntenth: 0.1\n\
                        one: 1.0\nhuge: 1e+300\ntiny: 5e-324\nbig: 100000000000000000000.0\nlimit: 1e+21\n\
                        small: 0.000001\nsmaller: 1.5e-7\nmax: 1.7976931348623157e+308";
        assert_eq!(text, expected);
        let decoded = decode(&text).unwrap();
        assert_eq!(decoded, value);
        assert_eq!(decoded["neg_zero"].as_f64().map(f64::is_sign_negative), Some(true));
        assert!(decoded["one"].is_f64());
    }

    #[test]
    fn decodes_numbers_per_the_spec_grammar() {
        let text = "a: 1.5000\nb: -1E+03\nc: 05\nd: .5\ne: 1.\nf: +5\ng: 0.5\nh: 1e999\n";
        assert_eq!(error(text), (8, "number '1e999' is out of range".to_owned()));
        let value = decode(text.replace("1e999", "99999999999999999999").as_str()).unwrap();
        assert_eq!(
            value,
            json!({"a": 1.5, "b": -1000.0, "c": "05", "d": ".5", "e": "1.", "f": "+5", "g": 0.5, "h": 1e20})
        );
    }

    #[test]
    fn decodes_tabular_arrays() {
        let text = "users[2]{id,\"full name\",active}:\n  1,Ada Lovelace,true\n  2,\"Hopper, Grace\",null\ncount: 2";
        let expected = json!({
            "users": [
                {"id": 1, "full name": "Ada Lovelace", "active": true},
                {"id": 2, "full name": "Hopper, Grace", "active": null},
            ],
            "count": 2,
        });
        assert_eq!(decode(text), Ok(expected));
    }

    #[test]
    fn decodes_tab_and_pipe_delimiters() {
        let text = "a[3|]: x|y,z|\"w|v\"\nb[2\t]{k\tv}:\n  1\t2,3\n  \"4\"\tfive";
        let expected = json!({"a": ["x", "y,z", "w|v"], "b": [{"k": 1, "v": "2,3"}, {"k": "4", "v": "five"}]});
        assert_eq!(decode(text), Ok(expected));
    }

    #[test]
    fn decodes_list_arrays() {
        let text = "\
items[6]:
  - 1
  - id: 2
    tags[2]: a,b
    meta:
      ok: true
  - users[2]{id,name}:
      1,Ada
      2,Bob
    status: active
  - [2]:
    - x: 1
    - [0]:
  - []
  -
";
        let expected = json!({"items": [
            1,
            {"id": 2, "tags": ["a", "b"], "meta": {"ok": true}},
            {"users": [{"id": 1, "name": "Ada"}, {"id": 2, "name": "Bob"}], "status": "active"},
            [{"x": 1}, []],
            [],
            {},
        ]});
        assert_eq!(decode(text), Ok(expected));
    }

    #[test]
    fn encodes_nested_list_shapes() {
        let value = json!({
            "items": [{"users": [{"id": 1}, {"id": 2}], "status": "ok"}, [[1], [{"a": 1}]]],
            "rows": [{"a": 1, "b": 2}, {"b": 3, "a": 4}],
            "mixed": [{"a": 1}, {"a": [1]}, {"a": {"b": null}}],
        });
        let expected = "\
items[2]:
  - users[2]{id}:
      1
      2
    status: ok
  - [2]:
    - [1]: 1
    - [1]:
      - a: 1
rows[2]:
  - a: 1
    b: 2
  - b: 3
    a: 4
mixed[3]:
  - a: 1
  - a[1]: 1
  - a:
      b: null";
        let text = encode(&value);
        assert_eq!(text, expected);
        let decoded = decode(&text).unwrap();
        assert_eq!(decoded.to_string(), value.to_string());
    }

    #[test]
    fn decodes_crlf_comments_blank_lines_and_a_trailing_newline() {
        let text = "# agent\r\nname: bot\r\n\r\nlimits:\r\n\r\n  # nested\r\n  max: 3\r\ntags: []\r\n";
        assert_eq!(decode(text), Ok(json!({"name": "bot", "limits": {"max": 3}, "tags": []})));
    }

    #[test]
    fn decodes_other_roots() {
        assert_eq!(decode(""), Ok(json!({})));
        assert_eq!(decode("\n# only a comment\n"), Ok(json!({})));
        assert_eq!(decode("hello"), Ok(json!("hello")));
        assert_eq!(decode("[abc"), Ok(json!("[abc")));
        assert_eq!(decode("l[2]:\n  - [abc\n  - x]"), Ok(json!({"l": ["[abc", "x]"]})));
        assert_eq!(decode("\"a:b\""), Ok(json!("a:b")));
        assert_eq!(decode("[]"), Ok(json!([])));
        assert_eq!(decode("[3]: 1,x,\"3\""), Ok(json!([1, "x", "3"])));
        assert_eq!(decode("[2]{a}:\n  1\n  2"), Ok(json!([{"a": 1}, {"a": 2}])));
        for value in [json!([]), json!([1, [2], {"a": []}]), json!([{"a": 1}]), json!("- x"), json!(-0.0), json!({})] {
            assert_eq!(decode(&encode(&value)), Ok(value));
        }
    }

    #[test]
    fn reports_the_line_at_fault() {
        let cases = [
            ("a: 1\nb\n", 2, "expected 'key: value'"),
            ("a: 1\nitems[3]: x,y", 2, "array declares 3 items, found 2"),
            ("list[1]:\n  - a\n  - b", 3, "array declares 1 items, found 2"),
            ("list[3]:\n  - a\n  - b\nnext: 1", 1, "array declares 3 items, found 2"),
            ("t[1]{a,b}:\n  1,2,3", 2, "row has 3 values, the header declares 2 fields"),
            ("a:\n  b: \"open", 2, "unterminated string"),
            ("a: \"bad \\x\"", 1, "invalid escape sequence '\\x'"),
            ("a: \"\\ud800\"", 1, "invalid \\u escape: U+D800 is a lone surrogate"),
            ("a: 1\n   b: 2", 2, "indentation of 3 spaces is not a multiple of 2"),
            ("a:\n\tb: 2", 2, "tabs are not allowed in indentation"),
            ("a: 1\n  b: 2", 2, "unexpected indentation"),
            ("a:\n    b: 2", 2, "unexpected indentation"),
            ("a: 1\nb: 2\na: 3", 3, "duplicate key \"a\""),
            ("list[2]:\n  - a\n\n  - b", 3, "blank line inside an array"),
            ("t[2]{a}:\n  1\n\n  2", 3, "blank line inside an array"),
            ("a[2:]{x}:\n  k: 1\n  j: 2", 1, "keyed tabular headers ('[N:]') are not supported"),
            ("a[2]{x{y}}:\n  1\n  2", 1, "nested field groups are not supported"),
            ("a[02]: x,y", 1, "invalid array length '02'"),
            ("a[]: x", 1, "array header is missing its length"),
            ("a[1]x: y", 1, "expected ':' after the array header"),
            ("a[1]{x}: 1", 1, "unexpected content after a tabular header"),
            ("a: 1\n[1]: x", 2, "an array header needs a key here"),
            ("[1]: x\nb: 2", 2, "unexpected content after the root array"),
            ("a: \"x\" y", 1, "unexpected characters after the closing quote"),
            ("a: 1\n\"k\" 1", 2, "expected ':' after the key"),
        ];
        for (text, line, message) in cases {
            assert_eq!(error(text), (line, message.to_owned()), "{text:?}");
        }
    }

    #[test]
    fn errors_display_the_line() {
        let error = decode("a: 1\nb").unwrap_err();
        assert_eq!(error.to_string(), "Invalid TOON at line 2: expected 'key: value'");
    }

    #[test]
    fn refuses_nesting_beyond_the_limit_without_overflowing() {
        let nested = |levels: usize| (0..levels).map(|depth| format!("{}k:", INDENT.repeat(depth))).collect::<Vec<_>>();
        assert!(decode(&nested(MAX_DEPTH + 1).join("\n")).is_ok());
        assert_eq!(error(&nested(MAX_DEPTH + 2).join("\n")).0, MAX_DEPTH + 2);
    }

    const SPECIAL: &[&str] = &[
        "",
        " ",
        "true",
        "false",
        "null",
        "12",
        "-12",
        "1.5",
        "1e5",
        "05",
        "+1",
        "-",
        "- x",
        "-x",
        "#",
        "# c",
        "[]",
        "{}",
        "[2]: a",
        "a: b",
        "a,b",
        "x|y",
        "\"",
        "\\",
        " lead",
        "trail ",
        "é",
        "🦀 crab",
        "\u{0}",
        "line\nbreak",
        "cr\r",
        "tab\there",
        "\u{a0}nbsp",
        "a\"b",
        "tools[0]:",
    ];

    /// Strings that TOON must quote or escape, and arbitrary ones: for the property tests of TOON documents.
    pub(crate) fn tricky_string() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => proptest::sample::select(SPECIAL).prop_map(str::to_owned),
            3 => "[a-z0-9 .eE+:,\"\\\\#\\[\\]{}|\t\n\r-]{0,10}",
            2 => any::<String>(),
            1 => "[\\x00-\\x1f\\x7f é🦀\u{a0}\u{2028}]{0,6}",
        ]
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof!["[a-z_][a-z0-9_.]{0,6}", tricky_string()]
    }

    fn float() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<f64>().prop_filter("finite", |f| f.is_finite()),
            proptest::sample::select(vec![-0.0, 0.0, 0.1, 1.0, 1e300, -1e-300, 5e-324, f64::MAX, 1e21, 1e20, 1e-7]),
        ]
    }

    fn primitive() -> BoxedStrategy<Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            float().prop_map(Value::from),
            tricky_string().prop_map(Value::String),
        ]
        .boxed()
    }

    /// Arrays of objects with the same keys in the same order and primitive values.
    fn table() -> BoxedStrategy<Value> {
        proptest::collection::vec(key(), 1..4)
            .prop_flat_map(|mut keys| {
                keys.sort();
                keys.dedup();
                let width = keys.len();
                proptest::collection::vec(proptest::collection::vec(primitive(), width), 1..4).prop_map(move |rows| {
                    let object = |row: Vec<Value>| Value::Object(keys.iter().cloned().zip(row).collect());
                    Value::Array(rows.into_iter().map(object).collect())
                })
            })
            .boxed()
    }

    fn object(depth: u32) -> BoxedStrategy<Value> {
        proptest::collection::vec((key(), value(depth)), 0..5)
            .prop_map(|fields| Value::Object(fields.into_iter().collect()))
            .boxed()
    }

    fn value(depth: u32) -> BoxedStrategy<Value> {
        let Some(inner) = depth.checked_sub(1) else {
            return primitive();
        };
        prop_oneof![
            3 => primitive(),
            2 => object(inner),
            2 => proptest::collection::vec(primitive(), 0..4).prop_map(Value::Array),
            2 => table(),
            2 => proptest::collection::vec(value(inner), 0..4).prop_map(Value::Array),
        ]
        .boxed()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn objects_round_trip(value in object(3)) {
            let text = encode(&value);
            prop_assert!(!text.ends_with('\n') && text.lines().all(|line| !line.ends_with(' ')), "{}", text);
            let decoded = decode(&text);
            prop_assert_eq!(&decoded, &Ok(value.clone()), "{}", text);
            let decoded_json = decoded.map(|decoded| decoded.to_string()).unwrap_or_default();
            prop_assert_eq!(decoded_json, value.to_string());
        }

        #[test]
        fn crlf_documents_decode_the_same(value in object(2)) {
            let text = encode(&value).replace('\n', "\r\n") + "\r\n";
            prop_assert_eq!(decode(&text), Ok(value));
        }

        #[test]
        fn decode_never_panics(text in any::<String>()) {
            let _ = decode(&text);
        }

        #[test]
        fn decode_never_panics_on_toon_like_text(text in "([ ]{0,5}(- )?[a-z\"\\[\\]{}0-9#|:,\\\\-]{0,8}[ ]?[a-z\"0-9,:]{0,5}\r?\n){0,8}") {
            let _ = decode(&text);
        }

        #[test]
        fn truncated_documents_never_panic(value in object(2), cut in any::<prop::sample::Index>()) {
            let text = encode(&value);
            let end = (0..=cut.index(text.len() + 1)).rev().find(|&end| text.is_char_boundary(end)).unwrap_or(0);
            let _ = decode(text.get(..end).unwrap_or_default());
        }
    }
}
