//! Pure domain rules: no HTTP, no SQL, no I/O.
pub mod aggregation;
pub mod audit;
pub mod awards;
pub mod board;
pub mod discrepancy;
pub mod draw;
mod fixed_point;
pub mod marks;
pub mod ranking;
pub mod scheme;
pub mod scoring;
pub mod standardised;
pub mod team_code;
