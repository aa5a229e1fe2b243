//! `certutil -store My` (and any other store) as Windows prints it in English: one block per
//! certificate, opened by a `==== Certificate N ====` rule, arriving as text records of a
//! console capture. Read one line at a time; the caller gathers the fields of a block.
//!
//! ```text
//! ================ Certificate 0 ================
//! Issuer: CN=cce-NWAD01-CA, DC=cce, DC=northwind, DC=local
//!  NotAfter: 2/20/2027 11:02 AM
//! Subject: CN=NWCMS01.cce.northwind.local
//! Cert Hash(sha1): 3c0704d5fc55f2f598aeb9a1595128cd436aab0f
//! ```

/// What one line of a listing states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// The rule that opens the next certificate's block.
    Start,
    Subject(&'a str),
    Issuer(&'a str),
    /// As written, in the culture of the machine that ran certutil, as is NotAfter.
    NotBefore(&'a str),
    NotAfter(&'a str),
    /// The SHA-1 hash, as `Get-ChildItem Cert:` writes a thumbprint: upper case, no spaces.
    Thumbprint(String),
}

/// What `text` states; `None` when it is no line of a certificate listing this reads.
pub fn line(text: &str) -> Option<Line<'_>> {
    let trimmed = text.trim();
    if trimmed.len() > 8 && trimmed.starts_with("====") && trimmed.ends_with("====") {
        return Some(Line::Start);
    }
    let (label, value) = trimmed.split_once(": ")?;
    let value = value.trim();
    Some(match label {
        "Subject" => Line::Subject(value),
        "Issuer" => Line::Issuer(value),
        "NotBefore" => Line::NotBefore(value),
        "NotAfter" => Line::NotAfter(value),
        "Cert Hash(sha1)" => {
            let hash: String = value.chars().filter(|c| !c.is_whitespace()).collect();
            if hash.len() != 40 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            Line::Thumbprint(hash.to_ascii_uppercase())
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_of_the_my_store() {
        let text = "My \"Personal\"\r\n================ Certificate 0 ================\r\n\
                    Serial Number: 61000000041f2e3d\r\nIssuer: CN=cce-NWAD01-CA, DC=cce, DC=northwind, DC=local\r\n\
                    \x20NotBefore: 2/20/2025 11:02 AM\r\n NotAfter: 2/20/2027 11:02 AM\r\n\
                    Subject: CN=NWCMS01.cce.northwind.local\r\nNon-root Certificate\r\n\
                    Cert Hash(sha1): 3c 07 04 d5 fc 55 f2 f5 98 ae b9 a1 59 51 28 cd 43 6a ab 0f\r\n\
                    CertUtil: -store command completed successfully.";
        let lines: Vec<Line<'_>> = text.lines().filter_map(line).collect();
        assert_eq!(
            lines,
            [
                Line::Start,
                Line::Issuer("CN=cce-NWAD01-CA, DC=cce, DC=northwind, DC=local"),
                Line::NotBefore("2/20/2025 11:02 AM"),
                Line::NotAfter("2/20/2027 11:02 AM"),
                Line::Subject("CN=NWCMS01.cce.northwind.local"),
                Line::Thumbprint("3C0704D5FC55F2F598AEB9A1595128CD436AAB0F".to_owned()),
            ]
        );
    }
}
