//! `pipec lsp`, as editors use it: the real binary over stdio, spoken to by a small
//! JSON-RPC client here (initialize with a minimal client, diagnostics on open and change,
//! changes applied in order, UTF-16 positions, the outline, shutdown and exit), and by a
//! real editor: headless Neovim through `shared/tools/nvim-lsp-probe/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

const BROKEN: &str = "pipeline ci {\n  on push\n\n  job build {\n    step { run: \"make\" }\n  }\n  job test {\n    needs: [biuld]\n    step { run: \"make test\" }\n  }\n}\n";

/// The language server, with a reader thread turning its output into messages.
struct Server {
    child: Child,
    stdin: ChildStdin,
    messages: mpsc::Receiver<Value>,
    next_id: i64,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(pipec_binary!())
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, messages) = mpsc::channel();
        std::thread::spawn(move || read_messages(stdout, &sender));
        Server {
            child,
            stdin,
            messages,
            next_id: 1,
        }
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns its response, keeping the notifications seen meanwhile.
    fn request(&mut self, method: &str, params: Value, seen: &mut Vec<Value>) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.next();
            if message["id"] == id {
                return message;
            }
            seen.push(message);
        }
    }

    fn next(&self) -> Value {
        self.messages
            .recv_timeout(Duration::from_secs(20))
            .expect("the server answers within 20 s")
    }

    /// The next publishDiagnostics notification.
    fn diagnostics(&self) -> Value {
        loop {
            let message = self.next();
            if message["method"] == "textDocument/publishDiagnostics" {
                return message["params"].clone();
            }
        }
    }
}

fn read_messages(stdout: ChildStdout, sender: &mpsc::Sender<Value>) {
    let mut reader = BufReader::new(stdout);
    loop {
        let mut length = 0;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("Content-Length: ") {
                length = value.parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        if sender.send(serde_json::from_slice(&body).unwrap()).is_err() {
            return;
        }
    }
}

const URI: &str = "file:///tmp/pipec-lsp-test/ci.pipe";

fn open(server: &mut Server, text: &str) {
    server.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": URI, "languageId": "pipe", "version": 1, "text": text}}),
    );
}

/// The codes of a list of published diagnostics, in order.
fn codes(diagnostics: &Value) -> Vec<String> {
    diagnostics
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

/// A server initialized by a client with these capabilities and no workspace.
fn initialized(capabilities: Value) -> Server {
    initialized_with(json!({"processId": null, "rootUri": null, "capabilities": capabilities})).0
}

/// A server initialized with these parameters, and the capabilities it announced.
fn initialized_with(params: Value) -> (Server, Value) {
    let mut server = Server::start();
    let response = server.request("initialize", params, &mut Vec::new());
    assert_eq!(response["result"]["serverInfo"]["name"], "pipec");
    assert_eq!(response["result"]["capabilities"]["textDocumentSync"], 1);
    server.notify("initialized", json!({}));
    (server, response["result"]["capabilities"].clone())
}

#[test]
fn diagnostics_arrive_on_open_and_follow_changes_in_order() {
    let mut server = initialized(json!({}));
    open(&mut server, BROKEN);
    let published = server.diagnostics();
    assert_eq!(published["uri"], URI);
    assert_eq!(published["version"], 1);
    let diagnostics = published["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let unknown = &diagnostics[0];
    assert_eq!(unknown["code"], "E0201");
    assert_eq!(unknown["source"], "pipec");
    assert_eq!(unknown["severity"], 1);
    assert_eq!(
        unknown["range"],
        json!({"start": {"line": 7, "character": 12}, "end": {"line": 7, "character": 17}})
    );
    let message = unknown["message"].as_str().unwrap();
    assert!(message.starts_with("unknown job `biuld`"), "{message}");
    assert!(message.contains("pipec explain E0201"), "{message}");

    // Rapid changes: only the newest text counts, whatever order the handlers run in.
    let fixed = BROKEN.replace("biuld", "build");
    for version in 2..=20 {
        let text = if version == 20 { &fixed } else { BROKEN };
        server.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": URI, "version": version},
                   "contentChanges": [{"text": text}]}),
        );
    }
    let mut last_version = 1;
    let mut publications = 0;
    loop {
        let published = server.diagnostics();
        let version = published["version"].as_i64().unwrap();
        assert!(
            version > last_version,
            "diagnostics of version {version} after {last_version}"
        );
        last_version = version;
        publications += 1;
        if version == 20 {
            assert_eq!(published["diagnostics"], json!([]));
            break;
        }
    }
    // The burst arrives within the debounce: texts replaced within it are never checked.
    assert!(publications < 19, "every one of the 19 changes was checked");

    let mut seen = Vec::new();
    let shutdown = server.request("shutdown", Value::Null, &mut seen);
    assert_eq!(shutdown["result"], Value::Null);
    server.notify("exit", Value::Null);
    let status = server.child.wait().unwrap();
    assert!(status.success(), "the server exited with {status}");
}

#[test]
fn columns_are_utf16_code_units() {
    let mut server = initialized(json!({"textDocument": {"publishDiagnostics": {}}}));
    // `é` is one UTF-16 unit (two bytes), `😀` two units (four bytes).
    let text = "pipeline ci {\n  on push\n  job a {\n    step \"é😀\" { run: \"echo ${{ matrix.nope }}\" }\n  }\n}\n";
    open(&mut server, text);
    let published = server.diagnostics();
    let diagnostic = &published["diagnostics"][0];
    assert_eq!(diagnostic["code"], "E0204", "{published}");
    // 31 characters before `matrix`, one of them two units long.
    assert_eq!(
        diagnostic["range"]["start"],
        json!({"line": 3, "character": 32})
    );
    let symbols = server.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": URI}}),
        &mut Vec::new(),
    );
    let step = &symbols["result"][0]["children"][0]["children"][0];
    assert_eq!(step["name"], "é😀");
    // The title with its quotes: 1 + 1 + 2 + 1 units from column 9.
    assert_eq!(
        step["selectionRange"],
        json!({"start": {"line": 3, "character": 9}, "end": {"line": 3, "character": 14}})
    );
}

#[test]
fn the_outline_survives_a_broken_file() {
    let mut server = initialized(json!({}));
    let text = "pipeline ci {\n  on push\n  job build {\n    step { run: \n  }\n  job test {\n    step lint \"Lint\" { run: \"make lint\" }\n  }\n}\n";
    open(&mut server, text);
    let published = server.diagnostics();
    assert!(
        !published["diagnostics"].as_array().unwrap().is_empty(),
        "a syntax error is reported"
    );
    let symbols = server.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": URI}}),
        &mut Vec::new(),
    );
    // The unclosed job swallows the next one, but every name is still in the outline.
    assert_eq!(symbols["result"][0]["name"], "ci");
    let outline = symbols["result"].to_string();
    for name in ["\"build\"", "\"test\"", "\"Lint\""] {
        assert!(outline.contains(name), "{name} is not in {outline}");
    }
}

/// The real-editor test: Neovim opens a file with an error, gets the diagnostic with its
/// code, the outline, a hover and a definition request, fixes the line and gets the
/// diagnostics cleared.
#[test]
fn neovim_shows_diagnostics_and_the_outline() {
    if Command::new("nvim").arg("--version").output().is_err() {
        // `.ci/run` installs Neovim, so CI always runs this.
        println!("skipped: nvim is not installed (apt-get install -y neovim)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.pipe");
    std::fs::write(&file, BROKEN).unwrap();
    let probe = support::shared_file("tools/nvim-lsp-probe/run.sh");
    let command = json!([pipec_binary!().to_str().unwrap(), "lsp"]).to_string();
    let output = Command::new("bash")
        .arg(&probe)
        .arg(&file)
        .env("LSP_CMD", command)
        .env("LSP_FILETYPE", "pipe")
        .env("LSP_EXPECT_DIAGNOSTICS", "1")
        .env("LSP_REQUIRE", "diagnostics")
        .env("LSP_HOVER", "6:7")
        .env("LSP_COMPLETION", "7:12")
        .env(
            "LSP_REQUESTS",
            r#"[{"method":"textDocument/documentSymbol"},{"method":"textDocument/definition","position":[7,13]}]"#,
        )
        .env("LSP_EDIT", r#"{"line":7,"text":"    needs: [build]"}"#)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the probe failed ({}): {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["ok"], true, "{report}");
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{report}");
    assert_eq!(diagnostics[0]["code"], "E0201");
    assert_eq!(report["after_edit"]["diagnostics"], json!([]), "{report}");
    let outline = &report["requests"][0]["result"][0];
    assert_eq!(outline["name"], "ci");
    assert_eq!(outline["children"][0]["name"], "build");
    assert_eq!(outline["children"][1]["name"], "test");
    // Completion in `needs: [biuld]` offers the other job.
    assert_eq!(report["completion"]["labels"], json!(["build"]), "{report}");
    let hover = report["hover"]["contents"]["value"].as_str().unwrap();
    assert!(hover.starts_with("**job `test`**"), "{report}");
    // The requests run after the edit: `build` in `needs` leads to the job.
    assert_eq!(
        report["requests"][1]["result"]["range"],
        json!({"start": {"line": 3, "character": 6}, "end": {"line": 3, "character": 11}}),
        "{report}"
    );
    println!(
        "nvim {}: first diagnostics after {} ms, after the edit {} ms",
        report["nvim"], report["first_diagnostics_ms"], report["after_edit"]["ms"]
    );
}

const WITH_TEMPLATE: &str = "import \"std/git\"\n\npipeline ci {\n  on push\n\n  job build \"Build it\" {\n    runs_on: \"ubuntu-latest\"\n    step git.checkout()\n    step { run: \"make\" }\n  }\n  job test {\n    needs: [build]\n    when: branch == \"main\"\n    step { run: \"echo ${{ needs.build.result }}\" }\n  }\n}\n";

fn at(line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": URI}, "position": {"line": line, "character": character}})
}

#[test]
fn hover_and_definition_know_jobs_and_templates() {
    let mut server = initialized(json!({}));
    open(&mut server, WITH_TEMPLATE);
    assert_eq!(server.diagnostics()["diagnostics"], json!([]));
    let mut seen = Vec::new();

    // `build` in `needs: [build]` and in `needs.build.result` lead to the job.
    let declaration =
        json!({"start": {"line": 5, "character": 6}, "end": {"line": 5, "character": 11}});
    for (line, character) in [(11, 13), (13, 34)] {
        let definition = server.request("textDocument/definition", at(line, character), &mut seen);
        assert_eq!(
            definition["result"]["range"], declaration,
            "at {line}:{character}"
        );
        assert_eq!(definition["result"]["uri"], URI);
    }
    // The job's declaration (written) and its two uses (read), for the editor to highlight.
    let highlights = server.request("textDocument/documentHighlight", at(11, 13), &mut seen);
    assert_eq!(
        highlights["result"],
        json!([
            {"range": span(5, 6, 11), "kind": 3},
            {"range": span(11, 12, 17), "kind": 2},
            {"range": span(13, 32, 37), "kind": 2},
        ])
    );
    let job = server.request("textDocument/hover", at(11, 13), &mut seen);
    assert_eq!(
        job["result"]["contents"]["value"],
        "**job `build`** — Build it\n\n- runs on: `\"ubuntu-latest\"`\n- steps: 2"
    );
    let test = server.request("textDocument/hover", at(10, 7), &mut seen);
    let summary = test["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        summary.contains("- needs: `[build]`") && summary.contains("- when: `branch == \"main\"`"),
        "{summary}"
    );

    // A standard library template: its signature and documentation, as `pipec doc` has them.
    let template = server.request("textDocument/hover", at(7, 12), &mut seen);
    let doc = template["result"]["contents"]["value"].as_str().unwrap();
    assert!(doc.starts_with("```pipe\nstep git.checkout("), "{doc}");
    assert!(doc.contains("Check out a repository"), "{doc}");

    // Nothing to say about a keyword.
    let nothing = server.request("textDocument/hover", at(3, 3), &mut seen);
    assert_eq!(nothing["result"], Value::Null);
}

/// The file being typed: `needs: [b`, `step git.` and `ti` are unfinished.
const TYPING: &str = "import \"std/git\"\n\npipeline ci {\n  on push\n\n  job build \"Build it\" {\n    step { run: \"make\" }\n  }\n  job lint {\n    step { run: \"make lint\" }\n  }\n  job test {\n    needs: [b\n    step git.\n    ti\n  }\n}\n";

fn labels(response: &Value) -> Vec<String> {
    response["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["label"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn completion_knows_the_pipeline_while_it_is_being_typed() {
    let mut server = initialized(json!({}));
    open(&mut server, TYPING);
    assert!(
        !server.diagnostics()["diagnostics"]
            .as_array()
            .unwrap()
            .is_empty(),
        "the unfinished file has errors"
    );
    let mut seen = Vec::new();
    // Jobs in `needs`, filtered by what is typed; never the job itself.
    let needs = server.request("textDocument/completion", at(12, 13), &mut seen);
    assert_eq!(labels(&needs), ["build"]);
    assert_eq!(needs["result"][0]["detail"], "Build it");
    let all = server.request("textDocument/completion", at(12, 12), &mut seen);
    assert_eq!(labels(&all), ["build", "lint"]);
    // The imported module's step templates, with their signatures.
    let templates = server.request("textDocument/completion", at(13, 13), &mut seen);
    assert!(
        labels(&templates).contains(&"git.checkout".to_string()),
        "{templates}"
    );
    let checkout = templates["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["label"] == "git.checkout")
        .unwrap();
    assert!(
        checkout["detail"]
            .as_str()
            .unwrap()
            .starts_with("step git.checkout(")
    );
    // The settings of a job, by prefix.
    let keywords = server.request("textDocument/completion", at(14, 6), &mut seen);
    assert_eq!(labels(&keywords), ["timeout"]);
    // The body of a pipeline takes other keywords.
    let text = "pipeline ci {\n  on push\n  jo\n}\n";
    server.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI, "version": 2}, "contentChanges": [{"text": text}]}),
    );
    let pipeline = server.request("textDocument/completion", at(2, 4), &mut seen);
    assert_eq!(labels(&pipeline), ["job"]);
}

/// A module next to the pipeline, open in the editor: `read` finds open documents first.
const LIBRARY_URI: &str = "file:///tmp/pipec-lsp-test/lib.pipe";
const LIBRARY: &str = "## Build steps.\n\n## Compile a target.\ntemplate step compile(target: string) {\n  run: \"make ${{ target }}\"\n}\n";
const WITH_LIBRARY: &str = "import \"./lib.pipe\" as lib\n\npipeline ci {\n  on push\n\n  job build {\n    step lib.compile(target: \"all\")\n  }\n  job test {\n    needs: [build]\n    step { run: \"echo ${{ needs.build.result }}\" }\n  }\n}\n";

fn span(line: u32, start: u32, end: u32) -> Value {
    json!({"start": {"line": line, "character": start}, "end": {"line": line, "character": end}})
}

#[test]
fn references_rename_and_definition_across_files() {
    let (mut server, capabilities) =
        initialized_with(json!({"processId": null, "rootUri": null, "capabilities": {}}));
    assert_eq!(capabilities["referencesProvider"], true);
    assert_eq!(capabilities["renameProvider"]["prepareProvider"], true);
    server.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": LIBRARY_URI, "languageId": "pipe", "version": 1, "text": LIBRARY}}),
    );
    open(&mut server, WITH_LIBRARY);
    let mut seen = Vec::new();

    // `build` in `needs: [build]`: its declaration and both references, in order.
    let mut references = at(9, 13);
    references["context"] = json!({"includeDeclaration": true});
    let found = server.request("textDocument/references", references, &mut seen);
    let ranges: Vec<&Value> = found["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            assert_eq!(l["uri"], URI);
            &l["range"]
        })
        .collect();
    assert_eq!(
        ranges,
        [&span(5, 6, 11), &span(9, 12, 17), &span(10, 32, 37)]
    );

    let prepared = server.request("textDocument/prepareRename", at(9, 13), &mut seen);
    assert_eq!(prepared["result"], span(9, 12, 17));
    let mut rename = at(9, 13);
    rename["newName"] = json!("compile_all");
    let edit = server.request("textDocument/rename", rename.clone(), &mut seen);
    let edits = edit["result"]["changes"][URI].as_array().unwrap();
    assert_eq!(edits.len(), 3, "{edit}");
    assert!(
        edits.iter().all(|e| e["newText"] == "compile_all"),
        "{edit}"
    );
    assert_eq!(edits[1]["range"], span(9, 12, 17));
    // A refused rename is an error that says why.
    rename["newName"] = json!("9lives");
    let refused = server.request("textDocument/rename", rename, &mut seen);
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("is not a name"),
        "{refused}"
    );

    // A template of the imported module: its declaration in the module's file; the
    // import's path: the module's file.
    let template = server.request("textDocument/definition", at(6, 15), &mut seen);
    assert_eq!(template["result"]["uri"], LIBRARY_URI, "{template}");
    assert_eq!(template["result"]["range"], span(3, 14, 21));
    let module = server.request("textDocument/definition", at(0, 10), &mut seen);
    assert_eq!(module["result"]["uri"], LIBRARY_URI, "{module}");
    assert_eq!(module["result"]["range"], span(0, 0, 0));
    // The import's path is also a link to the module's file.
    let links = server.request(
        "textDocument/documentLink",
        json!({"textDocument": {"uri": URI}}),
        &mut seen,
    );
    assert_eq!(
        links["result"],
        json!([{"range": span(0, 8, 18), "target": LIBRARY_URI}])
    );
}

/// The analysis a change makes is shared by the document's diagnostics and requests; a
/// change of a module is seen by the open documents importing it: their diagnostics are
/// published again and their requests answer from the new text, and from the disk once
/// the module is closed.
#[test]
fn importers_follow_the_changes_of_their_module() {
    let mut server = initialized(json!({}));
    server.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": LIBRARY_URI, "languageId": "pipe", "version": 1, "text": LIBRARY}}),
    );
    open(&mut server, WITH_LIBRARY);
    let importer_diagnostics = |server: &Server| loop {
        let published = server.diagnostics();
        if published["uri"] == URI {
            return published["diagnostics"].clone();
        }
    };
    assert_eq!(importer_diagnostics(&server), json!([]));
    let mut seen = Vec::new();
    let hover = |server: &mut Server, seen: &mut Vec<Value>| {
        let found = server.request("textDocument/hover", at(6, 15), seen);
        found["result"]["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(hover(&mut server, &mut seen).contains("Compile a target."));

    let changed = LIBRARY
        .replace("Compile a target.", "Compile a target, fast.")
        .replace("target: string", "goal: string")
        .replace("${{ target }}", "${{ goal }}");
    server.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": LIBRARY_URI, "version": 2}, "contentChanges": [{"text": changed}]}),
    );
    let after_change = importer_diagnostics(&server);
    assert_eq!(codes(&after_change), ["E0217", "E0218"], "{after_change}");
    let after = hover(&mut server, &mut seen);
    assert!(after.contains("Compile a target, fast."), "{after}");

    // Closed, the module is read from the disk, where it is not.
    server.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": LIBRARY_URI}}),
    );
    let after_close = importer_diagnostics(&server);
    assert_eq!(codes(&after_close), ["E0216"], "{after_close}");
}

/// A client that watches files for the server is asked to watch `.pipe` files; a module
/// changed or deleted on disk is then checked again in the open documents importing it.
#[test]
fn importers_follow_their_module_on_disk() {
    let root = tempfile::tempdir().unwrap();
    let library = root.path().join("lib.pipe");
    std::fs::write(&library, LIBRARY).unwrap();
    let watching = json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}});
    let (mut server, _) = initialized_with(
        json!({"processId": null, "rootUri": file_uri(&root, ""), "capabilities": watching}),
    );
    let registration = loop {
        let message = server.next();
        if message["method"] == "client/registerCapability" {
            break message;
        }
    };
    let registered = &registration["params"]["registrations"][0];
    assert_eq!(registered["method"], "workspace/didChangeWatchedFiles");
    assert_eq!(
        registered["registerOptions"]["watchers"],
        json!([{"globPattern": "**/*.pipe"}])
    );
    server.send(&json!({"jsonrpc": "2.0", "id": registration["id"], "result": null}));

    let ci = file_uri(&root, "ci.pipe");
    server.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": ci, "languageId": "pipe", "version": 1, "text": WITH_LIBRARY}}),
    );
    assert_eq!(server.diagnostics()["diagnostics"], json!([]));
    let codes_after = |server: &mut Server, kind: u8| -> Vec<String> {
        server.notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": file_uri(&root, "lib.pipe"), "type": kind}]}),
        );
        let published = server.diagnostics();
        assert_eq!(published["uri"], ci.as_str());
        codes(&published["diagnostics"])
    };
    std::fs::write(&library, LIBRARY.replace("target: string", "goal: string")).unwrap();
    assert_eq!(codes_after(&mut server, 2), ["E0217", "E0218"]);
    std::fs::remove_file(&library).unwrap();
    assert_eq!(codes_after(&mut server, 3), ["E0216"]);
}

/// Workspace symbols: the declarations of every workspace file whose name holds the
/// query's letters in order, with the pipeline a job is in; vendored and hidden folders
/// are not searched.
#[test]
fn workspace_symbols_search_the_files_of_the_workspace() {
    let root = workspace_on_disk();
    let (mut server, capabilities) = initialized_with(
        json!({"processId": null, "rootUri": file_uri(&root, ""), "capabilities": {}}),
    );
    assert_eq!(capabilities["workspaceSymbolProvider"], true);
    let mut seen = Vec::new();
    let mut search = |query: &str| {
        let found = server.request("workspace/symbol", json!({"query": query}), &mut seen);
        found["result"].as_array().unwrap().clone()
    };
    let ship = search("shp");
    assert_eq!(ship.len(), 1, "{ship:?}");
    assert_eq!(ship[0]["name"], "ship");
    assert_eq!(ship[0]["kind"], 5, "a job is a class");
    assert_eq!(ship[0]["containerName"], "deploy");
    assert_eq!(
        ship[0]["location"]["uri"],
        file_uri(&root, "deploy/ship.pipe")
    );
    assert_eq!(ship[0]["location"]["range"], span(5, 6, 10));
    let compile = search("CMP");
    let names: Vec<(&str, &str)> = compile
        .iter()
        .map(|s| {
            let uri = s["location"]["uri"].as_str().unwrap();
            (s["name"].as_str().unwrap(), uri.rsplit('/').next().unwrap())
        })
        .collect();
    assert_eq!(names, [("compile", "lib.pipe")]);
    assert_eq!(
        search("pmoc"),
        Vec::<Value>::new(),
        "the letters are in order"
    );
}

/// A workspace on disk: a module, a file importing it through a namespace and one by
/// name in a subdirectory, and importers where no workspace file is looked for.
fn workspace_on_disk() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = root.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("lib.pipe", LIBRARY);
    write("ci.pipe", WITH_LIBRARY);
    let by_name = "import { compile } from \"../lib.pipe\"\n\npipeline deploy {\n  on push\n\n  job ship {\n    step compile(target: \"dist\")\n  }\n}\n";
    write("deploy/ship.pipe", by_name);
    write("node_modules/pkg/vendored.pipe", by_name);
    write(".cache/copy.pipe", by_name);
    root
}

fn file_uri(root: &tempfile::TempDir, path: &str) -> String {
    format!("file://{}", root.path().join(path).display())
}

#[test]
fn a_module_template_is_renamed_in_every_file_of_the_workspace() {
    let root = workspace_on_disk();
    let (mut server, _) = initialized_with(
        json!({"processId": null, "rootUri": file_uri(&root, ""), "capabilities": {}}),
    );
    let ci = file_uri(&root, "ci.pipe");
    server.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": ci, "languageId": "pipe", "version": 1, "text": WITH_LIBRARY}}),
    );
    let mut seen = Vec::new();
    // `lib.compile`, on `compile`: only the name after the namespace is renamed.
    let place = json!({"textDocument": {"uri": ci}, "position": {"line": 6, "character": 15}});
    let prepared = server.request("textDocument/prepareRename", place.clone(), &mut seen);
    assert_eq!(prepared["result"], span(6, 13, 20), "{prepared}");
    let mut rename = place.clone();
    rename["newName"] = json!("build_target");
    let edit = server.request("textDocument/rename", rename, &mut seen);
    let changes = edit["result"]["changes"].as_object().unwrap();
    let mut files: Vec<&str> = changes.keys().map(String::as_str).collect();
    files.sort_unstable();
    let (deploy, lib) = (
        file_uri(&root, "deploy/ship.pipe"),
        file_uri(&root, "lib.pipe"),
    );
    assert_eq!(
        files,
        [ci.as_str(), deploy.as_str(), lib.as_str()],
        "{edit}"
    );
    assert_eq!(changes[&ci][0]["range"], span(6, 13, 20), "{edit}");
    assert_eq!(changes[&lib][0]["range"], span(3, 14, 21), "{edit}");
    // The name in the braces of the import, and the call.
    assert_eq!(changes[&deploy].as_array().unwrap().len(), 2, "{edit}");

    // A file added since is found by the next request.
    std::fs::write(root.path().join("late.pipe"), WITH_LIBRARY).unwrap();
    let mut references = place;
    references["context"] = json!({"includeDeclaration": true});
    let found = server.request("textDocument/references", references, &mut seen);
    let mut files: Vec<&str> = found["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["uri"].as_str().unwrap())
        .collect();
    files.dedup();
    let late = file_uri(&root, "late.pipe");
    assert_eq!(
        files,
        [lib.as_str(), ci.as_str(), deploy.as_str(), late.as_str()],
        "{found}"
    );
}

/// A manual trigger's inputs, read in a condition being typed.
const WITH_INPUTS: &str = "pipeline ci {\n  on workflow_dispatch {\n    input version: string { required: true }\n  }\n  job build {\n    when: inputs.\n    step { run: \"make\" }\n  }\n}\n";

#[test]
fn quick_fixes_come_from_the_diagnostics_and_inputs_complete() {
    let mut server = initialized(json!({}));
    open(&mut server, BROKEN);
    let published = server.diagnostics();
    let diagnostic = &published["diagnostics"][0];
    assert_eq!(diagnostic["code"], "E0201", "{published}");
    let mut seen = Vec::new();
    let actions = server.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": URI},
            "range": diagnostic["range"],
            "context": {"diagnostics": [diagnostic]},
        }),
        &mut seen,
    );
    let actions = actions["result"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{actions:?}");
    let fix = &actions[0];
    assert_eq!(fix["title"], "Change to `build`");
    assert_eq!(fix["kind"], "quickfix");
    assert_eq!(fix["isPreferred"], true);
    assert_eq!(fix["diagnostics"][0]["code"], "E0201");
    assert_eq!(
        fix["edit"]["changes"][URI],
        json!([{"range": span(7, 12, 17), "newText": "build"}])
    );
    // Nothing to fix away from the diagnostic.
    let elsewhere = server.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": URI},
            "range": span(3, 2, 2),
            "context": {"diagnostics": []},
        }),
        &mut seen,
    );
    assert_eq!(elsewhere["result"], json!([]));

    server.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI, "version": 2}, "contentChanges": [{"text": WITH_INPUTS}]}),
    );
    let inputs = server.request("textDocument/completion", at(5, 17), &mut seen);
    assert_eq!(labels(&inputs), ["version"]);
    assert_eq!(inputs["result"][0]["kind"], 6, "a variable: {inputs}");
    assert_eq!(inputs["result"][0]["detail"], "string");
}

const FOLDS_AND_TOKENS: &str = "# CI ✓\n# two\nimport \"std/git\"\n\npipeline ci {\n  on push\n  job build \"Build 🚀\" {\n    step git.checkout()\n  }\n}\n";

/// Folding ranges and semantic tokens, decoded with the legend the server advertises:
/// absolute lines and UTF-16 columns, type names and the declaration modifier.
#[test]
fn folding_ranges_and_semantic_tokens() {
    let (mut server, capabilities) =
        initialized_with(json!({"processId": null, "rootUri": null, "capabilities": {}}));
    assert_eq!(capabilities["foldingRangeProvider"], true);
    let provider = &capabilities["semanticTokensProvider"];
    assert_eq!(provider["full"], true);
    let legend = &provider["legend"];
    let types: Vec<&str> = legend["tokenTypes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    let declaration = legend["tokenModifiers"]
        .as_array()
        .unwrap()
        .iter()
        .position(|m| m == "declaration")
        .unwrap();
    open(&mut server, FOLDS_AND_TOKENS);
    let document = json!({"textDocument": {"uri": URI}});

    let folds = server.request(
        "textDocument/foldingRange",
        document.clone(),
        &mut Vec::new(),
    );
    let folds = folds["result"].as_array().unwrap();
    for expected in [
        json!({"startLine": 0, "endLine": 1, "kind": "comment"}),
        json!({"startLine": 4, "endLine": 9}),
        json!({"startLine": 6, "endLine": 8}),
    ] {
        assert!(folds.contains(&expected), "{expected} is not in {folds:?}");
    }

    let tokens = server.request(
        "textDocument/semanticTokens/full",
        document,
        &mut Vec::new(),
    );
    let data: Vec<u64> = tokens["result"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect();
    let (mut line, mut start) = (0, 0);
    let mut decoded = Vec::new();
    for token in data.chunks(5) {
        let [delta_line, delta_start, length, kind, modifiers] = token else {
            panic!("a token is five numbers: {token:?}");
        };
        start = if *delta_line == 0 {
            start + delta_start
        } else {
            *delta_start
        };
        line += delta_line;
        let declared = modifiers & (1 << declaration) != 0;
        decoded.push((line, start, *length, types[*kind as usize], declared));
    }
    assert_eq!(
        decoded[..14],
        [
            (0, 0, 6, "comment", false),
            (1, 0, 5, "comment", false),
            (2, 0, 6, "keyword", false),
            (2, 7, 9, "string", false),
            (4, 0, 8, "keyword", false),
            (4, 9, 2, "namespace", true),
            (5, 2, 2, "keyword", false),
            (5, 5, 4, "event", false),
            (6, 2, 3, "keyword", false),
            (6, 6, 5, "class", true),
            // `"Build 🚀"`: the rocket is two UTF-16 code units.
            (6, 12, 10, "string", false),
            (7, 4, 4, "keyword", false),
            (7, 9, 3, "namespace", false),
            (7, 13, 8, "function", false),
        ]
    );
}

#[test]
fn formatting_edits_only_the_lines_that_change_and_refuses_a_broken_file() {
    let mut server = initialized(json!({}));
    let text = "pipeline ci {\n  on push {}\n\n\n  job test {\n        runs_on: \"ubuntu-latest\"\n    step \"Test\" { run: \"cargo test\" }\n  }\n}\n";
    open(&mut server, text);
    let options = json!({"tabSize": 4, "insertSpaces": true});
    let edits = server.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": URI}, "options": options}),
        &mut Vec::new(),
    );
    assert_eq!(
        edits["result"],
        json!([{
            "range": {"start": {"line": 3, "character": 0}, "end": {"line": 6, "character": 0}},
            "newText": "  job test {\n    runs_on: \"ubuntu-latest\"\n"
        }])
    );
    server.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI, "version": 2}, "contentChanges": [{"text": "pipeline ci {\n  job {\n"}]}),
    );
    let refused = server.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": URI}, "options": options}),
        &mut Vec::new(),
    );
    assert_eq!(refused["result"], Value::Null, "{refused}");
}

const HINTED: &str = "template step deploy_site(directory: string, tag: string = \"latest\") {\n  run: \"./deploy.sh ${{ directory }} ${{ tag }}\"\n}\n\nlet regions = [\"eu\", \"us\"]\n\npipeline nightly \"Nächtlich 🌙\" { on schedule { cron: \"30 2 * * 1\" }\n  job deploy {\n    env { REGIONS: \"${{ regions }}\" }\n    step deploy_site(directory: \"public\", tag: \"v1\")\n  }\n}\n";

/// Inlay hints (a schedule in words after its string, at a UTF-16 column past the moon;
/// a `let`'s type after its name) and signature help with the parameter under the cursor,
/// as offsets into the label for a client that takes them.
#[test]
fn inlay_hints_and_signature_help() {
    let offsets = json!({"textDocument": {"signatureHelp": {"signatureInformation": {
        "parameterInformation": {"labelOffsetSupport": true}}}}});
    let (mut server, capabilities) =
        initialized_with(json!({"processId": null, "rootUri": null, "capabilities": offsets}));
    assert_eq!(capabilities["inlayHintProvider"], true);
    assert_eq!(
        capabilities["signatureHelpProvider"]["triggerCharacters"],
        json!(["(", ","])
    );
    open(&mut server, HINTED);
    let mut seen = Vec::new();

    let whole = json!({"start": {"line": 0, "character": 0}, "end": {"line": 12, "character": 0}});
    let hints = server.request(
        "textDocument/inlayHint",
        json!({"textDocument": {"uri": URI}, "range": whole}),
        &mut seen,
    );
    assert_eq!(
        hints["result"],
        json!([
            {"position": {"line": 4, "character": 11}, "label": ": list(string)", "kind": 1,
             "paddingLeft": false},
            {"position": {"line": 6, "character": 66}, "label": "at 02:30 UTC, on Monday",
             "paddingLeft": true},
        ])
    );
    // Only the hints in the range asked for.
    let schedule_line =
        json!({"start": {"line": 6, "character": 0}, "end": {"line": 7, "character": 0}});
    let hints = server.request(
        "textDocument/inlayHint",
        json!({"textDocument": {"uri": URI}, "range": schedule_line}),
        &mut seen,
    );
    assert_eq!(hints["result"].as_array().unwrap().len(), 1, "{hints}");

    // In `tag: "v1"` of the call.
    let help = server.request("textDocument/signatureHelp", at(9, 45), &mut seen);
    let signature = &help["result"]["signatures"][0];
    assert_eq!(
        signature["label"],
        "step deploy_site(directory: string, tag: string = \"latest\")"
    );
    assert_eq!(help["result"]["activeParameter"], 1);
    assert_eq!(signature["activeParameter"], 1);
    assert_eq!(
        signature["parameters"],
        json!([{"label": [17, 34]}, {"label": [36, 58]}])
    );
    // Outside the parentheses there is no call to help with.
    let none = server.request("textDocument/signatureHelp", at(9, 4), &mut seen);
    assert_eq!(none["result"], Value::Null);
}

/// A client that folds whole lines (VS Code) would hide a fold's closing brace with its
/// body: its folds end a line earlier; comment runs, which end on a comment, do not.
#[test]
fn folds_keep_the_closing_brace_visible_for_line_folding_clients() {
    let mut server =
        initialized(json!({"textDocument": {"foldingRange": {"lineFoldingOnly": true}}}));
    open(&mut server, FOLDS_AND_TOKENS);
    let folds = server.request(
        "textDocument/foldingRange",
        json!({"textDocument": {"uri": URI}}),
        &mut Vec::new(),
    );
    assert_eq!(
        folds["result"],
        json!([
            {"startLine": 0, "endLine": 1, "kind": "comment"},
            {"startLine": 4, "endLine": 8},
            {"startLine": 6, "endLine": 7},
        ])
    );
}
