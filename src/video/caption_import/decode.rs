//! Bytes to text: a BOM names the encoding (UTF-8, UTF-16 LE or BE); without one the
//! bytes are UTF-8 when they are valid UTF-8, else Windows-1252 (what subtitle tools
//! on Windows write). Decoding is done by `encoding_rs`.

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

/// Decoded text (without its BOM) and the encoding it was read as.
pub fn decode(bytes: &[u8]) -> (String, &'static Encoding) {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        let rest = bytes.get(bom..).unwrap_or_default();
        let (text, _) = encoding.decode_without_bom_handling(rest);
        return (text.into_owned(), encoding);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), UTF_8),
        Err(_) => {
            let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
            (text.into_owned(), WINDOWS_1252)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        let mut out = if big_endian {
            vec![0xfe, 0xff]
        } else {
            vec![0xff, 0xfe]
        };
        for unit in text.encode_utf16() {
            let b = if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            };
            out.extend_from_slice(&b);
        }
        out
    }

    #[test]
    fn every_supported_encoding_gives_cafe_and_zoe() {
        let text = "café Zoë";
        let mut bom = b"\xef\xbb\xbf".to_vec();
        bom.extend_from_slice(text.as_bytes());
        let cases: [(Vec<u8>, &str); 5] = [
            (text.as_bytes().to_vec(), "UTF-8"),
            (bom, "UTF-8"),
            (utf16(text, false), "UTF-16LE"),
            (utf16(text, true), "UTF-16BE"),
            (b"caf\xe9 Zo\xeb".to_vec(), "windows-1252"),
        ];
        for (bytes, name) in cases {
            let (decoded, encoding) = decode(&bytes);
            assert_eq!(decoded, text, "{name}");
            assert_eq!(encoding.name(), name);
        }
    }
}
