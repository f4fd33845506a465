//! GeoPackage geometry blobs for points (OGC 12-128r18, section 2.1.3):
//! the `GP` header (magic, version 0, flags, srs_id, envelope) followed by
//! a little-endian ISO WKB Point.

use geo::Coord;

/// Flags byte: bit 0 little endian, bits 1-3 envelope kind 1 ([minx, maxx,
/// miny, maxy]), bit 4 not empty, bit 5 standard GeoPackage binary.
const FLAGS_LE_XY_ENVELOPE: u8 = 0b0000_0011;
const HEADER_LEN: usize = 8 + 4 * 8;
const WKB_POINT_LEN: usize = 1 + 4 + 16;

/// The GeoPackage binary of a point in the SRS `srs_id`.
pub fn point_blob(srs_id: i32, c: Coord<f64>) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + WKB_POINT_LEN);
    out.extend_from_slice(b"GP");
    out.push(0); // version 1 of the binary format is written as 0
    out.push(FLAGS_LE_XY_ENVELOPE);
    out.extend_from_slice(&srs_id.to_le_bytes());
    for v in [c.x, c.x, c.y, c.y] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.push(1); // WKB little endian
    out.extend_from_slice(&1u32.to_le_bytes()); // wkbPoint
    out.extend_from_slice(&c.x.to_le_bytes());
    out.extend_from_slice(&c.y.to_le_bytes());
    out
}

/// The SRS and point of a GeoPackage point blob (either byte order, any
/// envelope kind), or why it is not one.
pub fn read_point_blob(blob: &[u8]) -> Result<(i32, Coord<f64>), String> {
    if blob.len() < 8 || &blob[..2] != b"GP" {
        return Err("not a GeoPackage geometry (no `GP` header)".into());
    }
    if blob[2] != 0 {
        return Err(format!("GeoPackage binary version {} is not supported", blob[2]));
    }
    let flags = blob[3];
    if flags & 0b0001_0000 != 0 {
        return Err("the geometry is empty".into());
    }
    let le = flags & 1 == 1;
    let i32_at = |b: &[u8]| {
        let a = [b[0], b[1], b[2], b[3]];
        if le {
            i32::from_le_bytes(a)
        } else {
            i32::from_be_bytes(a)
        }
    };
    let srs_id = i32_at(&blob[4..8]);
    let envelope_doubles = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 4,
        2 | 3 => 6,
        4 => 8,
        k => return Err(format!("envelope kind {k} is not defined")),
    };
    let wkb = blob.get(8 + envelope_doubles * 8..).ok_or("the header is cut short")?;
    if wkb.len() < WKB_POINT_LEN {
        return Err("the WKB point is cut short".into());
    }
    let wkb_le = match wkb[0] {
        0 => false,
        1 => true,
        b => return Err(format!("WKB byte order {b} is not 0 or 1")),
    };
    let u32_at = |b: &[u8]| {
        let a = [b[0], b[1], b[2], b[3]];
        if wkb_le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        }
    };
    let f64_at = |b: &[u8]| {
        let a: [u8; 8] = b[..8].try_into().expect("8 bytes");
        if wkb_le {
            f64::from_le_bytes(a)
        } else {
            f64::from_be_bytes(a)
        }
    };
    let kind = u32_at(&wkb[1..5]);
    if kind != 1 {
        return Err(format!("WKB geometry type {kind} is not a 2D Point (1)"));
    }
    Ok((srs_id, Coord { x: f64_at(&wkb[5..13]), y: f64_at(&wkb[13..21]) }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn header_bytes_are_the_standard_ones() {
        let b = point_blob(27700, Coord { x: 416000.5, y: 433000.25 });
        assert_eq!(&b[..4], &[b'G', b'P', 0, 3]);
        assert_eq!(i32::from_le_bytes(b[4..8].try_into().unwrap()), 27700);
        assert_eq!(f64::from_le_bytes(b[8..16].try_into().unwrap()), 416000.5);
        assert_eq!(f64::from_le_bytes(b[32..40].try_into().unwrap()), 433000.25);
        assert_eq!(&b[40..45], &[1, 1, 0, 0, 0]);
        assert_eq!(b.len(), 61);
    }

    #[test]
    fn refuses_what_is_not_a_point() {
        assert!(read_point_blob(b"XX").is_err());
        let mut b = point_blob(4326, Coord { x: 1.0, y: 2.0 });
        b[41] = 3; // polygon
        assert!(read_point_blob(&b).unwrap_err().contains("type 3"));
        assert!(read_point_blob(&b[..50]).is_err());
    }

    proptest! {
        #[test]
        fn round_trips(x in -1e7f64..1e7, y in -1e7f64..1e7, srs in 0i32..100_000) {
            let (s, c) = read_point_blob(&point_blob(srs, Coord { x, y })).unwrap();
            prop_assert_eq!(s, srs);
            prop_assert_eq!((c.x, c.y), (x, y));
        }
    }
}
