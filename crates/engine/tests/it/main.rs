//! Integration tests of the engine, built as one test binary.

mod analysis;
mod any_design;
mod autoscaling;
mod behaviour;
mod common;
mod conservation;
mod determinism;
mod gateway;
mod jobs;
mod queueing;
mod readers;
mod shards;
