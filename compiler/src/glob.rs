//! placeholder: GitHub filter-pattern globs.
