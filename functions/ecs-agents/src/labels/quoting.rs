//! Jenkins' quoting helpers (`hudson.util.QuotedStringTokenizer`) and their inverses.
//!
//! Jenkins uses one class for three jobs with three slightly different rule sets:
//! `unquote` for string literals and for the outer quotes `Jenkins.getLabel` strips,
//! the tokenizer for a node's `labelString`, and `quote` for printing atoms. Their
//! quirks are reproduced here because label names must come out byte-for-byte equal.

/// What `Util.fixEmptyAndTrim` turns into `null`: empty after Java's `trim()`.
pub(super) fn is_blank(text: &str) -> bool {
    text.chars().all(|c| c <= ' ')
}

/// `QuotedStringTokenizer.unquote`: if `s` starts and ends with the same quote character
/// (`"` or `'`), drop both and decode backslash escapes; otherwise return `s` unchanged.
///
/// Java works on UTF-16 code units, and so do we, which keeps its odd `\u` handling
/// identical: it reads the `u` itself as the first "hex digit" (worth 0), takes the low
/// byte of each unit, keeps only the last two digits' worth of value, and skips one
/// character after the four it read. Where Java would read past the end and throw,
/// missing digits count as 0 here.
pub(super) fn unquote(s: &str) -> String {
    let units: Vec<u16> = s.encode_utf16().collect();
    let quote = match units.as_slice() {
        [first, .., last] if first == last => *first,
        _ => return s.to_owned(),
    };
    if quote != u16::from(b'"') && quote != u16::from(b'\'') {
        return s.to_owned();
    }
    let end = units.len() - 1;
    let mut out = Vec::with_capacity(end);
    let mut escape = false;
    let mut i = 1;
    while i < end {
        let c = units[i];
        if escape {
            escape = false;
            out.push(match ascii(c) {
                Some('n') => u16::from(b'\n'),
                Some('r') => u16::from(b'\r'),
                Some('t') => u16::from(b'\t'),
                Some('f') => 0x0c,
                Some('b') => 0x08,
                Some('u') => {
                    let digit = |j: usize| units.get(j).map_or(0, |&u| hex_digit(u));
                    // (char) ((d0 << 24) + (d1 << 16) + (d2 << 8) + d3) keeps d2 and d3.
                    let value = (digit(i + 2) << 8) + digit(i + 3);
                    i += 4;
                    value
                }
                _ => c,
            });
        } else if c == u16::from(b'\\') {
            escape = true;
        } else {
            out.push(c);
        }
        i += 1;
    }
    String::from_utf16_lossy(&out)
}

fn ascii(unit: u16) -> Option<char> {
    u8::try_from(unit).ok().filter(u8::is_ascii).map(char::from)
}

/// `QuotedStringTokenizer.convertHexDigit((byte) c)`: the low byte as a hex digit, else 0.
fn hex_digit(unit: u16) -> u16 {
    let byte = (unit & 0xff) as u8;
    char::from(byte).to_digit(16).map_or(0, |d| d as u16)
}

/// Delimiters of `new QuotedStringTokenizer(labelString)`.
const DELIMITERS: &str = " \t\n\r";

/// After a backslash, these stand for themselves; before anything else the backslash stays.
const ESCAPABLE: &str = "\\\"' ";

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Between,
    Bare,
    Quoted(char),
}

/// Splits a node's `labelString` into atoms as `Label.parse` does.
///
/// Whitespace (space, tab, CR, LF) separates atoms; `"…"` and `'…'` may quote parts of an
/// atom (so `"my label"` is one atom and `""` is the empty atom); a backslash escapes a
/// backslash, quote or space and is otherwise kept; an unterminated quote runs to the end.
pub(super) fn tokenize(s: &str) -> Vec<String> {
    let mut atoms = Vec::new();
    let mut atom = String::new();
    let mut has_atom = false;
    let mut escape = false;
    let mut state = State::Between;
    for c in s.chars() {
        if state == State::Between {
            match c {
                _ if DELIMITERS.contains(c) => {}
                '\'' | '"' => state = State::Quoted(c),
                _ => {
                    atom.push(c);
                    has_atom = true;
                    state = State::Bare;
                }
            }
            continue;
        }
        // Jenkins marks a token as found only once a character after an opening quote is
        // seen, so a lone trailing `"` yields nothing while `""` yields the empty atom.
        has_atom = true;
        if escape {
            escape = false;
            if !ESCAPABLE.contains(c) {
                atom.push('\\');
            }
            atom.push(c);
        } else if c == '\\' {
            escape = true;
        } else if state == State::Quoted(c) {
            state = State::Bare;
        } else if state == State::Bare && DELIMITERS.contains(c) {
            atoms.push(std::mem::take(&mut atom));
            has_atom = false;
            state = State::Between;
        } else if state == State::Bare && (c == '"' || c == '\'') {
            state = State::Quoted(c);
        } else {
            atom.push(c);
        }
    }
    if has_atom {
        atoms.push(atom);
    }
    atoms
}

/// Writes `atom` so that [`tokenize`] reads it back as exactly one atom.
pub(super) fn write_label(atom: &str, out: &mut String) {
    let plain = !atom.is_empty()
        && !atom
            .chars()
            .any(|c| DELIMITERS.contains(c) || matches!(c, '"' | '\'' | '\\'));
    if plain {
        out.push_str(atom);
        return;
    }
    // Inside double quotes only `"` and `\` are special; whitespace is kept as is.
    out.push('"');
    for c in atom.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}
