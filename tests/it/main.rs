//! The integration tests, one binary (one link of the whole dependency tree
//! instead of one per file). Each module is one area of the engine.

mod common;
mod auth;
mod bad_inputs;
mod engine;
mod engine_cache;
mod export;
mod files;
mod gaps;
mod gaps_rescore;
mod grid;
mod parent_values;
mod postcode_origins;
mod postcode_weights;
mod publish;
mod register;
mod scenario;
mod search;
mod sensitive;
mod serve;
mod serve_scenarios;
mod serve_submissions;
mod serve_suggest;
mod suggest;
mod submissions;
mod synthetic;
mod trend;
