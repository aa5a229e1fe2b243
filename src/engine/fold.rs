//! Folding: the form both sides of a string comparison take before they are compared, and
//! the form big logs take before the prefilter searches them.
//!
//! Folded text is lower case, has curly quotes made straight and `…` spelled `...`, and holds
//! no white space at all. Consoles wrap long messages at the window width, sometimes mid-word,
//! and parsers join the pieces as best they can; with white space gone, a signature matches
//! however the line was wrapped and re-joined.
//!
//! Folding runs over every byte of every log, so it is built for speed: ASCII (nearly all of
//! it) goes 64 bytes at a time, through AVX-512 where the processor has it (one compress
//! instruction drops the white space of a block) and through a branch-free lookup table
//! elsewhere; only blocks holding other characters are decoded.

/// Appends the folded form of `text` to `out` (always UTF-8).
pub fn fold_into(text: &str, out: &mut Vec<u8>) {
    // The vectorised path stores whole blocks past the kept bytes: room for one more block
    // spares it a reallocation (and the copy that comes with it) on every call.
    out.reserve(text.len() + BLOCK);
    let bytes = text.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        let vectorised = simd::fold_ascii_blocks(&bytes[start..], out);
        if vectorised > 0 {
            start += vectorised;
            continue;
        }
        let end = (start + BLOCK).min(bytes.len());
        let block = &bytes[start..end];
        if block.is_ascii() {
            fold_ascii(block, out);
            start = end;
            continue;
        }
        // Decode from the first non-ASCII byte (a character boundary: every byte before it is
        // ASCII) to the first boundary at or after the block's end.
        let ascii = block.iter().position(|b| !b.is_ascii()).unwrap_or(block.len());
        fold_ascii(&block[..ascii], out);
        start += ascii;
        for c in text[start..].chars() {
            if start >= end {
                break;
            }
            fold_char(c, out);
            start += c.len_utf8();
        }
    }
}

pub fn fold(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    fold_into(text, &mut out);
    // Only whole characters were appended, so this is always UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

const BLOCK: usize = 64;

/// Per ASCII byte, its folded form; 0 for white space, which folding drops (decoded text holds
/// no NUL, so 0 is free to mean that).
static ASCII_FOLD: [u8; 128] = {
    let mut folded = [0; 128];
    let mut b = 0;
    while b < 128 {
        folded[b] = match b as u8 {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C => 0,
            b'`' => b'\'',
            other => other.to_ascii_lowercase(),
        };
        b += 1;
    }
    folded
};

/// Folds at most [`BLOCK`] ASCII bytes: every byte is written, and the write position moves
/// on only past kept ones, so white space costs no branch.
fn fold_ascii(block: &[u8], out: &mut Vec<u8>) {
    let mut buffer = [0u8; BLOCK];
    let mut written = 0;
    for &b in block {
        let folded = ASCII_FOLD[usize::from(b & 0x7F)];
        // `written` never passes the block's length; the mask only spares a bounds check.
        buffer[written & (BLOCK - 1)] = folded;
        written += usize::from(folded != 0);
    }
    out.extend_from_slice(&buffer[..written]);
}

fn fold_char(c: char, out: &mut Vec<u8>) {
    let mut push = |c: char| out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    match c {
        c if c.is_ascii() => {
            let folded = ASCII_FOLD[c as usize];
            if folded != 0 {
                out.push(folded);
            }
        }
        c if c.is_whitespace() => {}
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{00B4}' => push('\''),
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}' | '\u{00BB}' => push('"'),
        '\u{2026}' => "...".chars().for_each(push),
        c => c.to_lowercase().for_each(push),
    }
}

#[cfg(target_arch = "x86_64")]
mod simd {
    use std::arch::x86_64::*;
    use std::sync::OnceLock;

    use super::BLOCK;

    /// Folds the leading 64-byte blocks of `bytes` that are all ASCII, and returns how many
    /// bytes that was: 0 when the processor lacks AVX-512 VBMI2, when the first block holds
    /// another character, or when fewer than 64 bytes are left.
    pub(super) fn fold_ascii_blocks(bytes: &[u8], out: &mut Vec<u8>) -> usize {
        static AVAILABLE: OnceLock<bool> = OnceLock::new();
        let available = *AVAILABLE.get_or_init(|| {
            is_x86_feature_detected!("avx512f")
                && is_x86_feature_detected!("avx512bw")
                && is_x86_feature_detected!("avx512vbmi2")
        });
        if bytes.len() < BLOCK || !available {
            return 0;
        }
        // SAFETY: the features the function is compiled for were detected just above.
        unsafe { fold_ascii_blocks_avx512(bytes, out) }
    }

    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi2")]
    fn fold_ascii_blocks_avx512(bytes: &[u8], out: &mut Vec<u8>) -> usize {
        let blocks = bytes.len() / BLOCK;
        // Each block stores a whole vector, of which only the kept bytes are counted in.
        out.reserve(blocks * BLOCK + BLOCK);
        let upper_a = _mm512_set1_epi8(b'A' as i8);
        let letters = _mm512_set1_epi8(26);
        let case_bit = _mm512_set1_epi8(0x20);
        let tab = _mm512_set1_epi8(b'\t' as i8);
        let tab_to_cr = _mm512_set1_epi8(5);
        let space = _mm512_set1_epi8(b' ' as i8);
        let backtick = _mm512_set1_epi8(b'`' as i8);
        let quote = _mm512_set1_epi8(b'\'' as i8);
        let zero = _mm512_setzero_si512();
        let mut done = 0;
        while done + BLOCK <= bytes.len() {
            // SAFETY: 64 bytes from `done` lie inside `bytes` (the loop condition).
            let v = unsafe { _mm512_loadu_si512(bytes.as_ptr().add(done).cast()) };
            if _mm512_movepi8_mask(v) != 0 {
                break;
            }
            let upper = _mm512_cmplt_epu8_mask(_mm512_sub_epi8(v, upper_a), letters);
            let v = _mm512_mask_blend_epi8(upper, v, _mm512_or_si512(v, case_bit));
            let v = _mm512_mask_blend_epi8(_mm512_cmpeq_epi8_mask(v, backtick), v, quote);
            // Tab, line feed, vertical tab, form feed and carriage return are 9 to 13; NUL is
            // dropped as the lookup table drops it.
            let dropped = _mm512_cmplt_epu8_mask(_mm512_sub_epi8(v, tab), tab_to_cr)
                | _mm512_cmpeq_epi8_mask(v, space)
                | _mm512_cmpeq_epi8_mask(v, zero);
            let kept = !dropped;
            let packed = _mm512_maskz_compress_epi8(kept, v);
            let len = out.len();
            // SAFETY: `reserve` above left room for a whole vector past every block's kept
            // bytes; only the kept ones are counted into the length, all of them written.
            unsafe {
                _mm512_storeu_si512(out.as_mut_ptr().add(len).cast(), packed);
                out.set_len(len + kept.count_ones() as usize);
            }
            done += BLOCK;
        }
        done
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod simd {
    pub(super) fn fold_ascii_blocks(_: &[u8], _: &mut Vec<u8>) -> usize {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_treats_ascii_and_other_characters_alike() {
        assert_eq!(
            fold("Key NOT\r\n valid `x` \u{2018}y\u{2019} \u{201C}Z\u{201D} \u{00C4}\u{00A0}b\u{2026}"),
            "keynotvalid'x''y'\"z\"\u{00E4}b..."
        );
    }

    #[test]
    fn whole_blocks_fold_like_the_lookup_table() {
        // Every ASCII byte but NUL, in blocks of 64 at every alignment, against the table.
        let all: String = (1u8..128).map(char::from).collect();
        for shift in 0..BLOCK {
            let text = all.repeat(3)[shift..].to_owned();
            let mut expected = Vec::new();
            for chunk in text.as_bytes().chunks(BLOCK) {
                fold_ascii(chunk, &mut expected);
            }
            let mut folded = b"kept".to_vec();
            fold_into(&text, &mut folded);
            assert_eq!(&folded[..4], b"kept");
            assert_eq!(&folded[4..], expected.as_slice(), "shift {shift}");
        }
    }

    /// The folding rules applied one character at a time, as the module comment states them.
    fn fold_by_char(text: &str) -> String {
        text.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(|c| {
                match c {
                    '`' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{00B4}' => "'".to_owned(),
                    '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}' | '\u{00BB}' => {
                        "\"".to_owned()
                    }
                    '\u{2026}' => "...".to_owned(),
                    c => c.to_lowercase().collect(),
                }
                .chars()
                .collect::<Vec<_>>()
            })
            .collect()
    }

    proptest::proptest! {
        /// The block-wise paths (vectorised and table) agree with character-wise folding
        /// wherever the blocks and the non-ASCII characters fall.
        #[test]
        fn block_folding_equals_char_folding(text in "([ -~\t\r\n]{0,200}[\u{80}-\u{2100}\u{2018}\u{2026}\u{00A0}]?){0,6}") {
            proptest::prop_assert_eq!(fold(&text), fold_by_char(&text));
        }
    }
}
