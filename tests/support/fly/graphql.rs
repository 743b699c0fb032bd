//! The GraphQL schema (`fly-graphql-releases.graphql`) read into types, fields and their
//! arguments, and a check of a query against it: every field selected exists on its type,
//! every argument is declared for its field, and selections go only into object types.

use std::collections::HashMap;
use std::sync::OnceLock;

pub const FILE: &str = "fly-graphql-releases.graphql";

#[derive(Clone, Debug, Default)]
pub struct Field {
    pub args: Vec<String>,
    /// The named type, without lists and `!`.
    pub of: String,
}

#[derive(Debug, Default)]
pub struct Schema {
    pub types: HashMap<String, HashMap<String, Field>>,
    pub query_root: String,
}

/// Tokens: names, `$`-names and punctuation; strings, block strings and comments dropped.
fn tokens(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '"' {
            let block = chars.get(i + 1) == Some(&'"') && chars.get(i + 2) == Some(&'"');
            if block {
                i += 3;
                while i + 2 < chars.len()
                    && !(chars[i] == '"' && chars[i + 1] == '"' && chars[i + 2] == '"')
                {
                    i += 1;
                }
                i += 3;
            } else {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            out.push("\"\"".to_owned());
        } else if c.is_alphanumeric() || c == '_' || c == '$' || c == '-' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '$' | '-' | '.'))
            {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else {
            if !c.is_whitespace() && c != ',' {
                out.push(c.to_string());
            }
            i += 1;
        }
    }
    out
}

/// Skips a balanced `( … )` starting at `i`; returns the index after it.
fn skip_parens(t: &[String], mut i: usize) -> usize {
    let mut depth = 0;
    while i < t.len() {
        match t[i].as_str() {
            "(" => depth += 1,
            ")" => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

fn skip_directives(t: &[String], mut i: usize) -> usize {
    while i < t.len() && t[i] == "@" {
        i += 2;
        if t.get(i).map(String::as_str) == Some("(") {
            i = skip_parens(t, i);
        }
    }
    i
}

fn parse(text: &str) -> Schema {
    let t = tokens(text);
    let mut schema = Schema {
        query_root: "Query".to_owned(),
        ..Schema::default()
    };
    let mut i = 0;
    while i < t.len() {
        match t[i].as_str() {
            "schema" => {
                let end = t[i..]
                    .iter()
                    .position(|x| x == "}")
                    .map(|p| i + p)
                    .unwrap_or(t.len());
                if let Some(q) = t[i..end].iter().position(|x| x == "query") {
                    schema.query_root = t[i + q + 2].clone();
                }
                i = end + 1;
            }
            "type" | "interface" | "input" => {
                let name = t[i + 1].clone();
                i += 2;
                while i < t.len() && t[i] != "{" {
                    i += 1;
                }
                i += 1;
                let mut fields = HashMap::new();
                while i < t.len() && t[i] != "}" {
                    if t[i] == "\"\"" {
                        i += 1;
                        continue;
                    }
                    let field = t[i].clone();
                    i += 1;
                    let mut args = Vec::new();
                    if t[i] == "(" {
                        let end = skip_parens(&t, i);
                        let mut j = i + 1;
                        let mut depth = 0;
                        while j < end - 1 {
                            match t[j].as_str() {
                                "(" => depth += 1,
                                ")" => depth -= 1,
                                ":" if depth == 0 && j > i + 1 && t[j - 1] != "\"\"" => {
                                    args.push(t[j - 1].clone())
                                }
                                _ => {}
                            }
                            j += 1;
                        }
                        i = end;
                    }
                    // `: Type`, lists and `!` around it, then directives.
                    i += 1;
                    while t[i] == "[" {
                        i += 1;
                    }
                    let of = t[i].clone();
                    i += 1;
                    while i < t.len() && matches!(t[i].as_str(), "!" | "]") {
                        i += 1;
                    }
                    if i < t.len() && t[i] == "=" {
                        i += 2;
                    }
                    i = skip_directives(&t, i);
                    fields.insert(field, Field { args, of });
                }
                schema.types.insert(name, fields);
                i += 1;
            }
            _ => i += 1,
        }
    }
    schema
}

pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| parse(&super::openapi::read(FILE)))
}

impl Schema {
    /// Problems with `query` (one operation, no fragments).
    pub fn check(&self, query: &str) -> Vec<String> {
        let t = tokens(query);
        let mut problems = Vec::new();
        let mut i = 0;
        if t.first().map(String::as_str) == Some("query") {
            i = 1;
            if t.get(i).is_some_and(|x| x != "(" && x != "{") {
                i += 1;
            }
            if t.get(i).map(String::as_str) == Some("(") {
                i = skip_parens(&t, i);
            }
        }
        if t.get(i).map(String::as_str) != Some("{") {
            return vec![format!("GraphQL: a query must open a selection: {query}")];
        }
        self.selection(&t, i, &self.query_root, &mut problems);
        problems
    }

    /// Checks the selection opening at `t[i] == "{"` on `of`; returns the index after it.
    fn selection(&self, t: &[String], mut i: usize, of: &str, problems: &mut Vec<String>) -> usize {
        let Some(fields) = self.types.get(of) else {
            problems.push(format!("GraphQL ({FILE}): `{of}` has no fields to select"));
            return skip_braces(t, i);
        };
        i += 1;
        while i < t.len() && t[i] != "}" {
            let name = &t[i];
            i += 1;
            let Some(field) = fields.get(name) else {
                problems.push(format!("GraphQL ({FILE}): `{of}` has no field `{name}`"));
                if t.get(i).map(String::as_str) == Some("(") {
                    i = skip_parens(t, i);
                }
                if t.get(i).map(String::as_str) == Some("{") {
                    i = skip_braces(t, i);
                }
                continue;
            };
            if t.get(i).map(String::as_str) == Some("(") {
                let end = skip_parens(t, i);
                let mut j = i + 1;
                while j + 1 < end {
                    if t[j + 1] == ":" && !field.args.contains(&t[j]) {
                        problems.push(format!(
                            "GraphQL ({FILE}): `{of}.{name}` takes no argument `{}`",
                            t[j]
                        ));
                    }
                    j += 1;
                }
                i = end;
            }
            if t.get(i).map(String::as_str) == Some("{") {
                i = self.selection(t, i, &field.of.clone(), problems);
            }
        }
        i + 1
    }
}

fn skip_braces(t: &[String], mut i: usize) -> usize {
    let mut depth = 0;
    while i < t.len() {
        match t[i].as_str() {
            "{" => depth += 1,
            "}" => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}
