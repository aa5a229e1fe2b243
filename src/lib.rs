//! ccdiag: diagnoses Skype for Business Cloud Connector Edition hosts and Skype for Business
//! Online PowerShell sessions from the files they leave behind.
//!
//! The pipeline runs one way: [`input`] finds and decodes files, [`parse`] turns each into
//! [`record::Record`]s, [`facts`] gathers host-level facts, [`engine`] matches the compiled
//! [`rules`] and [`report`] renders the outcome.

pub mod cli;
pub mod config;
pub mod engine;
pub mod export;
pub mod facts;
pub mod input;
pub mod parse;
pub mod record;
pub mod report;
pub mod rules;
pub mod ruletest;
pub mod scan;
pub mod time;
pub mod version;
