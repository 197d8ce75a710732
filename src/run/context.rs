//! What GitHub knows about a run, for a local one: from the git repository and the
//! command line. The generated script's `pipec_contexts` computes the same values the
//! same way; `tests/shell_run.rs` compares the two.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What `--event`, `--branch`, `--tag` and `--base-branch` say.
#[derive(Clone, Debug, Default)]
pub struct Given {
    pub event: Option<String>,
    pub branch: Option<String>,
    pub tag: Option<String>,
    pub base_branch: Option<String>,
    /// Whether any `--input` was given: the default event is then a manual run.
    pub has_inputs: bool,
}

/// The run parameters by name (`branch`, `ref-name`, ...), and the workspace.
pub struct Contexts {
    pub params: BTreeMap<String, String>,
    pub workspace: PathBuf,
}

impl Contexts {
    pub fn event(&self) -> &str {
        self.params.get("event").map_or("push", String::as_str)
    }
}

pub fn contexts(given: &Given) -> Contexts {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let workspace = git(&cwd, &["rev-parse", "--show-toplevel"])
        .map(PathBuf::from)
        .unwrap_or(cwd);
    let mut event = given.event.clone().unwrap_or_else(|| {
        if given.has_inputs {
            "workflow_dispatch".into()
        } else {
            "push".into()
        }
    });
    let mut branch = given.branch.clone();
    match event.as_str() {
        "dispatch" => event = "workflow_dispatch".into(),
        "pr" => event = "pull_request".into(),
        "tag" => {
            event = "push".into();
            branch.get_or_insert_with(String::new);
        }
        _ => {}
    }
    let mut tag = given.tag.clone();
    if tag.is_none() && branch.is_none() {
        tag = git(&workspace, &["describe", "--tags", "--exact-match", "HEAD"]);
    }
    let tag = tag.unwrap_or_default();
    let branch = branch.unwrap_or_else(|| {
        if tag.is_empty() {
            git(&workspace, &["symbolic-ref", "--short", "-q", "HEAD"]).unwrap_or_default()
        } else {
            String::new()
        }
    });
    let repository = repository(&workspace);
    let mut params = BTreeMap::new();
    let mut set = |name: &str, value: String| {
        params.insert(name.to_string(), value);
    };
    set("workspace", workspace.to_string_lossy().into_owned());
    set("event", event.clone());
    set(
        "sha",
        git(&workspace, &["rev-parse", "HEAD"])
            .unwrap_or_else(|| "0000000000000000000000000000000000000000".into()),
    );
    set(
        "repository-owner",
        repository.split('/').next().unwrap_or_default().to_string(),
    );
    set("repository", repository);
    set("actor", actor());
    set("run-number", "1".into());
    set("run-attempt", "1".into());
    set("base-branch", String::new());
    set("head-branch", String::new());
    if event == "pull_request" {
        set(
            "base-branch",
            given.base_branch.clone().unwrap_or_else(|| "main".into()),
        );
        set("head-branch", branch);
        set("branch", String::new());
        set("tag", String::new());
        set("ref", "refs/pull/0/merge".into());
        set("ref-name", "0/merge".into());
    } else if !tag.is_empty() && branch.is_empty() {
        set("branch", String::new());
        set("ref", format!("refs/tags/{tag}"));
        set("ref-name", tag.clone());
        set("tag", tag);
    } else {
        set("ref", format!("refs/heads/{branch}"));
        set("ref-name", branch.clone());
        set("branch", branch);
        set("tag", String::new());
    }
    Contexts { params, workspace }
}

/// `owner/name` from the origin's URL, else `local/<directory>`.
fn repository(workspace: &Path) -> String {
    let url = git(workspace, &["remote", "get-url", "origin"]).unwrap_or_default();
    let url = url.strip_suffix(".git").unwrap_or(&url);
    let parts: Vec<&str> = url.split([':', '/']).collect();
    match parts.as_slice() {
        [.., owner, name] if parts.len() >= 3 => format!("{owner}/{name}"),
        _ => format!(
            "local/{}",
            workspace
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        ),
    }
}

fn actor() -> String {
    std::env::var("USER")
        .ok()
        .filter(|user| !user.is_empty())
        .or_else(|| {
            let output = Command::new("id").arg("-un").output().ok()?;
            Some(String::from_utf8_lossy(&output.stdout).trim().to_string())
        })
        .unwrap_or_else(|| "local".into())
}

/// A git command's output, trimmed; `None` when git fails (or is not installed).
fn git(directory: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(directory)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}
