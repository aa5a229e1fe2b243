//! Inputs: finding files, reading them (folders, zips, stdin) and decoding their bytes.

pub mod decode;
