//! Printing expressions the way Jenkins names labels (`LabelExpression` constructors).
//!
//! Jenkins builds each label's name when the label is created: a binary operator puts a
//! side in parentheses only if that side's operator binds more loosely, `!` does the
//! same for its operand, user parentheses print as written, and atoms go through
//! `LabelAtom.escape`.

use super::LabelExpr;

/// `LabelOperatorPrecedence`, tightest first: a larger value binds more loosely.
fn precedence(expr: &LabelExpr) -> u8 {
    match expr {
        LabelExpr::Atom(_) | LabelExpr::Paren(_) => 0,
        LabelExpr::Not(_) => 1,
        LabelExpr::And(..) => 2,
        LabelExpr::Or(..) => 3,
        LabelExpr::Implies(..) => 4,
        LabelExpr::Iff(..) => 5,
    }
}

/// Appends `expr` as `Label.getExpression()` prints it.
pub(super) fn write_expression(expr: &LabelExpr, out: &mut String) {
    match expr {
        LabelExpr::Atom(name) => write_atom(name, out),
        LabelExpr::Paren(inner) => {
            out.push('(');
            write_expression(inner, out);
            out.push(')');
        }
        LabelExpr::Not(inner) => {
            out.push('!');
            write_operand(expr, inner, out);
        }
        LabelExpr::And(l, r) => write_binary(expr, l, "&&", r, out),
        LabelExpr::Or(l, r) => write_binary(expr, l, "||", r, out),
        LabelExpr::Implies(l, r) => write_binary(expr, l, "->", r, out),
        LabelExpr::Iff(l, r) => write_binary(expr, l, "<->", r, out),
    }
}

fn write_binary(parent: &LabelExpr, l: &LabelExpr, op: &str, r: &LabelExpr, out: &mut String) {
    write_operand(parent, l, out);
    out.push_str(op);
    write_operand(parent, r, out);
}

/// Writes an operand, in parentheses when Jenkins would add them.
///
/// Jenkins also prints a hand-built `!` of a `!` as `!!a`, and an implication inside an
/// implication without parentheses (`a->b->c`); neither parses, so we parenthesise
/// those. The parser never produces such trees, so parsed labels print exactly as in
/// Jenkins.
fn write_operand(parent: &LabelExpr, operand: &LabelExpr, out: &mut String) {
    let unparsable = matches!(
        (parent, operand),
        (LabelExpr::Not(_), LabelExpr::Not(_)) | (LabelExpr::Implies(..), LabelExpr::Implies(..))
    );
    if unparsable || precedence(operand) > precedence(parent) {
        out.push('(');
        write_expression(operand, out);
        out.push(')');
    } else {
        write_expression(operand, out);
    }
}

/// `LabelAtom.escape`: the name itself, or quoted when `needsEscape` says so.
fn write_atom(name: &str, out: &mut String) {
    if !needs_escape(name) {
        out.push_str(name);
        return;
    }
    out.push('"');
    for c in name.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{c}' => out.push_str("\\f"),
            '\u{8}' => out.push_str("\\b"),
            _ => out.push(c),
        }
    }
    out.push('"');
}

/// `LabelAtom.needsEscape`: names `Jenkins.checkGoodName` rejects, plus spaces,
/// parentheses, tabs and newlines.
///
/// Note that this is not "whatever the lexer cannot read as one atom": quotes pass
/// `checkGoodName`, so Jenkins prints an atom `a"b` without quoting it.
pub(super) fn needs_escape(name: &str) -> bool {
    // Java's String.trim() strips every character up to U+0020.
    let trimmed = name.trim_matches(|c| c <= ' ');
    // checkGoodName rejects "." and ".." and (since SECURITY-2424) any trailing dot.
    name.is_empty()
        || trimmed.ends_with('.')
        || name
            .chars()
            .any(|c| c.is_control() || "?*/\\%!@#$^&|<>[]:;".contains(c) || " ()\t\n".contains(c))
}
