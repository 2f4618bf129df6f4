//! Minimal ICC profiles for tests: a 128-byte header naming the colour space and one `desc`
//! tag, in ICC v2's form (`desc`, ASCII) or v4's (`mluc`, UTF-16BE).

/// The `desc` tag's type.
#[derive(Clone, Copy)]
pub enum Version {
    /// ICC v2: a `desc` tag of type `desc`.
    V2,
    /// ICC v4: a `desc` tag of type `mluc`.
    V4,
}

/// A profile of colour space `space` (`b"RGB "`, `b"CMYK"`, `b"GRAY"`) describing itself as
/// `text`.
pub fn profile(space: &[u8; 4], version: Version, text: &str) -> Vec<u8> {
    let mut tag = Vec::new();
    match version {
        Version::V2 => {
            tag.extend(b"desc\0\0\0\0");
            tag.extend((text.len() as u32 + 1).to_be_bytes());
            tag.extend(text.as_bytes());
            tag.push(0);
        }
        Version::V4 => {
            let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
            tag.extend(b"mluc\0\0\0\0");
            tag.extend(1u32.to_be_bytes()); // one record
            tag.extend(12u32.to_be_bytes()); // of 12 bytes
            tag.extend(b"enUS");
            tag.extend((utf16.len() as u32).to_be_bytes());
            tag.extend(28u32.to_be_bytes()); // the text follows the record
            tag.extend(utf16);
        }
    }
    let mut bytes = vec![0; 128];
    bytes[16..20].copy_from_slice(space);
    bytes[36..40].copy_from_slice(b"acsp");
    bytes.extend(1u32.to_be_bytes()); // one tag
    bytes.extend(b"desc");
    bytes.extend(144u32.to_be_bytes()); // after the header and the table
    bytes.extend((tag.len() as u32).to_be_bytes());
    bytes.extend(tag);
    let size = (bytes.len() as u32).to_be_bytes();
    bytes[0..4].copy_from_slice(&size);
    bytes
}
