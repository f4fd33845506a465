//! needmap: need versus provision for local public services.
//!
//! The pipeline, one folder per stage:
//! - [`dataset`]: find the data folder and read its `dataset.toml`;
//! - [`load`]: read boundaries, services and indicator tables ([`crs`] reprojects);
//! - [`index`]: R-trees over areas and services;
//! - [`analyse`]: overlays, apportionment, service assignment, provision;
//! - [`engine`]: runs the pipeline and holds the result;
//! - [`report`]: tables for the command line and downloads;
//! - [`gaps`]: travel distance, coverage, floating-catchment access and the gap index;
//! - [`suggest`]: where new sites would do the most good (covering and p-median);
//! - [`serve`]: the map server (API, vector tiles, OGC API Features, web app);
//! - [`export`]: GeoJSON, CSV and Shapefile downloads with provenance and disclosure control;
//! - [`print`]: print-ready maps (SVG, PDF, PNG) for Area Committees;
//! - [`publish`]: a static site of the map (web app, PMTiles, JSON tables) that needs no server;
//! - [`register`]: the partners' service register (a GeoPackage), postcodes and de-duplication;
//! - [`auth`]: accounts, roles, sessions and API tokens (who may write what).

pub mod analyse;
pub mod auth;
pub mod crs;
pub mod dataset;
pub mod engine;
pub mod export;
pub mod gaps;
pub mod index;
pub mod load;
pub mod model;
pub mod print;
pub mod publish;
pub mod register;
pub mod report;
pub mod scenario;
pub mod serve;
pub mod suggest;

pub use engine::{Engine, EngineError};
