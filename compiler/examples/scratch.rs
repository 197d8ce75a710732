fn main() {
    let mut db = pipec_compiler::SourceDb::new();
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        db.add(path, text);
    }
    let analysis = pipec_compiler::analyze(&db);
    for d in &analysis.diagnostics {
        let lc = db.line_col(d.primary.span.file, d.primary.span.start as usize);
        println!(
            "{}:{}:{} {}[{}] {} -- {} | help: {}",
            db.path(d.primary.span.file),
            lc.line,
            lc.column,
            d.severity.as_str(),
            d.code.info().name,
            d.message,
            d.primary.message,
            d.help.clone().unwrap_or_default()
        );
        for l in &d.secondary {
            let lc = db.line_col(l.span.file, l.span.start as usize);
            println!("     {}:{} {}", lc.line, lc.column, l.message);
        }
    }
    if std::env::var("DUMP").is_ok() {
        println!("{:#?}", analysis.program);
    }
}
