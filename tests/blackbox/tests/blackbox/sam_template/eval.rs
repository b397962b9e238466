//! Just enough of CloudFormation to read the stack as it would be deployed with given
//! parameters: `Ref`, `Condition`, `Fn::If`, `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`,
//! `Fn::Select`, `Fn::Split`, `Fn::Join`, `Fn::Sub`, `Fn::GetAtt`. Resources and their attributes
//! resolve to placeholders (`<Id>`, `<Id.Attribute>`): what a check needs is where a value comes
//! from, not what AWS would make of it.

use std::collections::BTreeMap;

use serde_json::{Value, json};

/// Pseudo parameters, as in account 123456789012 in us-east-1.
const PSEUDO: &[(&str, &str)] = &[
    ("AWS::AccountId", "123456789012"),
    ("AWS::Partition", "aws"),
    ("AWS::Region", "us-east-1"),
    ("AWS::StackName", "ecs-agents"),
    ("AWS::URLSuffix", "amazonaws.com"),
];

/// The template with its parameters set: defaults, overridden by what a deploy passes.
pub struct Stack<'t> {
    template: &'t Value,
    parameters: BTreeMap<String, Value>,
}

impl<'t> Stack<'t> {
    /// `template` deployed with `overrides` (`--parameter-overrides`), defaults for the rest.
    pub fn new(template: &'t Value, overrides: &[(&str, &str)]) -> Self {
        let declared = template["Parameters"].as_object().expect("Parameters");
        for (name, _) in overrides {
            assert!(declared.contains_key(*name), "no parameter {name}");
        }
        let parameters = declared
            .iter()
            .map(|(name, declaration)| {
                let given = overrides.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
                let text = match (given, &declaration["Default"]) {
                    (Some(value), _) => value.to_owned(),
                    (None, Value::String(default)) => default.clone(),
                    (None, Value::Null) => String::new(),
                    (None, other) => other.to_string(),
                };
                (name.clone(), typed(&declaration["Type"], &text))
            })
            .collect();
        Self {
            template,
            parameters,
        }
    }

    /// The value of the condition `name`.
    pub fn condition(&self, name: &str) -> bool {
        let expression = &self.template["Conditions"][name];
        assert!(!expression.is_null(), "no condition {name}");
        self.boolean(expression)
    }

    /// A resource's properties as deployed; `None` when its condition is false.
    pub fn properties(&self, id: &str) -> Option<Value> {
        let resource = &self.template["Resources"][id];
        assert!(!resource.is_null(), "no resource {id}");
        if let Some(condition) = resource["Condition"].as_str()
            && !self.condition(condition)
        {
            return None;
        }
        Some(self.resolve(&resource["Properties"]).unwrap_or(Value::Null))
    }

    /// `value` with every intrinsic function applied; `None` is `AWS::NoValue`.
    pub fn resolve(&self, value: &Value) -> Option<Value> {
        match value {
            Value::Array(items) => Some(Value::Array(
                items.iter().filter_map(|v| self.resolve(v)).collect(),
            )),
            Value::Object(map) if map.len() == 1 => {
                let (key, argument) = map.iter().next().expect("one entry");
                self.intrinsic(key, argument).unwrap_or_else(|| {
                    Some(json!({ key.clone(): self.resolve(argument).unwrap_or(Value::Null) }))
                })
            }
            Value::Object(map) => Some(Value::Object(
                map.iter()
                    .filter_map(|(k, v)| Some((k.clone(), self.resolve(v)?)))
                    .collect(),
            )),
            scalar => Some(scalar.clone()),
        }
    }

    /// `Some(result)` when `key` is an intrinsic function, `None` when it is a plain key.
    fn intrinsic(&self, key: &str, argument: &Value) -> Option<Option<Value>> {
        let args = || argument.as_array().expect("a list of arguments");
        let value = match key {
            "Ref" => return Some(self.reference(argument.as_str().expect("Ref name"))),
            "Condition" => Value::Bool(self.condition(argument.as_str().expect("a name"))),
            "Fn::If" => {
                let [condition, then, otherwise] = args().as_slice() else {
                    panic!("Fn::If takes three arguments: {argument}");
                };
                let chosen = if self.condition(condition.as_str().expect("a condition name")) {
                    then
                } else {
                    otherwise
                };
                return Some(self.resolve(chosen));
            }
            "Fn::Equals" => {
                let [a, b] = args().as_slice() else {
                    panic!("Fn::Equals takes two arguments: {argument}");
                };
                Value::Bool(self.resolve(a) == self.resolve(b))
            }
            "Fn::Not" => Value::Bool(!self.boolean(&args()[0])),
            "Fn::And" => Value::Bool(args().iter().all(|c| self.boolean(c))),
            "Fn::Or" => Value::Bool(args().iter().any(|c| self.boolean(c))),
            "Fn::Select" => {
                let index = self.text(&args()[0]).parse::<usize>().expect("an index");
                let list = self.resolve(&args()[1]).expect("a list");
                list.get(index)
                    .unwrap_or_else(|| panic!("Fn::Select {index} of {list}: out of range"))
                    .clone()
            }
            "Fn::Split" => {
                let delimiter = self.text(&args()[0]);
                let text = self.text(&args()[1]);
                Value::Array(text.split(&delimiter).map(|s| json!(s)).collect())
            }
            "Fn::Join" => {
                let delimiter = self.text(&args()[0]);
                let items = self.resolve(&args()[1]).expect("a list");
                let parts: Vec<String> = items
                    .as_array()
                    .expect("Fn::Join of a list")
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                    .collect();
                Value::String(parts.join(&delimiter))
            }
            "Fn::Sub" => Value::String(self.substitute(argument)),
            "Fn::GetAtt" => {
                let parts: Vec<&str> = args().iter().filter_map(Value::as_str).collect();
                Value::String(format!("<{}>", parts.join(".")))
            }
            _ => return None,
        };
        Some(Some(value))
    }

    fn reference(&self, name: &str) -> Option<Value> {
        if name == "AWS::NoValue" {
            return None;
        }
        if let Some((_, value)) = PSEUDO.iter().find(|(n, _)| *n == name) {
            return Some(json!(value));
        }
        Some(
            self.parameters
                .get(name)
                .cloned()
                .unwrap_or_else(|| json!(format!("<{name}>"))),
        )
    }

    fn substitute(&self, argument: &Value) -> String {
        let (text, variables) = match argument {
            Value::String(text) => (text.as_str(), None),
            Value::Array(parts) => (parts[0].as_str().expect("a string"), Some(&parts[1])),
            other => panic!("Fn::Sub of {other}"),
        };
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            // `${!Literal}` is the text `${Literal}` (dashboard labels use it).
            if rest[start + 2..].starts_with('!') {
                out.push_str("${");
                rest = &rest[start + 3..];
                continue;
            }
            let end = rest[start..].find('}').expect("a closing brace") + start;
            let name = &rest[start + 2..end];
            let value = match variables.map(|v| &v[name]) {
                Some(v) if !v.is_null() => self.resolve(v),
                _ if name.contains('.') => Some(json!(format!("<{name}>"))),
                _ => self.reference(name),
            };
            let value = value.unwrap_or_else(|| panic!("${{{name}}} is no value"));
            out.push_str(
                value
                    .as_str()
                    .unwrap_or_else(|| panic!("${{{name}}} = {value}")),
            );
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        out
    }

    fn text(&self, value: &Value) -> String {
        match self.resolve(value) {
            Some(Value::String(s)) => s,
            Some(Value::Number(n)) => n.to_string(),
            other => panic!("{value} is not text but {other:?}"),
        }
    }

    fn boolean(&self, value: &Value) -> bool {
        match self.resolve(value) {
            Some(Value::Bool(b)) => b,
            other => panic!("{value} is not a condition but {other:?}"),
        }
    }
}

/// A parameter's value as `Ref` returns it: a `CommaDelimitedList` is a list whose members
/// are trimmed (docs/aws.md §21), anything else the text given.
fn typed(kind: &Value, text: &str) -> Value {
    match kind.as_str() {
        Some("CommaDelimitedList") => {
            Value::Array(text.split(',').map(|s| json!(s.trim())).collect())
        }
        _ => Value::String(text.to_owned()),
    }
}
