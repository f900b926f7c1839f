//! Sign-language videos: upload storage, the job queue's workers, the FFmpeg pipeline
//! (run by [`media`] in the `pinkflow-media` helper process), WebVTT captions and the
//! [`VideoService`] the API and the pages call, with the [`views`] it returns. Nothing here knows actix.

pub mod bench_seed;
pub mod caption_import;
pub mod cues;
pub mod input;
pub mod media;
pub mod search;
pub mod service;
pub mod storage;
pub mod views;
pub mod webvtt;
pub mod worker;

pub use service::{VideoError, VideoService, VideoView};
pub use storage::Storage;
pub use worker::{Worker, WorkerPool};
