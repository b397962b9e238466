//! A recursive-descent parser for `LabelExpressionParser.g4` that fails like ANTLR does.
//!
//! ```text
//! expr  : term1 EOF ;
//! term1 : term2 ( IFF term2 )* ;        // <->, left-associative
//! term2 : term3 ( IMPLIES term3 )? ;    // ->, at most one per level
//! term3 : term4 ( OR term4 )* ;
//! term4 : term5 ( AND term5 )* ;
//! term5 : term6 | NOT term6 ;           // one ! per operand
//! term6 : LPAREN term1 RPAREN | ATOM | STRINGLITERAL ;
//! ```
//!
//! Jenkins installs an error listener that throws on the first report, so only ANTLR's
//! *first* error matters. To word it the same way we mirror the generated parser's
//! error strategy: its `sync` calls before loops and alternatives, single-token
//! deletion and insertion in `match`, and the expected-token sets it computes from the
//! rule invocation stack (including the context `sync` remembers when a loop could
//! have exited).

use super::lexer::{Kind, TokSet, Token, TokenStream};
use super::quoting::unquote;
use super::{LabelExpr, LabelParseError, MAX_DEPTH, MAX_NESTING};

type Result<T> = std::result::Result<T, LabelParseError>;

/// Where a rule was invoked from: the grammar position it returns to.
#[derive(Debug, Clone, Copy)]
enum Site {
    /// `term1` inside `expr`.
    Expr,
    /// `term2` inside `term1`.
    Term1,
    /// The first `term3` inside `term2`.
    Term2Left,
    /// The `term3` after `->` inside `term2`.
    Term2Right,
    /// `term4` inside `term3`.
    Term3,
    /// `term5` inside `term4`.
    Term4,
    /// `term6` inside `term5`.
    Term5,
    /// `term1` between parentheses inside `term6`.
    Term6,
}

impl Site {
    /// Tokens that may follow the call within the calling rule, and whether the calling
    /// rule may end right there (ANTLR's epsilon).
    fn follow(self) -> (TokSet, bool) {
        match self {
            Site::Expr => (TokSet::of(&[Kind::Eof]), false),
            Site::Term1 => (TokSet::of(&[Kind::Iff]), true),
            Site::Term2Left => (TokSet::of(&[Kind::Implies]), true),
            Site::Term2Right | Site::Term5 => (TokSet::EMPTY, true),
            Site::Term3 => (TokSet::of(&[Kind::Or]), true),
            Site::Term4 => (TokSet::of(&[Kind::And]), true),
            Site::Term6 => (TokSet::of(&[Kind::RParen]), false),
        }
    }
}

/// ANTLR's `ATN.getExpectedTokens`: `set`, plus, if the current rule may end, whatever
/// may follow it in the invoking rules up the stack.
fn follow_up(mut set: TokSet, stack: &[Site]) -> TokSet {
    for site in stack.iter().rev() {
        let (follow, may_end) = site.follow();
        set = set.union(follow);
        if !may_end {
            return set;
        }
    }
    set.union(TokSet::of(&[Kind::Eof]))
}

/// A subtree and its depth, so that absurdly deep input is refused before it hurts.
struct Parsed {
    expr: LabelExpr,
    depth: usize,
}

/// Parses a complete expression.
pub(super) fn parse(text: &str) -> Result<LabelExpr> {
    let tokens = TokenStream::new(text)?;
    let mut parser = Parser {
        tokens,
        stack: Vec::new(),
        remembered: None,
        open_parens: 0,
    };
    Ok(parser.expr()?.expr)
}

struct Parser {
    tokens: TokenStream,
    /// The rule invocation stack, outermost first.
    stack: Vec<Site>,
    /// What `sync` remembered when a loop saw a token it could not continue with
    /// (ANTLR's `nextTokensState`/`nextTokensContext`): the loop's own tokens and the stack.
    remembered: Option<(TokSet, Vec<Site>)>,
    /// How many parentheses are open around the current position.
    open_parens: usize,
}

fn error(token: &Token, message: String) -> LabelParseError {
    LabelParseError {
        line: token.line,
        column: token.column,
        message,
    }
}

impl Parser {
    fn call(&mut self, site: Site, rule: fn(&mut Parser) -> Result<Parsed>) -> Result<Parsed> {
        self.stack.push(site);
        let parsed = rule(self);
        self.stack.pop();
        parsed
    }

    /// Builds a node one level above a child `depth` deep, refusing trees deeper than
    /// [`MAX_DEPTH`].
    fn node(&mut self, expr: LabelExpr, depth: usize) -> Result<Parsed> {
        if depth >= MAX_DEPTH {
            return self.refuse(format!("expression nested deeper than {MAX_DEPTH} levels"));
        }
        Ok(Parsed {
            expr,
            depth: depth + 1,
        })
    }

    /// Fails at the current token with our own message (for limits ANTLR does not have).
    fn refuse<T>(&mut self, message: String) -> Result<T> {
        Err(error(self.tokens.lt(1)?, message))
    }

    fn binary(
        &mut self,
        make: fn(Box<LabelExpr>, Box<LabelExpr>) -> LabelExpr,
        left: Parsed,
        right: Parsed,
    ) -> Result<Parsed> {
        let depth = left.depth.max(right.depth);
        self.node(make(Box::new(left.expr), Box::new(right.expr)), depth)
    }

    /// `sync` before a loop or optional part, which may always be skipped: never an
    /// error, but remembers where we were if the next token cannot continue it.
    fn sync_optional(&mut self, continues: TokSet) -> Result<()> {
        if continues.contains(self.tokens.la(1)?) {
            self.remembered = None;
        } else if self.remembered.is_none() {
            self.remembered = Some((continues, self.stack.clone()));
        }
        Ok(())
    }

    /// `sync` before a choice that must consume one of `expected`.
    fn sync_required(&mut self, expected: TokSet) -> Result<()> {
        if expected.contains(self.tokens.la(1)?) {
            self.remembered = None;
            return Ok(());
        }
        // Single-token deletion peeks one further, which may hit a lexer error first.
        let extraneous = expected.contains(self.tokens.la(2)?);
        let token = self.tokens.lt(1)?;
        let verb = if extraneous {
            "extraneous"
        } else {
            "mismatched"
        };
        let shown = token.error_display();
        Err(error(
            token,
            format!("{verb} input {shown} expecting {expected}"),
        ))
    }

    /// `match(kind)` for the two tokens the grammar does not check beforehand.
    fn expect(&mut self, kind: Kind) -> Result<()> {
        let found = self.tokens.la(1)?;
        if found == kind {
            return if kind == Kind::Eof {
                Ok(())
            } else {
                self.tokens.consume()
            };
        }
        let wanted = TokSet::of(&[kind]);
        let extraneous = wanted.contains(self.tokens.la(2)?);
        let missing = follow_up(TokSet::EMPTY, &self.stack).contains(found);
        let expected = match &self.remembered {
            Some((set, stack)) => follow_up(*set, stack),
            None => wanted,
        };
        let token = self.tokens.lt(1)?;
        let shown = token.error_display();
        let message = if extraneous {
            format!("extraneous input {shown} expecting {wanted}")
        } else if missing {
            format!("missing {wanted} at {shown}")
        } else {
            format!("mismatched input {shown} expecting {expected}")
        };
        Err(error(token, message))
    }

    fn expr(&mut self) -> Result<Parsed> {
        let parsed = self.call(Site::Expr, Parser::term1)?;
        self.expect(Kind::Eof)?;
        Ok(parsed)
    }

    /// Shared shape of `term1`, `term3` and `term4`: `sub ( OP sub )*`, left-associative.
    fn chain(
        &mut self,
        site: Site,
        op: Kind,
        sub: fn(&mut Parser) -> Result<Parsed>,
        make: fn(Box<LabelExpr>, Box<LabelExpr>) -> LabelExpr,
    ) -> Result<Parsed> {
        let mut left = self.call(site, sub)?;
        loop {
            self.sync_optional(TokSet::of(&[op]))?;
            if self.tokens.la(1)? != op {
                return Ok(left);
            }
            self.tokens.consume()?;
            let right = self.call(site, sub)?;
            left = self.binary(make, left, right)?;
        }
    }

    fn term1(&mut self) -> Result<Parsed> {
        self.chain(Site::Term1, Kind::Iff, Parser::term2, LabelExpr::Iff)
    }

    fn term2(&mut self) -> Result<Parsed> {
        let left = self.call(Site::Term2Left, Parser::term3)?;
        self.sync_optional(TokSet::of(&[Kind::Implies]))?;
        if self.tokens.la(1)? != Kind::Implies {
            return Ok(left);
        }
        self.tokens.consume()?;
        let right = self.call(Site::Term2Right, Parser::term3)?;
        self.binary(LabelExpr::Implies, left, right)
    }

    fn term3(&mut self) -> Result<Parsed> {
        self.chain(Site::Term3, Kind::Or, Parser::term4, LabelExpr::Or)
    }

    fn term4(&mut self) -> Result<Parsed> {
        self.chain(Site::Term4, Kind::And, Parser::term5, LabelExpr::And)
    }

    fn term5(&mut self) -> Result<Parsed> {
        use Kind::{Atom, LParen, Not, Str};
        self.sync_required(TokSet::of(&[Not, LParen, Atom, Str]))?;
        if self.tokens.la(1)? != Not {
            return self.call(Site::Term5, Parser::term6);
        }
        self.tokens.consume()?;
        let operand = self.call(Site::Term5, Parser::term6)?;
        self.node(LabelExpr::Not(Box::new(operand.expr)), operand.depth)
    }

    fn term6(&mut self) -> Result<Parsed> {
        self.sync_required(TokSet::of(&[Kind::LParen, Kind::Atom, Kind::Str]))?;
        let token = self.tokens.lt(1)?;
        let (kind, text) = (token.kind, token.text.clone());
        match kind {
            Kind::LParen => {
                // Each pair of parentheses costs a dozen stack frames (several KiB in
                // debug builds); refuse before recursing so hostile input cannot overflow.
                if self.open_parens >= MAX_NESTING {
                    return self.refuse(format!("more than {MAX_NESTING} nested parentheses"));
                }
                self.open_parens += 1;
                self.tokens.consume()?;
                let inner = self.call(Site::Term6, Parser::term1)?;
                self.expect(Kind::RParen)?;
                self.open_parens -= 1;
                self.node(LabelExpr::Paren(Box::new(inner.expr)), inner.depth)
            }
            Kind::Str => {
                self.tokens.consume()?;
                Ok(Parsed {
                    expr: LabelExpr::Atom(unquote(&text)),
                    depth: 1,
                })
            }
            _ => {
                self.tokens.consume()?;
                Ok(Parsed {
                    expr: LabelExpr::Atom(text),
                    depth: 1,
                })
            }
        }
    }
}
