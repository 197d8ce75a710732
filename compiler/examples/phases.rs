fn main() {
    let path = std::env::args().nth(1).unwrap_or_default();
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let t = std::time::Instant::now();
    let (_ast, d) = pipec_compiler::parse::parse_file(pipec_compiler::FileId(0), &text);
    println!("parse: {:?} ({} diags)", t.elapsed(), d.len());
    let mut db = pipec_compiler::SourceDb::new();
    db.add(path, text);
    let t = std::time::Instant::now();
    let a = pipec_compiler::analyze(&db);
    println!("analyze: {:?} ({} diags)", t.elapsed(), a.diagnostics.len());
}
