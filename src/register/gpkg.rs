//! The GeoPackage core (OGC 12-128r18, version 1.3): application id and
//! user version, `gpkg_spatial_ref_sys` with the required rows and British
//! National Grid, `gpkg_contents` and `gpkg_geometry_columns`.

use rusqlite::{params, Connection};

/// `PRAGMA application_id` of a GeoPackage: "GPKG" in ASCII.
pub const APPLICATION_ID: i32 = 0x4750_4B47;
/// `PRAGMA user_version` of GeoPackage 1.3.0.
pub const USER_VERSION: i32 = 10300;
/// SRS id of British National Grid (EPSG:27700), the services' geometry.
pub const BNG_SRS_ID: i32 = 27700;

/// WKT of WGS 84 as the GeoPackage standard lists it.
const WGS84_WKT: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#;

/// WKT (OGC 01-009) of OSGB36 / British National Grid.
const BNG_WKT: &str = r#"PROJCS["OSGB36 / British National Grid",GEOGCS["OSGB36",DATUM["Ordnance_Survey_of_Great_Britain_1936",SPHEROID["Airy 1830",6377563.396,299.3249646,AUTHORITY["EPSG","7001"]],AUTHORITY["EPSG","6277"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4277"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",49],PARAMETER["central_meridian",-2],PARAMETER["scale_factor",0.9996012717],PARAMETER["false_easting",400000],PARAMETER["false_northing",-100000],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH],AUTHORITY["EPSG","27700"]]"#;

/// Create the core tables and rows in an empty database.
pub fn create_core(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    conn.pragma_update(None, "user_version", USER_VERSION)?;
    conn.execute_batch(
        "CREATE TABLE gpkg_spatial_ref_sys (
            srs_name TEXT NOT NULL,
            srs_id INTEGER NOT NULL PRIMARY KEY,
            organization TEXT NOT NULL,
            organization_coordsys_id INTEGER NOT NULL,
            definition TEXT NOT NULL,
            description TEXT
        );
        CREATE TABLE gpkg_contents (
            table_name TEXT NOT NULL PRIMARY KEY,
            data_type TEXT NOT NULL,
            identifier TEXT UNIQUE,
            description TEXT DEFAULT '',
            last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
            min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
            srs_id INTEGER,
            CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
        );
        CREATE TABLE gpkg_geometry_columns (
            table_name TEXT NOT NULL,
            column_name TEXT NOT NULL,
            geometry_type_name TEXT NOT NULL,
            srs_id INTEGER NOT NULL,
            z TINYINT NOT NULL,
            m TINYINT NOT NULL,
            CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
            CONSTRAINT uk_gc_table_name UNIQUE (table_name),
            CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
            CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
        );",
    )?;
    let mut srs = conn.prepare(
        "INSERT INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, definition, description) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    srs.execute(params!["Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"])?;
    srs.execute(params!["Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"])?;
    srs.execute(params!["WGS 84 geodetic", 4326, "EPSG", 4326, WGS84_WKT, "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"])?;
    srs.execute(params!["OSGB36 / British National Grid", BNG_SRS_ID, "EPSG", 27700, BNG_WKT, "British National Grid metres"])?;
    Ok(())
}

/// Register a point feature table (its geometry column `column` in `srs_id`).
pub fn add_feature_table(conn: &Connection, table: &str, column: &str, description: &str, srs_id: i32) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES (?1, 'features', ?1, ?2, ?3)",
        params![table, description, srs_id],
    )?;
    conn.execute(
        "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) VALUES (?1, ?2, 'POINT', ?3, 0, 0)",
        params![table, column, srs_id],
    )?;
    Ok(())
}

/// Register a table without geometry (GeoPackage `attributes`).
pub fn add_attributes_table(conn: &Connection, table: &str, description: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES (?1, 'attributes', ?1, ?2)",
        params![table, description],
    )?;
    Ok(())
}

/// Set a table's bounding box (from its `easting`/`northing` columns) and
/// last change time in `gpkg_contents`; called inside each write.
pub fn touch_contents(conn: &Connection, table: &str, now: &str) -> rusqlite::Result<()> {
    conn.execute(
        &format!(
            "UPDATE gpkg_contents SET last_change = ?1,
                min_x = (SELECT min(easting) FROM {table}), min_y = (SELECT min(northing) FROM {table}),
                max_x = (SELECT max(easting) FROM {table}), max_y = (SELECT max(northing) FROM {table})
             WHERE table_name = ?2"
        ),
        params![now, table],
    )?;
    Ok(())
}

/// Whether the database carries the GeoPackage application id.
pub fn is_geopackage(conn: &Connection) -> rusqlite::Result<bool> {
    let id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    Ok(id == APPLICATION_ID)
}
