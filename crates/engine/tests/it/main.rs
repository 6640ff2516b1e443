//! Integration tests of the engine, built as one test binary.

mod behaviour;
mod common;
mod conservation;
mod determinism;
mod queueing;
mod shards;
