//! Helpers shared by the benchmarks.
pub mod generate;
