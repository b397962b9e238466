//! The tokens of `LabelExpressionLexer.g4`, produced one at a time on demand.
//!
//! Jenkins' ANTLR lexer runs lazily: a token is only read when the parser looks at it,
//! and the first error (lexer or parser) aborts the parse. Which of two errors Jenkins
//! reports therefore depends on when tokens are fetched, so [`TokenStream`] fetches
//! them exactly when ANTLR's `CommonTokenStream` would.

use std::fmt;

use super::LabelParseError;

/// Token types, declared in ANTLR's numbering order so that sets list them the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Eof,
    And,
    Or,
    Not,
    Implies,
    Iff,
    LParen,
    RParen,
    Atom,
    Str,
}

impl Kind {
    const ALL: [Kind; 10] = [
        Kind::Eof,
        Kind::And,
        Kind::Or,
        Kind::Not,
        Kind::Implies,
        Kind::Iff,
        Kind::LParen,
        Kind::RParen,
        Kind::Atom,
        Kind::Str,
    ];

    /// ANTLR's vocabulary display name: the literal if the token has one, else its symbol.
    fn display_name(self) -> &'static str {
        match self {
            Kind::Eof => "<EOF>",
            Kind::And => "'&&'",
            Kind::Or => "'||'",
            Kind::Not => "'!'",
            Kind::Implies => "'->'",
            Kind::Iff => "'<->'",
            Kind::LParen => "'('",
            Kind::RParen => "')'",
            Kind::Atom => "ATOM",
            Kind::Str => "STRINGLITERAL",
        }
    }
}

/// A set of token kinds, printed like ANTLR's `IntervalSet.toString(vocabulary)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct TokSet(u16);

impl TokSet {
    pub(super) const EMPTY: TokSet = TokSet(0);

    pub(super) const fn of(kinds: &[Kind]) -> TokSet {
        let mut bits = 0;
        let mut i = 0;
        while i < kinds.len() {
            bits |= 1 << kinds[i] as u16;
            i += 1;
        }
        TokSet(bits)
    }

    pub(super) fn contains(self, kind: Kind) -> bool {
        self.0 & (1 << kind as u16) != 0
    }

    pub(super) fn union(self, other: TokSet) -> TokSet {
        TokSet(self.0 | other.0)
    }
}

impl fmt::Display for TokSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<_> = Kind::ALL
            .into_iter()
            .filter(|k| self.contains(*k))
            .map(Kind::display_name)
            .collect();
        match names.as_slice() {
            [one] => f.write_str(one),
            many => write!(f, "{{{}}}", many.join(", ")),
        }
    }
}

/// One token with its raw text and where it starts.
#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) kind: Kind,
    /// The matched text; `<EOF>` for the end, quotes included for string literals.
    pub(super) text: String,
    pub(super) line: usize,
    pub(super) column: usize,
}

impl Token {
    /// ANTLR's `getTokenErrorDisplay`: the text in single quotes, whitespace escaped.
    pub(super) fn error_display(&self) -> String {
        format!("'{}'", escape_ws(&self.text))
    }
}

/// ANTLR shows newlines, carriage returns and tabs in error messages as `\n`, `\r`, `\t`.
fn escape_ws(text: &str) -> String {
    text.replace('\n', "\\n")
        .replace('\r', "\\r")
        .replace('\t', "\\t")
}

/// Characters an atom may contain; `-` only when no `>` follows (JENKINS-66613).
fn is_atom_char(c: char, next: Option<char>) -> bool {
    match c {
        '&' | '|' | '!' | '<' | '>' | '(' | ')' | ' ' | '\t' | '"' | '\'' => false,
        '-' => next != Some('>'),
        _ => true,
    }
}

/// Turns characters into tokens, tracking ANTLR's line and column.
struct Lexer {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    column: usize,
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn advance(&mut self, n: usize) {
        for &c in &self.chars[self.pos..self.pos + n] {
            if c == '\n' {
                self.line += 1;
                self.column = 0;
            } else {
                self.column += 1;
            }
        }
        self.pos += n;
    }

    /// Matches a fixed token text; on failure, the offset of the first wrong character.
    fn literal(&self, text: &str) -> Result<usize, usize> {
        for (i, expected) in text.chars().enumerate() {
            if self.peek(i) != Some(expected) {
                return Err(i);
            }
        }
        Ok(text.chars().count())
    }

    /// Scans a string literal; on failure, the offset of the character that broke it.
    fn string_literal(&self) -> Result<usize, usize> {
        let mut n = 1;
        loop {
            match self.peek(n) {
                None | Some('\r' | '\n') => return Err(n),
                Some('"') => return Ok(n + 1),
                Some('\\') => match self.peek(n + 1) {
                    Some('b' | 't' | 'n' | 'f' | 'r' | '"' | '\'' | '\\') => n += 2,
                    _ => return Err(n + 1),
                },
                Some(_) => n += 1,
            }
        }
    }

    fn atom(&self) -> usize {
        let mut n = 0;
        while let Some(c) = self.peek(n) {
            if !is_atom_char(c, self.peek(n + 1)) {
                break;
            }
            n += 1;
        }
        n
    }

    fn next_token(&mut self) -> Result<Token, LabelParseError> {
        while let Some(' ' | '\t') = self.peek(0) {
            self.advance(1);
        }
        let (line, column) = (self.line, self.column);
        let Some(first) = self.peek(0) else {
            let text = "<EOF>".to_owned();
            return Ok(Token {
                kind: Kind::Eof,
                text,
                line,
                column,
            });
        };
        let (kind, scanned) = match first {
            '&' => (Kind::And, self.literal("&&")),
            '|' => (Kind::Or, self.literal("||")),
            '<' => (Kind::Iff, self.literal("<->")),
            '!' => (Kind::Not, Ok(1)),
            '(' => (Kind::LParen, Ok(1)),
            ')' => (Kind::RParen, Ok(1)),
            '-' if self.peek(1) == Some('>') => (Kind::Implies, Ok(2)),
            '"' => (Kind::Str, self.string_literal()),
            '\'' | '>' => (Kind::Atom, Err(0)),
            _ => (Kind::Atom, Ok(self.atom())),
        };
        match scanned {
            Ok(len) => {
                let text = self.chars[self.pos..self.pos + len].iter().collect();
                self.advance(len);
                Ok(Token {
                    kind,
                    text,
                    line,
                    column,
                })
            }
            // ANTLR reports the text from the token start up to and including the
            // character it could not use (or up to the end of the input).
            Err(failed_at) => {
                let end = (self.pos + failed_at + 1).min(self.chars.len());
                let text: String = self.chars[self.pos..end].iter().collect();
                let message = format!("token recognition error at: '{}'", escape_ws(&text));
                Err(LabelParseError {
                    line,
                    column,
                    message,
                })
            }
        }
    }
}

/// ANTLR's `CommonTokenStream`: buffered tokens, fetched no earlier than ANTLR fetches them.
pub(super) struct TokenStream {
    lexer: Lexer,
    tokens: Vec<Token>,
    /// Index of the current token (`LT(1)`).
    p: usize,
}

impl TokenStream {
    /// Creating the parser already reads the first token, so its errors come first.
    pub(super) fn new(text: &str) -> Result<TokenStream, LabelParseError> {
        let chars = text.chars().collect();
        let lexer = Lexer {
            chars,
            pos: 0,
            line: 1,
            column: 0,
        };
        let mut stream = TokenStream {
            lexer,
            tokens: Vec::new(),
            p: 0,
        };
        stream.fill(0)?;
        Ok(stream)
    }

    /// Makes sure token `i` has been read, unless the end came first.
    fn fill(&mut self, i: usize) -> Result<(), LabelParseError> {
        while self.tokens.len() <= i {
            if self.tokens.last().is_some_and(|t| t.kind == Kind::Eof) {
                break;
            }
            let token = self.lexer.next_token()?;
            self.tokens.push(token);
        }
        Ok(())
    }

    /// The `k`-th token ahead (`LT(k)`, `k >= 1`); past the end it is the end token.
    pub(super) fn lt(&mut self, k: usize) -> Result<&Token, LabelParseError> {
        let i = self.p + k - 1;
        self.fill(i)?;
        let last = self.tokens.len() - 1;
        Ok(&self.tokens[i.min(last)])
    }

    /// The kind of the `k`-th token ahead (`LA(k)`).
    pub(super) fn la(&mut self, k: usize) -> Result<Kind, LabelParseError> {
        Ok(self.lt(k)?.kind)
    }

    /// Moves past the current token; ANTLR reads the following one straight away.
    pub(super) fn consume(&mut self) -> Result<(), LabelParseError> {
        self.p += 1;
        self.fill(self.p)
    }
}
