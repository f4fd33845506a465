//! Seeding the register from the manifest's service files (`needmap
//! register init`): the same services the engine loads from the files, with
//! the same ids, categories, tiers and capacities.

use crate::dataset::DatasetLocation;
use crate::engine::{load_service_files, EngineError, FileService};
use crate::load::{normalise_postcode, Diagnostics};

use super::record::{LocatedBy, RegisteredService, SourceRecord};

/// The register rows of every service in the manifest's service files.
/// Problems (skipped rows, postcodes that are not postcodes) go to `diags`.
pub fn seed_services(loc: &DatasetLocation, diags: &mut Diagnostics) -> Result<Vec<RegisteredService>, EngineError> {
    let (categories, _) = crate::engine::categories(loc);
    let mut transforms = crate::engine::Transforms::default();
    let files = load_service_files(loc, &categories, &mut transforms, diags)?;
    Ok(files.into_iter().map(|f| from_file(f, diags)).collect())
}

fn from_file(f: FileService, diags: &mut Diagnostics) -> RegisteredService {
    let FileService { service: s, origin } = f;
    let postcode = origin.postcode.as_deref().and_then(|raw| {
        let code = normalise_postcode(raw);
        if code.is_none() {
            diags.warn(&s.source_file, format!("service {}", s.id), format!("`{raw}` is not a postcode; the register keeps no postcode for it"));
        }
        code
    });
    RegisteredService {
        source_ids: vec![SourceRecord { id: s.id.clone(), source: origin.source.clone(), source_id: origin.source_id }],
        id: s.id,
        name: s.name,
        category: s.category,
        subcategory: Some(s.subcategory).filter(|v| !v.is_empty()),
        tier: s.tier,
        capacity: Some(s.capacity),
        status: s.status,
        postcode,
        located_by: LocatedBy::Coordinates,
        lon: s.wgs84.x,
        lat: s.wgs84.y,
        easting: s.bng.x,
        northing: s.bng.y,
        source: origin.source,
        source_file: s.source_file,
        opening_hours: None,
        contact: None,
        partner: s.partner,
        created: String::new(),
        updated: String::new(),
    }
}
