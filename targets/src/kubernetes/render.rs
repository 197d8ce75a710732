//! What the Tekton and Argo renderers write the same way: files with pipec's header,
//! object metadata, container environments, sidecars, run parameters, literal operands.

use crate::GeneratedFile;
use crate::plan::{EnvEntry, EnvValue, Piece, Plan, Sidecar};
use crate::yaml::{Map, Node, render_document};

/// `<pipeline>/<name>` with the header every generated file has, and `notes` after it.
pub(crate) fn file(plan: &Plan, name: &str, root: &Map, notes: &[&str]) -> GeneratedFile {
    let mut header = crate::header_lines(plan.pipeline);
    header.extend(notes.iter().map(|note| note.to_string()));
    GeneratedFile {
        path: format!("{}/{name}", plan.name),
        contents: render_document(&header, root),
        pipeline_id: plan.pipeline.id.clone(),
        executable: false,
    }
}

/// The note of a run object's file.
pub(crate) const RUN_NOTE: &str = "Replace the <placeholders> with the run's values, then start it with `kubectl create -f` (generateName needs create, not apply).";

/// The labels every generated object carries.
pub(crate) fn labels(plan: &Plan) -> Map {
    let mut labels = Map::new();
    labels.insert("app.kubernetes.io/managed-by", "pipec");
    labels.insert("pipec.dev/pipeline", plan.name.as_str());
    labels
}

/// `metadata` with a name, or with a `generateName` for run objects.
pub(crate) fn metadata(plan: &Plan, key: &str, name: &str) -> Map {
    let mut metadata = Map::new();
    metadata.insert(key, name);
    metadata.insert("labels", labels(plan));
    metadata
}

/// A container's `env`; `text` renders engine references where the container runs.
/// Literal text is escaped for Kubernetes, which expands `$(NAME)` in env values.
pub(crate) fn env(plan: &Plan, env: &[EnvEntry], text: &dyn Fn(&[Piece]) -> String) -> Vec<Node> {
    env.iter()
        .map(|entry| {
            let mut var = Map::new();
            var.insert("name", entry.name.as_str());
            match &entry.value {
                EnvValue::Text(pieces) => {
                    let escaped: Vec<Piece> = pieces
                        .iter()
                        .map(|piece| match piece {
                            Piece::Text(literal) => Piece::Text(kubernetes_literal(literal)),
                            other => other.clone(),
                        })
                        .collect();
                    var.insert("value", text(&escaped))
                }
                EnvValue::Secret(key) => {
                    var.insert("valueFrom", key_ref("secretKeyRef", &plan.secrets, key))
                }
                EnvValue::Var(key) => {
                    var.insert("valueFrom", key_ref("configMapKeyRef", &plan.vars, key))
                }
            }
            Node::Map(var)
        })
        .collect()
}

fn key_ref(kind: &str, name: &str, key: &str) -> Map {
    let mut reference = Map::new();
    reference.insert("name", name);
    reference.insert("key", key);
    let mut value_from = Map::new();
    value_from.insert(kind, reference);
    value_from
}

/// A sidecar container: name, image, env and ports.
pub(crate) fn sidecar(plan: &Plan, sidecar: &Sidecar, text: &dyn Fn(&[Piece]) -> String) -> Map {
    let mut container = Map::new();
    container.insert("name", sidecar.name.as_str());
    container.insert("image", text(&sidecar.image));
    if !sidecar.env.is_empty() {
        container.insert("env", env(plan, &sidecar.env, text));
    }
    if !sidecar.ports.is_empty() {
        let ports: Vec<Node> = sidecar
            .ports
            .iter()
            .map(|port| {
                let mut entry = Map::new();
                entry.insert("containerPort", Node::Number(port.to_string()));
                Node::Map(entry)
            })
            .collect();
        container.insert("ports", ports);
    }
    container
}

/// The run object's parameters: every run parameter with its example value.
pub(crate) fn run_params(plan: &Plan) -> Vec<Node> {
    plan.params
        .iter()
        .map(|param| {
            let mut entry = Map::new();
            entry.insert("name", param.name.as_str());
            entry.insert("value", param.example.as_str());
            Node::Map(entry)
        })
        .collect()
}

/// Text Kubernetes passes on unchanged in env values and container args, where it reads
/// `$(NAME)` as a variable and `$$` as `$`: every `$` before a `$` or `(` is doubled.
pub(crate) fn kubernetes_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '$' && matches!(chars.peek(), Some('$' | '(')) {
            out.push('$');
        }
    }
    out
}

/// The text of a Kubernetes dependent variable reference.
pub(crate) fn dependent_var(name: &str) -> String {
    format!("$({name})")
}

/// A string literal of CEL and of Argo's expr: single quotes, `\` and `'` escaped.
pub(crate) fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_kubernetes_would_expand_are_escaped() {
        assert_eq!(
            kubernetes_literal("echo $(date) $HOME $$ end$"),
            "echo $$(date) $HOME $$$ end$"
        );
        assert_eq!(kubernetes_literal("$$(X)"), "$$$$(X)");
        assert_eq!(kubernetes_literal("plain"), "plain");
    }
}
