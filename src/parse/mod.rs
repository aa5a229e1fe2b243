//! One parser per input kind; each turns decoded text into [`crate::record::Record`]s.

pub mod cce_log;
pub mod console;
pub mod ini;
pub mod json;
pub mod lines;
pub mod transcript;
