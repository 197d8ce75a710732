//! `pipec lsp`: the language server, over stdio. This crate only converts between LSP and
//! the compiler's [`pipec_compiler::ide`] module, which answers every question with the
//! same parser and checker as `pipec check`.
//!
//! Documents are synced in full (`TextDocumentSyncKind::FULL`). Handlers can run
//! concurrently, so every text is stored with its version and a change only replaces an
//! older one; a change is checked once it has stayed for a short debounce, diagnostics
//! are computed off the async runtime and published only if the document is still at the
//! version they were computed for. A change of a module, in the editor or on disk (for a
//! client that watches files), also publishes again the diagnostics of the open
//! documents whose analysis read it. A panic while analysing is
//! caught and reported to the client as a log message, never a dead server.
//!
//! References and rename search the workspace: the `.pipe` files under the folders the
//! client gave at initialize, walked on each request so a file added since is found, and
//! the open documents.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use pipec_compiler::Severity;
use pipec_compiler::ide::{self, IdeDiagnostic};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

/// One open document: the version the client gave it, and its text with the parse and
/// analysis the first request that needs them makes, so a change costs one analysis,
/// shared by its diagnostics and every request until the next change.
#[derive(Clone)]
struct Document {
    version: i32,
    contents: Arc<ide::Document>,
}

type Documents = Arc<Mutex<HashMap<Uri, Document>>>;

/// How long a changed text must stay unchanged before it is checked.
pub const DEBOUNCE: std::time::Duration = std::time::Duration::from_millis(30);

pub struct Backend {
    client: Client,
    documents: Documents,
    /// What the client said it supports when it initialized.
    support: OnceLock<ClientSupport>,
    /// The workspace folders (or root) the client gave when it initialized.
    roots: OnceLock<Vec<PathBuf>>,
}

/// The client capabilities that change what the server answers.
#[derive(Clone, Copy, Debug, Default)]
struct ClientSupport {
    /// The client takes a signature's parameters as offsets into its label, which tell
    /// apart two parameters whose text is alike.
    parameter_label_offsets: bool,
    /// The client folds whole lines (VS Code): a fold must end on the line before a
    /// closing `}`, or the brace is hidden with the body.
    line_folding_only: bool,
    /// The client watches files for the server when asked after initializing: a module
    /// changed on disk (a checkout, another editor) is then checked again in importers.
    watches_files: bool,
}

impl ClientSupport {
    fn of(capabilities: &ClientCapabilities) -> ClientSupport {
        let text = capabilities.text_document.as_ref();
        let parameter_label_offsets = text
            .and_then(|text| text.signature_help.as_ref())
            .and_then(|help| help.signature_information.as_ref())
            .and_then(|information| information.parameter_information.as_ref())
            .and_then(|parameters| parameters.label_offset_support);
        let line_folding_only = text
            .and_then(|text| text.folding_range.as_ref())
            .and_then(|folding| folding.line_folding_only);
        let watches_files = capabilities
            .workspace
            .as_ref()
            .and_then(|workspace| workspace.did_change_watched_files.as_ref())
            .and_then(|watched| watched.dynamic_registration);
        ClientSupport {
            parameter_label_offsets: parameter_label_offsets.unwrap_or(false),
            line_folding_only: line_folding_only.unwrap_or(false),
            watches_files: watches_files.unwrap_or(false),
        }
    }
}

/// Serves the language server on stdin and stdout until the client exits.
pub fn run_stdio() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let (service, socket) = service();
        Server::new(tokio::io::stdin(), tokio::io::stdout(), socket)
            .serve(service)
            .await;
    });
    Ok(())
}

/// The service, for `run_stdio` and for in-process tests.
pub fn service() -> (LspService<Backend>, tower_lsp_server::ClientSocket) {
    LspService::new(|client| Backend {
        client,
        documents: Arc::default(),
        support: OnceLock::new(),
        roots: OnceLock::new(),
    })
}

impl Backend {
    /// Stores a text unless the document already has a newer one (`None`); the open
    /// documents that import it, whose diagnostics may change with it.
    fn store(&self, uri: &Uri, version: i32, text: String) -> Option<Vec<Uri>> {
        let mut documents = self.documents.lock().ok()?;
        if documents
            .get(uri)
            .is_some_and(|current| current.version > version)
        {
            return None;
        }
        let importers = reanalyse_importers(&mut documents, uri);
        let document = Document {
            version,
            contents: Arc::new(ide::Document::new(display_path(uri), text)),
        };
        documents.insert(uri.clone(), document);
        Some(importers)
    }

    fn support(&self) -> ClientSupport {
        self.support.get().copied().unwrap_or_default()
    }

    fn document(&self, uri: &Uri) -> Option<Document> {
        self.documents.lock().ok()?.get(uri).cloned()
    }

    /// The paths of the workspace's `.pipe` files and of the open documents, sorted. With
    /// no folder from the client, the directory of the document at `path` stands for one,
    /// without its subdirectories: it may be a home directory.
    fn workspace(&self, path: &str) -> Vec<String> {
        let mut files = Vec::new();
        match self.roots.get().filter(|roots| !roots.is_empty()) {
            Some(roots) => {
                for root in roots {
                    pipe_files(root, true, &mut files);
                }
            }
            None => {
                if let Some(directory) = Path::new(path).parent() {
                    pipe_files(directory, false, &mut files);
                }
            }
        }
        let mut paths: Vec<String> = files
            .iter()
            .map(|file| file.to_string_lossy().into_owned())
            .collect();
        if let Ok(documents) = self.documents.lock() {
            paths.extend(documents.keys().map(display_path));
        }
        paths.sort();
        paths.dedup();
        paths
    }

    /// Answers a request at a position with an `ide` function that reads the document's
    /// parse and, for imports, the other documents; `None` for a document not open, an
    /// internal error (not a dead server) if the function panics.
    fn answer<T>(
        &self,
        place: TextDocumentPositionParams,
        question: impl FnOnce(
            &ide::Document,
            usize,
            &mut dyn FnMut(&str) -> std::result::Result<String, String>,
        ) -> T,
    ) -> Result<Option<T>> {
        let Some(document) = self.document(&place.text_document.uri) else {
            return Ok(None);
        };
        let offset = at(&document, place.position);
        self.guarded(|read| question(&document.contents, offset, read))
            .map(Some)
    }

    /// Runs an `ide` question that reads modules from the open documents, else the disk;
    /// a panic in it is an internal error, never a dead server.
    fn guarded<T>(
        &self,
        question: impl FnOnce(&mut dyn FnMut(&str) -> std::result::Result<String, String>) -> T,
    ) -> Result<T> {
        catch_unwind(AssertUnwindSafe(|| {
            let mut read = |path: &str| read_module(&self.documents, path);
            question(&mut read)
        }))
        .map_err(|_| Error::internal_error())
    }

    /// Answers a request about a whole document from its parse: `None` for a document not
    /// open, an internal error (not a dead server) if the `ide` function panics.
    fn whole_document<T>(
        &self,
        uri: &Uri,
        question: impl FnOnce(&ide::Document) -> T,
    ) -> Result<Option<T>> {
        let Some(document) = self.document(uri) else {
            return Ok(None);
        };
        self.guarded(|_| question(&document.contents)).map(Some)
    }

    async fn publish_all(&self, uris: Vec<Uri>) {
        for uri in uris {
            self.publish(uri).await;
        }
    }

    /// Checks a document and publishes its diagnostics, if it is still at that version.
    async fn publish(&self, uri: Uri) {
        let Some(document) = self.document(&uri) else {
            return;
        };
        let documents = Arc::clone(&self.documents);
        let contents = Arc::clone(&document.contents);
        let analysed = tokio::task::spawn_blocking(move || {
            catch_unwind(AssertUnwindSafe(|| {
                let mut read = |path: &str| read_module(&documents, path);
                ide::diagnostics(&contents, &mut read)
            }))
        })
        .await;
        let diagnostics = match analysed {
            Ok(Ok(diagnostics)) => diagnostics,
            _ => {
                self.client
                    .log_message(
                        MessageType::ERROR,
                        format!("pipec: checking {} failed (a bug in pipec)", uri.as_str()),
                    )
                    .await;
                return;
            }
        };
        let still_current = self
            .document(&uri)
            .is_some_and(|current| current.version == document.version);
        if still_current {
            let diagnostics = diagnostics
                .iter()
                .map(|d| lsp_diagnostic(&uri, d))
                .collect();
            self.client
                .publish_diagnostics(uri, diagnostics, Some(document.version))
                .await;
        }
    }
}

/// Sets the open documents other than `changed` whose analysis read it, or may have (not
/// analysed yet, or being analysed), to be analysed again when next asked; their URIs,
/// in order. The others keep their analysis.
fn reanalyse_importers(documents: &mut HashMap<Uri, Document>, changed: &Uri) -> Vec<Uri> {
    let path = display_path(changed);
    let mut importers = Vec::new();
    for (uri, document) in documents.iter_mut().filter(|(uri, _)| *uri != changed) {
        if document.contents.analysis_read(&path) != Some(false) {
            document.contents = Arc::new(document.contents.reanalysed());
            importers.push(uri.clone());
        }
    }
    importers.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    importers
}

/// An imported module: an open document's text, else the file on disk.
fn read_module(documents: &Documents, path: &str) -> std::result::Result<String, String> {
    let open = documents.lock().ok().and_then(|documents| {
        documents
            .iter()
            .find(|(uri, _)| display_path(uri) == path)
            .map(|(_, document)| document.contents.text().to_owned())
    });
    match open {
        Some(text) => Ok(text),
        None => std::fs::read_to_string(path).map_err(|e| e.to_string()),
    }
}

/// The `.pipe` files in `directory`, and in its subdirectories when `recursive` but for
/// hidden ones and build outputs (`target`, `node_modules`). Symbolic links to directories
/// are not followed, so a link cycle cannot loop; unreadable directories are skipped.
fn pipe_files(directory: &Path, recursive: bool, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let skipped = name.starts_with('.') || name == "target" || name == "node_modules";
            if recursive && !skipped {
                pipe_files(&path, recursive, files);
            }
        } else if path
            .extension()
            .is_some_and(|extension| extension == "pipe")
        {
            files.push(path);
        }
    }
}

/// The folders of a workspace as the client gave them: its workspace folders, else its
/// root (deprecated in the protocol, still sent by older clients).
#[allow(deprecated)]
fn workspace_roots(params: &InitializeParams) -> Vec<PathBuf> {
    let uris: Vec<&Uri> = match params.workspace_folders.as_ref() {
        Some(folders) if !folders.is_empty() => folders.iter().map(|f| &f.uri).collect(),
        _ => params.root_uri.iter().collect(),
    };
    uris.into_iter()
        .filter_map(|uri| uri.to_file_path())
        .map(|path| path.into_owned())
        .collect()
}

/// The path the compiler knows a document by (imports are resolved against it).
fn display_path(uri: &Uri) -> String {
    uri.to_file_path()
        .map(|path| path.to_string_lossy().into_owned())
        .unwrap_or_else(|| uri.as_str().to_string())
}

/// The URI of the document the compiler knows by `path`: the inverse of [`display_path`].
fn uri(path: &str) -> Option<Uri> {
    Uri::from_file_path(path).or_else(|| path.parse().ok())
}

/// A location in a document the client can open; `None` for a path that names none.
fn location(location: ide::Location) -> Option<Location> {
    Some(Location {
        uri: uri(&location.path)?,
        range: range(location.range),
    })
}

fn position(position: ide::Position) -> Position {
    Position {
        line: position.line,
        character: position.character,
    }
}

fn ide_range(range: Range) -> ide::Range {
    let position = |position: Position| ide::Position {
        line: position.line,
        character: position.character,
    };
    ide::Range {
        start: position(range.start),
        end: position(range.end),
    }
}

fn range(range: ide::Range) -> Range {
    Range {
        start: position(range.start),
        end: position(range.end),
    }
}

/// An `ide` edit: the range it replaces and its text.
fn text_edit((at, new_text): (ide::Range, String)) -> TextEdit {
    TextEdit {
        range: range(at),
        new_text,
    }
}

fn lsp_diagnostic(uri: &Uri, diagnostic: &IdeDiagnostic) -> Diagnostic {
    Diagnostic {
        range: range(diagnostic.range),
        severity: Some(match diagnostic.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(diagnostic.code.to_string())),
        source: Some("pipec".into()),
        message: format!(
            "{} [{}; pipec explain {}]",
            diagnostic.message, diagnostic.name, diagnostic.code
        ),
        related_information: (!diagnostic.related.is_empty()).then(|| {
            diagnostic
                .related
                .iter()
                .map(|(at, message)| DiagnosticRelatedInformation {
                    location: Location {
                        uri: uri.clone(),
                        range: range(*at),
                    },
                    message: message.clone(),
                })
                .collect()
        }),
        ..Diagnostic::default()
    }
}

fn symbol_kind(kind: ide::SymbolKind) -> SymbolKind {
    match kind {
        ide::SymbolKind::Pipeline => SymbolKind::MODULE,
        ide::SymbolKind::Job => SymbolKind::CLASS,
        ide::SymbolKind::Step => SymbolKind::METHOD,
        ide::SymbolKind::Template => SymbolKind::FUNCTION,
        ide::SymbolKind::Let => SymbolKind::CONSTANT,
        ide::SymbolKind::Gate => SymbolKind::INTERFACE,
        ide::SymbolKind::Environment => SymbolKind::NAMESPACE,
        ide::SymbolKind::Input => SymbolKind::FIELD,
        ide::SymbolKind::Service => SymbolKind::OBJECT,
        ide::SymbolKind::Enum => SymbolKind::ENUM,
    }
}

/// A fold as the client folds: a client that folds whole lines gets folds that end before
/// a closing line, and none where that leaves one line.
fn folding_range(fold: &ide::FoldingRange, line_folding_only: bool) -> Option<FoldingRange> {
    let end_line = match line_folding_only && fold.ends_with_closer {
        true => fold.end_line.saturating_sub(1),
        false => fold.end_line,
    };
    (end_line > fold.start_line).then(|| FoldingRange {
        start_line: fold.start_line,
        end_line,
        kind: fold.kind.map(|kind| match kind {
            ide::FoldingKind::Comment => FoldingRangeKind::Comment,
            ide::FoldingKind::Imports => FoldingRangeKind::Imports,
        }),
        ..FoldingRange::default()
    })
}

/// The compiler's token types and modifiers, whose indices its tokens carry.
fn semantic_tokens_legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: ide::TOKEN_TYPES
            .iter()
            .map(|&name| SemanticTokenType::new(name))
            .collect(),
        token_modifiers: ide::TOKEN_MODIFIERS
            .iter()
            .map(|&name| SemanticTokenModifier::new(name))
            .collect(),
    }
}

/// The protocol's encoding of tokens in document order: each one's line relative to the
/// one before, and its column relative to that one's on the same line.
fn encode_semantic_tokens(tokens: &[ide::SemanticToken]) -> Vec<SemanticToken> {
    let mut previous = ide::Position::default();
    tokens
        .iter()
        .map(|token| {
            let delta_line = token.line.saturating_sub(previous.line);
            let delta_start = if delta_line == 0 {
                token.start.saturating_sub(previous.character)
            } else {
                token.start
            };
            previous = ide::Position {
                line: token.line,
                character: token.start,
            };
            SemanticToken {
                delta_line,
                delta_start,
                length: token.length,
                token_type: token.token_type.index(),
                token_modifiers_bitset: token.modifiers,
            }
        })
        .collect()
}

fn inlay_hint(hint: ide::InlayHint) -> InlayHint {
    InlayHint {
        position: position(hint.position),
        kind: match hint.kind {
            ide::InlayHintKind::Type => Some(InlayHintKind::TYPE),
            // The protocol has no kind for words about a value.
            ide::InlayHintKind::Schedule => None,
        },
        // A type reads as if written (`: string`); a schedule's words stand apart.
        padding_left: Some(hint.kind == ide::InlayHintKind::Schedule),
        label: InlayHintLabel::String(hint.label),
        text_edits: None,
        tooltip: None,
        padding_right: None,
        data: None,
    }
}

/// One signature; each parameter as offsets into its label, or for a client that takes
/// none, as its text. No active parameter (an argument naming none) is left out, which
/// the protocol up to 3.17 cannot say otherwise.
fn signature_help(help: ide::SignatureHelp, label_offsets: bool) -> SignatureHelp {
    let markdown = |value: String| {
        Documentation::MarkupContent(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        })
    };
    let units: Vec<u16> = help.label.encode_utf16().collect();
    let parameters = help
        .parameters
        .into_iter()
        .map(|parameter| {
            let (start, end) = parameter.label;
            let label = if label_offsets {
                ParameterLabel::LabelOffsets([start, end])
            } else {
                let text = units.get(start as usize..end as usize).unwrap_or_default();
                ParameterLabel::Simple(String::from_utf16_lossy(text))
            };
            ParameterInformation {
                label,
                documentation: parameter.doc.map(markdown),
            }
        })
        .collect();
    let active_parameter = help
        .active_parameter
        .and_then(|index| u32::try_from(index).ok());
    SignatureHelp {
        signatures: vec![SignatureInformation {
            label: help.label,
            documentation: help.doc.map(markdown),
            parameters: Some(parameters),
            active_parameter,
        }],
        active_signature: Some(0),
        active_parameter,
    }
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` must be written, as `None`.
fn document_symbol(symbol: &ide::Symbol) -> DocumentSymbol {
    DocumentSymbol {
        name: symbol.name.clone(),
        detail: None,
        kind: symbol_kind(symbol.kind),
        tags: None,
        deprecated: None,
        range: range(symbol.range),
        selection_range: range(symbol.selection),
        children: (!symbol.children.is_empty())
            .then(|| symbol.children.iter().map(document_symbol).collect()),
    }
}

/// The document's text and the byte offset of an LSP position in it.
fn at(document: &Document, position: Position) -> usize {
    ide::LineIndex::new(document.contents.text()).offset(ide::Position {
        line: position.line,
        character: position.character,
    })
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let _ = self.support.set(ClientSupport::of(&params.capabilities));
        let _ = self.roots.set(workspace_roots(&params));
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "pipec".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            capabilities: ServerCapabilities {
                text_document_sync: Some(TextDocumentSyncCapability::Kind(
                    TextDocumentSyncKind::FULL,
                )),
                document_symbol_provider: Some(OneOf::Left(true)),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec![".".into(), "[".into(), "(".into()]),
                    ..CompletionOptions::default()
                }),
                definition_provider: Some(OneOf::Left(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                        ..CodeActionOptions::default()
                    },
                )),
                references_provider: Some(OneOf::Left(true)),
                document_highlight_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                document_link_provider: Some(DocumentLinkOptions {
                    resolve_provider: Some(false),
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                }),
                document_formatting_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                })),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                inlay_hint_provider: Some(OneOf::Left(true)),
                signature_help_provider: Some(SignatureHelpOptions {
                    trigger_characters: Some(vec!["(".into(), ",".into()]),
                    ..SignatureHelpOptions::default()
                }),
                semantic_tokens_provider: Some(
                    SemanticTokensOptions {
                        legend: semantic_tokens_legend(),
                        full: Some(SemanticTokensFullOptions::Bool(true)),
                        ..SemanticTokensOptions::default()
                    }
                    .into(),
                ),
                ..ServerCapabilities::default()
            },
            ..InitializeResult::default()
        })
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn initialized(&self, _: InitializedParams) {
        if !self.support().watches_files {
            return;
        }
        let watched = DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![FileSystemWatcher {
                glob_pattern: GlobPattern::String("**/*.pipe".into()),
                kind: None,
            }],
        };
        let registration = Registration {
            id: "pipe-files".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: serde_json::to_value(watched).ok(),
        };
        if let Err(error) = self.client.register_capability(vec![registration]).await {
            let message = format!("pipec: imports changed on disk will not be seen: {error}");
            self.client.log_message(MessageType::WARNING, message).await;
        }
    }

    /// A `.pipe` file changed, appeared or went on disk: the open documents that import it
    /// are checked again. An open document's text is the editor's, not the disk's.
    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let importers = match self.documents.lock() {
            Ok(mut documents) => {
                let mut importers = Vec::new();
                for change in &params.changes {
                    if !documents.contains_key(&change.uri) {
                        importers.extend(reanalyse_importers(&mut documents, &change.uri));
                    }
                }
                importers.sort_by(|a, b| a.as_str().cmp(b.as_str()));
                importers.dedup();
                importers
            }
            Err(_) => Vec::new(),
        };
        self.publish_all(importers).await;
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let document = params.text_document;
        if let Some(importers) = self.store(&document.uri, document.version, document.text) {
            self.publish(document.uri).await;
            self.publish_all(importers).await;
        }
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        // Full sync: the last change holds the whole text.
        let Some(change) = params.content_changes.into_iter().last() else {
            return;
        };
        let document = params.text_document;
        let Some(importers) = self.store(&document.uri, document.version, change.text) else {
            return;
        };
        // While the user types, each keystroke is a change: only a text that stays for
        // `DEBOUNCE` is checked, so a burst of changes costs one analysis, not one each.
        tokio::time::sleep(DEBOUNCE).await;
        let still_current = self
            .document(&document.uri)
            .is_some_and(|current| current.version == document.version);
        if still_current {
            self.publish(document.uri).await;
            self.publish_all(importers).await;
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        // The importers read the module from the disk now.
        let importers = match self.documents.lock() {
            Ok(mut documents) => {
                documents.remove(&uri);
                reanalyse_importers(&mut documents, &uri)
            }
            Err(_) => Vec::new(),
        };
        self.client.publish_diagnostics(uri, Vec::new(), None).await;
        self.publish_all(importers).await;
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        let Some(symbols) = self.whole_document(&params.text_document.uri, ide::symbols)? else {
            return Ok(None);
        };
        Ok(Some(DocumentSymbolResponse::Nested(
            symbols.iter().map(document_symbol).collect(),
        )))
    }

    /// `pipec fmt`'s layout as one edit of the lines that change; `None` for a document
    /// with syntax errors, which the formatter refuses (its diagnostics say why).
    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let Some(edits) = self.whole_document(&params.text_document.uri, ide::formatting)? else {
            return Ok(None);
        };
        Ok(edits.map(|edits| edits.into_iter().map(text_edit).collect()))
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        let Some(folds) = self.whole_document(&params.text_document.uri, ide::folding_ranges)?
        else {
            return Ok(None);
        };
        let line_folding_only = self.support().line_folding_only;
        Ok(Some(
            folds
                .iter()
                .filter_map(|fold| folding_range(fold, line_folding_only))
                .collect(),
        ))
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        let Some(tokens) = self.whole_document(&params.text_document.uri, ide::semantic_tokens)?
        else {
            return Ok(None);
        };
        Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
            result_id: None,
            data: encode_semantic_tokens(&tokens),
        })))
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let uri = params.text_document.uri;
        let Some(document) = self.document(&uri) else {
            return Ok(None);
        };
        let hints = self
            .guarded(|read| ide::inlay_hints(&document.contents, ide_range(params.range), read))?;
        Ok(Some(hints.into_iter().map(inlay_hint).collect()))
    }

    async fn signature_help(&self, params: SignatureHelpParams) -> Result<Option<SignatureHelp>> {
        let found = self.answer(params.text_document_position_params, ide::signature_help)?;
        let offsets = self.support().parameter_label_offsets;
        Ok(found.flatten().map(|help| signature_help(help, offsets)))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let markdown = self.answer(params.text_document_position_params, ide::hover)?;
        Ok(markdown.flatten().map(|value| Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            }),
            range: None,
        }))
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let found = self.answer(params.text_document_position_params, ide::definition)?;
        Ok(found
            .flatten()
            .and_then(location)
            .map(GotoDefinitionResponse::Scalar))
    }

    /// The declarations of the workspace's `.pipe` files (and the open documents) whose
    /// name holds the query's letters in order.
    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        // No document to stand for a folder: without one from the client, the open
        // documents are the workspace.
        let workspace = self.workspace("");
        let found = self.guarded(|read| ide::workspace_symbols(&params.query, &workspace, read))?;
        Ok(Some(WorkspaceSymbolResponse::Nested(
            found
                .into_iter()
                .filter_map(|symbol| {
                    Some(WorkspaceSymbol {
                        name: symbol.name,
                        kind: symbol_kind(symbol.kind),
                        tags: None,
                        container_name: symbol.container,
                        location: OneOf::Left(location(symbol.location)?),
                        data: None,
                    })
                })
                .collect(),
        )))
    }

    /// Imports open the module's file; the actions steps use, their page on GitHub.
    async fn document_link(&self, params: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
        let Some(links) = self.whole_document(&params.text_document.uri, ide::document_links)?
        else {
            return Ok(None);
        };
        Ok(Some(
            links
                .into_iter()
                .filter_map(|link| {
                    let target = match link.target {
                        ide::LinkTarget::File(path) => uri(&path)?,
                        ide::LinkTarget::Url(url) => url.parse().ok()?,
                    };
                    Some(DocumentLink {
                        range: range(link.range),
                        target: Some(target),
                        tooltip: None,
                        data: None,
                    })
                })
                .collect(),
        ))
    }

    /// The other places of the document naming what the cursor is on; the declaration is
    /// the `WRITE` one.
    async fn document_highlight(
        &self,
        params: DocumentHighlightParams,
    ) -> Result<Option<Vec<DocumentHighlight>>> {
        let found = self.answer(
            params.text_document_position_params,
            |document, offset, _| ide::document_highlights(document, offset),
        )?;
        Ok(found.map(|found| {
            found
                .into_iter()
                .map(|(at, declaration)| DocumentHighlight {
                    range: range(at),
                    kind: Some(if declaration {
                        DocumentHighlightKind::WRITE
                    } else {
                        DocumentHighlightKind::READ
                    }),
                })
                .collect()
        }))
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let include_declaration = params.context.include_declaration;
        let found = self.answer(params.text_document_position, |document, offset, read| {
            let workspace = self.workspace(document.path());
            ide::references(document, offset, include_declaration, &workspace, read)
        })?;
        Ok(found.map(|found| found.into_iter().filter_map(location).collect()))
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        let found = self.answer(params, |document, offset, _| {
            ide::prepare_rename(document, offset)
        })?;
        Ok(found
            .flatten()
            .map(|found| PrepareRenameResponse::Range(range(found))))
    }

    /// A rename the compiler refuses (not a name, a clash, a standard library template)
    /// is an `InvalidParams` error whose message says why, as the protocol asks.
    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let new_name = params.new_name;
        let Some(edits) =
            self.answer(params.text_document_position, |document, offset, read| {
                let workspace = self.workspace(document.path());
                ide::rename(document, offset, &new_name, &workspace, read)
            })?
        else {
            return Ok(None);
        };
        let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
        for (place, new_text) in edits.map_err(Error::invalid_params)? {
            let uri = uri(&place.path).ok_or_else(Error::internal_error)?;
            let edit = text_edit((place.range, new_text));
            changes.entry(uri).or_default().push(edit);
        }
        Ok(Some(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        }))
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let Some(items) = self.answer(params.text_document_position, ide::completion)? else {
            return Ok(None);
        };
        Ok(Some(CompletionResponse::Array(
            items
                .into_iter()
                .map(|item| CompletionItem {
                    kind: Some(match item.kind {
                        ide::CompletionKind::Keyword => CompletionItemKind::KEYWORD,
                        ide::CompletionKind::Job => CompletionItemKind::REFERENCE,
                        ide::CompletionKind::Template => CompletionItemKind::FUNCTION,
                        ide::CompletionKind::Parameter => CompletionItemKind::FIELD,
                        ide::CompletionKind::MatrixKey => CompletionItemKind::PROPERTY,
                        ide::CompletionKind::Input | ide::CompletionKind::Secret => {
                            CompletionItemKind::VARIABLE
                        }
                        ide::CompletionKind::Output => CompletionItemKind::PROPERTY,
                        ide::CompletionKind::Value => CompletionItemKind::ENUM_MEMBER,
                    }),
                    detail: item.detail,
                    label: item.label,
                    ..CompletionItem::default()
                })
                .collect(),
        )))
    }

    /// The checker's quick fixes of the diagnostics in the range, each with the diagnostic
    /// it resolves and its edits of the document.
    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let wanted = params.context.only.as_ref().is_none_or(|only| {
            only.iter()
                .any(|kind| CodeActionKind::QUICKFIX.as_str().starts_with(kind.as_str()))
        });
        let uri = params.text_document.uri;
        let Some(document) = self.document(&uri).filter(|_| wanted) else {
            return Ok(None);
        };
        let actions = self
            .guarded(|read| ide::code_actions(&document.contents, ide_range(params.range), read))?;
        Ok(Some(
            actions
                .into_iter()
                .map(|action| {
                    let edits = action.edits.into_iter().map(text_edit).collect();
                    CodeActionOrCommand::CodeAction(CodeAction {
                        title: action.title,
                        kind: Some(match action.kind {
                            ide::CodeActionKind::QuickFix => CodeActionKind::QUICKFIX,
                        }),
                        diagnostics: Some(vec![lsp_diagnostic(&uri, &action.diagnostic)]),
                        edit: Some(WorkspaceEdit {
                            changes: Some(HashMap::from([(uri.clone(), edits)])),
                            ..WorkspaceEdit::default()
                        }),
                        is_preferred: Some(action.preferred),
                        ..CodeAction::default()
                    })
                })
                .collect(),
        ))
    }
}
