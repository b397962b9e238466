//! The `tree=` query parameter of Jenkins' remote API (Stapler's `NamedPathPruner`):
//! `a,b[c,d[e]]` keeps only the named properties, recursively; `list{M,N}` keeps elements
//! `M..N` of a list (`{N}` just element N, `{M,}` from M, `{,N}` up to N).
//!
//! As in Jenkins, `_class` survives pruning, and a property named without brackets keeps
//! its scalars but reduces nested objects to their `_class`.

use serde_json::{Map, Value};

/// A parsed `tree=` expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree(pub Vec<Spec>);

/// One named property of a [`Tree`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// The property name.
    pub name: String,
    /// What to keep of its value; `None` = the value without nested detail.
    pub children: Option<Tree>,
    /// The `{M,N}` range applied to a list value.
    pub range: Option<(Option<usize>, Option<usize>)>,
}

/// Why a `tree=` expression could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeError(pub String);

impl std::fmt::Display for TreeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Tree {
    /// Parses `text`, e.g. `computer[displayName,executors[idle]{0,2}],busyExecutors`.
    pub fn parse(text: &str) -> Result<Tree, TreeError> {
        let mut parser = Parser {
            chars: text.chars().collect(),
            pos: 0,
        };
        let tree = parser.tree(false)?;
        match parser.peek() {
            None => Ok(tree),
            Some(c) => Err(TreeError(format!(
                "unexpected '{c}' at position {}",
                parser.pos
            ))),
        }
    }

    /// Keeps only what this tree names of `value`.
    pub fn prune(&self, value: &Value) -> Value {
        match value {
            Value::Object(object) => {
                let mut out = Map::new();
                if let Some(class) = object.get("_class") {
                    out.insert("_class".to_owned(), class.clone());
                }
                for spec in &self.0 {
                    if let Some(v) = object.get(&spec.name) {
                        out.insert(spec.name.clone(), spec.prune(v));
                    }
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(items.iter().map(|v| self.prune(v)).collect()),
            other => other.clone(),
        }
    }
}

impl Spec {
    fn prune(&self, value: &Value) -> Value {
        let value = match (value, self.range) {
            (Value::Array(items), Some((from, to))) => {
                let from = from.unwrap_or(0).min(items.len());
                let to = to.unwrap_or(items.len()).clamp(from, items.len());
                Value::Array(items[from..to].to_vec())
            }
            _ => value.clone(),
        };
        match &self.children {
            Some(tree) => tree.prune(&value),
            None => without_detail(&value),
        }
    }
}

/// A value named without sub-tree: scalars stay, objects keep only their `_class`.
fn without_detail(value: &Value) -> Value {
    match value {
        Value::Object(object) => {
            let mut out = Map::new();
            if let Some(class) = object.get("_class") {
                out.insert("_class".to_owned(), class.clone());
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(without_detail).collect()),
        other => other.clone(),
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn tree(&mut self, nested: bool) -> Result<Tree, TreeError> {
        let mut specs = vec![self.spec()?];
        while self.peek() == Some(',') {
            self.pos += 1;
            specs.push(self.spec()?);
        }
        match self.peek() {
            Some(']') if nested => Ok(Tree(specs)),
            None if !nested => Ok(Tree(specs)),
            None => Err(TreeError("missing ']'".to_owned())),
            Some(c) => Err(TreeError(format!(
                "unexpected '{c}' at position {}",
                self.pos
            ))),
        }
    }

    fn spec(&mut self) -> Result<Spec, TreeError> {
        let start = self.pos;
        while self.peek().is_some_and(|c| !"[]{},".contains(c)) {
            self.pos += 1;
        }
        let name: String = self.chars[start..self.pos].iter().collect::<String>();
        let name = name.trim().to_owned();
        if name.is_empty() {
            return Err(TreeError(format!(
                "missing property name at position {start}"
            )));
        }
        let mut children = None;
        if self.peek() == Some('[') {
            self.pos += 1;
            children = Some(self.tree(true)?);
            self.pos += 1; // the ']' that tree(true) stopped at
        }
        let range = if self.peek() == Some('{') {
            Some(self.range()?)
        } else {
            None
        };
        Ok(Spec {
            name,
            children,
            range,
        })
    }

    fn range(&mut self) -> Result<(Option<usize>, Option<usize>), TreeError> {
        self.pos += 1;
        let from = self.number()?;
        let to = if self.peek() == Some(',') {
            self.pos += 1;
            self.number()?
        } else {
            from.map(|n| n + 1)
        };
        if self.peek() != Some('}') {
            return Err(TreeError(format!(
                "malformed range at position {}",
                self.pos
            )));
        }
        self.pos += 1;
        Ok((from, to))
    }

    fn number(&mut self) -> Result<Option<usize>, TreeError> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let digits: String = self.chars[start..self.pos].iter().collect();
        match digits.as_str() {
            "" => Ok(None),
            d => d
                .parse()
                .map(Some)
                .map_err(|_| TreeError(format!("bad number '{d}'"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::Tree;

    #[test]
    fn nested_properties_are_kept_and_others_dropped() {
        let tree = Tree::parse("computer[displayName,executors[idle]],busyExecutors").unwrap();
        let value = json!({"_class": "S", "busyExecutors": 1, "totalExecutors": 2,
            "computer": [{"_class": "C", "displayName": "a", "offline": true,
                "executors": [{"idle": true, "number": 0}]}]});
        let expected = json!({"_class": "S", "busyExecutors": 1,
            "computer": [{"_class": "C", "displayName": "a", "executors": [{"idle": true}]}]});
        assert_eq!(tree.prune(&value), expected);
    }

    #[test]
    fn a_property_without_brackets_keeps_only_the_class_of_objects() {
        let tree = Tree::parse("task").unwrap();
        let value = json!({"task": {"_class": "T", "name": "x"}});
        assert_eq!(tree.prune(&value), json!({"task": {"_class": "T"}}));
    }

    #[test]
    fn ranges_slice_lists() {
        let tree = Tree::parse("items[id]{1,3},other{0}").unwrap();
        let value = json!({"items": [{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}],
            "other": [7, 8]});
        assert_eq!(
            tree.prune(&value),
            json!({"items": [{"id": 2}, {"id": 3}], "other": [7]})
        );
    }

    #[test]
    fn unbalanced_brackets_are_rejected() {
        assert!(Tree::parse("a[b").is_err());
        assert!(Tree::parse("a]").is_err());
        assert!(Tree::parse("a,,b").is_err());
    }
}
