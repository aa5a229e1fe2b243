//! ccdiag: diagnoses Skype for Business Cloud Connector Edition hosts and Skype for Business
//! Online PowerShell sessions from the files they leave behind.

pub mod input;
pub mod parse;
pub mod record;
