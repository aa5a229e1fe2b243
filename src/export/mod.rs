//! What ccdiag hands to other tools: its records as JSON lines for a log platform
//! ([`records`]), and its rules as standard Sigma rules that platform runs ([`sigma`]).

pub mod records;
pub mod sigma;
mod yaml;
