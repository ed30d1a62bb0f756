//! Pure domain rules: no HTTP, no SQL, no I/O.
pub mod aggregation;
pub mod audit;
pub mod contest;
mod fixed_point;
pub mod marks;
pub mod scheme;
