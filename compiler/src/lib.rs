//! The pipec compiler core: `.pipe` text in, a checked pipeline IR and diagnostics out.
//!
//! Data flows one way: [`parse`] (pest, private) → [`ast`] → `check` → [`ir`]. The entry
//! point is [`analyze`]; it never panics and never fails, it returns what it could build
//! together with every diagnostic. The core does no I/O: callers fill a [`SourceDb`].

pub mod ast;
pub mod diagnostics;
pub mod doc;
pub mod format;
pub mod parse;
pub mod source;
pub mod span;

pub use diagnostics::{Code, Diagnostic, Severity};
pub use source::SourceDb;
pub use span::{FileId, Span};
pub mod check;
pub mod glob;
pub mod ide;
pub mod ir;
pub mod modules;

pub use check::{Analysis, analyze};
