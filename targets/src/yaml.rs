//! placeholder: the deterministic YAML writer (see the helper brief).
