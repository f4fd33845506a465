//! The register's own tables, on top of the GeoPackage core.
//!
//! Every table has the `fid INTEGER PRIMARY KEY AUTOINCREMENT` the standard
//! asks of feature and attribute tables. Text that holds JSON (`source_ids`,
//! `before`, `after`, submission rows and reports) is plain `TEXT`, which
//! QGIS and GDAL show as it is.

/// The point feature table of services (geometry in EPSG:27700).
pub const SERVICES: &str = "services";
/// Partner organisations.
pub const PARTNERS: &str = "partners";
/// The audit log: one row per change, with the row before and after.
pub const CHANGES: &str = "changes";
/// Uploaded files of services held as drafts until a reviewer publishes them.
pub const SUBMISSIONS: &str = "submissions";

/// Table definitions, in creation order.
pub const TABLES: &str = "
CREATE TABLE services (
    fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    geom POINT NOT NULL,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    subcategory TEXT,
    tier TEXT NOT NULL,
    capacity REAL,
    status TEXT,
    postcode TEXT,
    located_by TEXT NOT NULL CHECK (located_by IN ('coordinates', 'postcode')),
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    easting REAL NOT NULL,
    northing REAL NOT NULL,
    source TEXT NOT NULL,
    source_file TEXT NOT NULL,
    source_ids TEXT NOT NULL,
    opening_hours TEXT,
    contact TEXT,
    partner TEXT,
    created DATETIME NOT NULL,
    updated DATETIME NOT NULL
);
CREATE INDEX services_category ON services (category);
CREATE INDEX services_postcode ON services (postcode);
CREATE TABLE partners (
    fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    contact TEXT,
    created DATETIME NOT NULL
);
CREATE TABLE changes (
    fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at DATETIME NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    service_id TEXT,
    before TEXT,
    after TEXT,
    note TEXT
);
CREATE INDEX changes_service ON changes (service_id);
CREATE TABLE submissions (
    fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    partner_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'published', 'rejected')),
    file_name TEXT,
    rows TEXT NOT NULL,
    report TEXT,
    created DATETIME NOT NULL,
    updated DATETIME NOT NULL,
    reviewed_by TEXT
);
";
