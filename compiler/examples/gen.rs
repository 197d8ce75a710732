#[path = "../../benches/support/generate.rs"]
mod generate;
fn main() {
    let n = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(25);
    print!("{}", generate::pipeline(n));
}
