//! Typed models and validation for DashScope (Alibaba Cloud Model Studio) recorded-file speech
//! transcription.
//!
//! This crate never performs I/O, never reads a clock or the environment, and depends on no
//! runtime: it is safe to use from any service that only needs the wire types.
