//! Everything that touches FFmpeg, through the `ffmpeg-next` library (no `ffmpeg`
//! command). ffmpeg-next is in maintenance mode, so it stays behind this one crate,
//! which only the `pinkflow-media` helper binary (and tests and examples) link: the
//! server runs the helper as a child process (see `src/video/media.rs` in PinkFlow), so
//! FFmpeg's libraries never load into it and a crash on a hostile file kills only the
//! helper. The API is [`probe`], [`transcode`], [`inspect`] and [`write_test_clip`] and
//! plain Rust types.
//!
//! All functions are blocking and CPU-heavy: call them from a blocking thread.

use std::path::Path;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use ff::format::{Pixel, Sample};
use ff::util::channel_layout::ChannelLayout;
use ff::{Dictionary, Packet, Rational, codec, decoder, encoder, filter, format, frame, media};
use ffmpeg_next as ff;

/// Containers accepted, by the demuxer's name (what the bytes are, not the file name).
const ALLOWED_CONTAINERS: [&str; 3] = ["mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "avi"];
/// Sample rates the AAC encoder takes; others are resampled to 48 kHz.
const AAC_RATES: [u32; 12] = [
    96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000,
];
/// Where in the video (as fractions of its duration) poster candidates are taken.
const POSTER_SAMPLES: [f64; 7] = [0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9];
/// Corrupt packets tolerated before the input is declared broken.
const MAX_BAD_PACKETS: u32 = 200;

/// Why a media operation failed. `Display` is written for the person who uploaded.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The input is not a video we can read (wrong format, corrupt, no picture).
    #[error("{0}")]
    Invalid(String),
    /// The job was cancelled (shutdown or lost lease).
    #[error("processing was interrupted")]
    Cancelled,
    /// Anything else (disk, encoder set-up): worth another attempt.
    #[error("{0}")]
    Internal(String),
}

impl MediaError {
    /// True when retrying cannot help: the input itself is the problem.
    pub fn is_permanent(&self) -> bool {
        matches!(self, MediaError::Invalid(_))
    }
}

fn internal(what: &str) -> impl Fn(ff::Error) -> MediaError + '_ {
    move |e| MediaError::Internal(format!("{what}: {e}"))
}

fn invalid(what: &str) -> impl Fn(ff::Error) -> MediaError + '_ {
    move |e| MediaError::Invalid(format!("{what} ({e})"))
}

/// Initialise FFmpeg once and keep its own logging quiet (errors reach us as values).
pub fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        if let Err(e) = ff::init() {
            eprintln!("pinkflow-media: FFmpeg failed to initialise: {e}");
        }
        ff::util::log::set_level(ff::util::log::Level::Fatal);
    });
}

/// What a probe learned about a file.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ProbeInfo {
    pub container: String,
    pub duration_seconds: Option<f64>,
    pub width: u32,
    pub height: u32,
    pub video_codec: String,
    pub audio_codec: Option<String>,
    /// Frames per second of the picture stream (its average frame rate), when known.
    pub frame_rate: Option<f64>,
}

/// What the uploader reads when the file is not a video (the server's client uses the
/// same words when the helper crashes on a file).
pub const NOT_A_VIDEO: &str =
    "This file is not a video PinkFlow can read. Upload an MP4, MOV, WebM, AVI or MKV video.";

fn open_input(path: &Path) -> Result<format::context::Input, MediaError> {
    init();
    format::input(&path).map_err(|_| MediaError::Invalid(NOT_A_VIDEO.into()))
}

fn seconds(ts: i64, tb: Rational) -> f64 {
    if tb.denominator() == 0 {
        return 0.0;
    }
    ts as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator())
}

/// Frames per second of a picture stream: its average frame rate (`avg_frame_rate`),
/// or the exact base rate (`r_frame_rate`) when the two agree within 5 % (the average is
/// estimated from a frame count and a rounded duration: 25.5 for a short 25 fps clip).
/// `None` unless it is a plausible rate.
fn stream_frame_rate(stream: &format::stream::Stream) -> Option<f64> {
    let rate = |r: Rational| {
        (r.numerator() > 0 && r.denominator() > 0)
            .then(|| f64::from(r.numerator()) / f64::from(r.denominator()))
            .filter(|fps| fps.is_finite() && *fps >= 1.0 && *fps <= 1000.0)
    };
    match (rate(stream.avg_frame_rate()), rate(stream.rate())) {
        (Some(avg), Some(base)) if (avg - base).abs() <= base * 0.05 => Some(base),
        (Some(avg), _) => Some(avg),
        (None, base) => base,
    }
}

fn container_duration(ictx: &format::context::Input) -> Option<f64> {
    let d = ictx.duration();
    (d > 0).then(|| d as f64 / f64::from(ff::ffi::AV_TIME_BASE))
}

/// Open `path` and check that it is a video in an accepted container, with a picture
/// stream that this FFmpeg can decode.
pub fn probe(path: &Path) -> Result<ProbeInfo, MediaError> {
    let ictx = open_input(path)?;
    let container = ictx.format().name().to_owned();
    if !ALLOWED_CONTAINERS.contains(&container.as_str()) {
        return Err(MediaError::Invalid(NOT_A_VIDEO.into()));
    }
    let video = ictx
        .streams()
        .best(media::Type::Video)
        .ok_or_else(|| MediaError::Invalid("This file has no video picture in it.".into()))?;
    let params = video.parameters();
    let id = params.id();
    if decoder::find(id).is_none() {
        return Err(MediaError::Invalid(format!(
            "The video is encoded with {}, which PinkFlow cannot read. Export it as H.264 MP4 and try again.",
            id.name()
        )));
    }
    let dec = codec::context::Context::from_parameters(params)
        .and_then(|c| c.decoder().video())
        .map_err(invalid("The video stream cannot be read"))?;
    if dec.width() == 0 || dec.height() == 0 {
        return Err(MediaError::Invalid(
            "The video has no picture size; the file may be damaged.".into(),
        ));
    }
    let audio_codec = ictx
        .streams()
        .best(media::Type::Audio)
        .map(|s| s.parameters().id().name().to_owned());
    let stream_duration =
        (video.duration() > 0).then(|| seconds(video.duration(), video.time_base()));
    Ok(ProbeInfo {
        container,
        duration_seconds: container_duration(&ictx).or(stream_duration),
        width: dec.width(),
        height: dec.height(),
        video_codec: id.name().to_owned(),
        audio_codec,
        frame_rate: stream_frame_rate(&video),
    })
}

/// Output size for a `width`×`height` picture with sample aspect ratio `sar`: square
/// pixels, at most `max_height` high (never upscaled), aspect ratio kept, both even.
pub fn target_size(width: u32, height: u32, sar: (i32, i32), max_height: u32) -> (u32, u32) {
    let (num, den) = if sar.0 > 0 && sar.1 > 0 { sar } else { (1, 1) };
    let display_width = f64::from(width) * f64::from(num) / f64::from(den);
    let out_h = f64::from(height.min(max_height).max(2));
    let out_w = display_width * out_h / f64::from(height.max(1));
    // Even, at least 2 and at most 8192 (a crafted aspect ratio cannot ask for more).
    let even = |v: f64| ((v / 2.0).round().clamp(1.0, 4096.0) as u32) * 2;
    (even(out_w), even(out_h))
}

/// Clockwise rotation (0, 90, 180 or 270 degrees) a player applies to a stream with
/// this display matrix (nine native-endian 16.16 / 2.30 fixed-point numbers), as the
/// `ffmpeg` command computes it. Phones record portrait video this way.
pub fn display_rotation(matrix: &[u8]) -> u32 {
    let Some(m) = matrix
        .chunks_exact(4)
        .take(9)
        .map(|c| c.try_into().ok().map(i32::from_ne_bytes))
        .collect::<Option<Vec<i32>>>()
        .filter(|m| m.len() == 9)
    else {
        return 0;
    };
    let fp = |v: i32| f64::from(v) / 65536.0;
    let scale0 = fp(m[0]).hypot(fp(m[3]));
    let scale1 = fp(m[1]).hypot(fp(m[4]));
    if scale0 == 0.0 || scale1 == 0.0 {
        return 0;
    }
    let theta = (fp(m[1]) / scale1).atan2(fp(m[0]) / scale0).to_degrees();
    let theta = theta - 360.0 * (theta / 360.0 + 0.9 / 360.0).floor();
    [90u32, 180, 270]
        .into_iter()
        .find(|r| (theta - f64::from(*r)).abs() < 1.0)
        .unwrap_or(0)
}

fn stream_rotation(stream: &format::stream::Stream) -> u32 {
    stream
        .side_data()
        .find(|sd| sd.kind() == ff::packet::side_data::Type::DisplayMatrix)
        .map_or(0, |sd| display_rotation(sd.data()))
}

/// Settings of one transcode.
#[derive(Debug, Clone)]
pub struct TranscodeOptions {
    pub max_height: u32,
    pub x264_preset: String,
}

/// What a transcode produced (read back from the output file).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TranscodeReport {
    pub duration_seconds: f64,
    pub width: u32,
    pub height: u32,
    pub video_codec: String,
    pub audio_codec: Option<String>,
    /// Frames per second of the processed picture, when known.
    pub frame_rate: Option<f64>,
    pub poster_written: bool,
}

/// How the caller follows and stops a transcode.
pub struct JobControl<'a> {
    /// Set to stop the job at the next packet.
    pub cancel: &'a AtomicBool,
    /// Called with the percentage done whenever it changes.
    pub progress: &'a mut dyn FnMut(u8),
}

struct VideoPipe {
    stream: usize,
    in_tb: Rational,
    decoder: decoder::Video,
    graph: Option<filter::Graph>,
    encoder: encoder::Video,
    out_stream: usize,
    out_tb: Rational,
    size: (u32, u32),
    /// Clockwise degrees to turn the picture upright (display matrix).
    rotation: u32,
    last_pts: Option<i64>,
    decoded: u64,
    bad_packets: u32,
    poster: PosterPicker,
}

struct AudioPipe {
    stream: usize,
    in_tb: Rational,
    decoder: decoder::Audio,
    graph: Option<filter::Graph>,
    encoder: encoder::Audio,
    out_stream: usize,
    out_tb: Rational,
    rate: u32,
    layout: ChannelLayout,
    next_in_pts: Option<i64>,
    next_out_pts: i64,
    bad_packets: u32,
}

/// Keeps the most detailed of a few sampled frames (highest luma variance), so the
/// poster is not a black fade-in.
struct PosterPicker {
    targets: Vec<f64>,
    best: Option<(f64, frame::Video)>,
    seen: u64,
}

impl PosterPicker {
    fn new(duration: Option<f64>) -> Self {
        let targets = match duration {
            Some(d) if d > 0.0 => POSTER_SAMPLES.iter().map(|f| f * d).collect(),
            _ => Vec::new(),
        };
        PosterPicker {
            targets,
            best: None,
            seen: 0,
        }
    }

    /// Offer a (scaled, yuv420p) frame shown at `time` seconds.
    fn offer(&mut self, frame: &frame::Video, time: f64) {
        self.seen += 1;
        let wanted = if self.targets.is_empty() {
            // Unknown duration: every 25th frame, first 10 samples.
            self.seen % 25 == 1 && self.seen <= 250
        } else if self.targets.first().is_some_and(|t| time >= *t) {
            while self.targets.first().is_some_and(|t| time >= *t) {
                self.targets.remove(0);
            }
            true
        } else {
            false
        };
        if !(wanted || self.best.is_none()) {
            return;
        }
        let score = luma_variance(frame);
        if self.best.as_ref().is_none_or(|(best, _)| score > *best) {
            self.best = Some((score, frame.clone()));
        }
    }
}

/// Variance of the luma plane, sampled on a grid (enough to tell a black or flat
/// frame from a picture).
fn luma_variance(frame: &frame::Video) -> f64 {
    let (w, h, stride) = (
        frame.width() as usize,
        frame.height() as usize,
        frame.stride(0),
    );
    let data = frame.data(0);
    let (mut n, mut sum, mut sum_sq) = (0f64, 0f64, 0f64);
    for y in (0..h).step_by(4) {
        let Some(row) = data.get(y * stride..y * stride + w) else {
            break;
        };
        for &v in row.iter().step_by(4) {
            let v = f64::from(v);
            n += 1.0;
            sum += v;
            sum_sq += v * v;
        }
    }
    if n == 0.0 {
        return 0.0;
    }
    let mean = sum / n;
    sum_sq / n - mean * mean
}

fn write_packets(
    enc: &mut encoder::Encoder,
    octx: &mut format::context::Output,
    stream: usize,
    enc_tb: Rational,
    out_tb: Rational,
) -> Result<(), MediaError> {
    let mut packet = Packet::empty();
    while enc.receive_packet(&mut packet).is_ok() {
        packet.set_stream(stream);
        packet.rescale_ts(enc_tb, out_tb);
        packet
            .write_interleaved(octx)
            .map_err(internal("Writing the processed video failed"))?;
    }
    Ok(())
}

impl VideoPipe {
    fn build_graph(&self, first: &frame::Video) -> Result<filter::Graph, MediaError> {
        let mut graph = filter::Graph::new();
        let sar = first.aspect_ratio();
        let (sn, sd) = if sar.numerator() > 0 && sar.denominator() > 0 {
            (sar.numerator(), sar.denominator())
        } else {
            (1, 1)
        };
        let args = format!(
            "video_size={}x{}:pix_fmt={}:time_base={}/{}:pixel_aspect={sn}/{sd}",
            first.width(),
            first.height(),
            ff::ffi::AVPixelFormat::from(first.format()) as i32,
            self.in_tb.numerator(),
            self.in_tb.denominator().max(1),
        );
        let find = |name| {
            filter::find(name)
                .ok_or_else(|| MediaError::Internal(format!("FFmpeg has no {name} filter")))
        };
        let setup = internal("Setting up the video scaler failed");
        graph.add(&find("buffer")?, "in", &args).map_err(&setup)?;
        graph.add(&find("buffersink")?, "out", "").map_err(&setup)?;
        if let Some(mut out) = graph.get("out") {
            out.set_pixel_format(Pixel::YUV420P);
        }
        let turn = match self.rotation {
            90 => "transpose=clock,",
            180 => "hflip,vflip,",
            270 => "transpose=cclock,",
            _ => "",
        };
        let spec = format!(
            "{turn}scale={}:{}:flags=bicubic,setsar=1,format=yuv420p",
            self.size.0, self.size.1
        );
        graph
            .output("in", 0)
            .and_then(|p| p.input("out", 0))
            .and_then(|p| p.parse(&spec))
            .map_err(&setup)?;
        graph.validate().map_err(&setup)?;
        Ok(graph)
    }

    /// Decode what the decoder has, filter, encode and write it.
    fn drain_decoder(
        &mut self,
        octx: &mut format::context::Output,
        progress: &mut dyn FnMut(f64),
    ) -> Result<(), MediaError> {
        let mut decoded = frame::Video::empty();
        while self.decoder.receive_frame(&mut decoded).is_ok() {
            self.decoded += 1;
            let mut pts = decoded.timestamp().unwrap_or(0);
            if let Some(last) = self.last_pts
                && pts <= last
            {
                pts = last.saturating_add(1);
            }
            self.last_pts = Some(pts);
            decoded.set_pts(Some(pts));
            if self.graph.is_none() {
                self.graph = Some(self.build_graph(&decoded)?);
            }
            if let Some(graph) = self.graph.as_mut()
                && let Some(mut src) = graph.get("in")
            {
                src.source()
                    .add(&decoded)
                    .map_err(internal("Scaling the video failed"))?;
            }
            progress(seconds(pts, self.in_tb));
            self.drain_graph(octx)?;
        }
        Ok(())
    }

    fn drain_graph(&mut self, octx: &mut format::context::Output) -> Result<(), MediaError> {
        let Some(graph) = self.graph.as_mut() else {
            return Ok(());
        };
        let mut filtered = frame::Video::empty();
        while let Some(mut sink) = graph.get("out")
            && sink.sink().frame(&mut filtered).is_ok()
        {
            let time = seconds(filtered.pts().unwrap_or(0), self.in_tb);
            self.poster.offer(&filtered, time);
            filtered.set_kind(ff::picture::Type::None);
            self.encoder
                .send_frame(&filtered)
                .map_err(internal("Encoding the video failed"))?;
            write_packets(
                &mut self.encoder,
                octx,
                self.out_stream,
                self.in_tb,
                self.out_tb,
            )?;
        }
        Ok(())
    }

    fn finish(&mut self, octx: &mut format::context::Output) -> Result<(), MediaError> {
        let _ = self.decoder.send_eof();
        self.drain_decoder(octx, &mut |_| {})?;
        if let Some(graph) = self.graph.as_mut()
            && let Some(mut src) = graph.get("in")
        {
            let _ = src.source().flush();
        }
        self.drain_graph(octx)?;
        let _ = self.encoder.send_eof();
        write_packets(
            &mut self.encoder,
            octx,
            self.out_stream,
            self.in_tb,
            self.out_tb,
        )
    }
}

impl AudioPipe {
    fn build_graph(&self, first: &frame::Audio) -> Result<filter::Graph, MediaError> {
        let mut graph = filter::Graph::new();
        let layout = if first.channel_layout().bits() == 0 {
            ChannelLayout::default(i32::from(first.channels().max(1)))
        } else {
            first.channel_layout()
        };
        let args = format!(
            "time_base=1/{rate}:sample_rate={rate}:sample_fmt={}:channel_layout=0x{:x}",
            first.format().name(),
            layout.bits(),
            rate = first.rate().max(1),
        );
        let find = |name| {
            filter::find(name)
                .ok_or_else(|| MediaError::Internal(format!("FFmpeg has no {name} filter")))
        };
        let setup = internal("Setting up the audio resampler failed");
        graph.add(&find("abuffer")?, "in", &args).map_err(&setup)?;
        graph
            .add(&find("abuffersink")?, "out", "")
            .map_err(&setup)?;
        if let Some(mut out) = graph.get("out") {
            out.set_sample_format(Sample::F32(ff::format::sample::Type::Planar));
            out.set_channel_layout(self.layout);
            out.set_sample_rate(self.rate);
        }
        graph
            .output("in", 0)
            .and_then(|p| p.input("out", 0))
            .and_then(|p| p.parse(&format!("aresample={}", self.rate)))
            .map_err(&setup)?;
        graph.validate().map_err(&setup)?;
        if let Some(mut out) = graph.get("out") {
            out.sink().set_frame_size(self.encoder.frame_size().max(1));
        }
        Ok(graph)
    }

    fn drain_decoder(&mut self, octx: &mut format::context::Output) -> Result<(), MediaError> {
        let mut decoded = frame::Audio::empty();
        while self.decoder.receive_frame(&mut decoded).is_ok() {
            let rate = i64::from(decoded.rate().max(1));
            let pts = match self.next_in_pts {
                Some(p) => p,
                None => {
                    // Start where the stream starts, so sound stays in step with picture.
                    let start = decoded.timestamp().unwrap_or(0).max(0);
                    let start = (seconds(start, self.in_tb) * f64::from(self.rate)) as i64;
                    self.next_out_pts = start;
                    start.saturating_mul(rate) / i64::from(self.rate)
                }
            };
            decoded.set_pts(Some(pts));
            self.next_in_pts = Some(pts.saturating_add(decoded.samples() as i64));
            if self.graph.is_none() {
                self.graph = Some(self.build_graph(&decoded)?);
            }
            if let Some(graph) = self.graph.as_mut()
                && let Some(mut src) = graph.get("in")
                && src.source().add(&decoded).is_err()
            {
                // A change of layout or rate mid-stream: drop the frame, keep going.
                continue;
            }
            self.drain_graph(octx)?;
        }
        Ok(())
    }

    fn drain_graph(&mut self, octx: &mut format::context::Output) -> Result<(), MediaError> {
        let Some(graph) = self.graph.as_mut() else {
            return Ok(());
        };
        let mut filtered = frame::Audio::empty();
        let enc_tb = Rational::new(1, self.rate as i32);
        while let Some(mut sink) = graph.get("out")
            && sink.sink().frame(&mut filtered).is_ok()
        {
            filtered.set_pts(Some(self.next_out_pts));
            self.next_out_pts = self.next_out_pts.saturating_add(filtered.samples() as i64);
            self.encoder
                .send_frame(&filtered)
                .map_err(internal("Encoding the sound failed"))?;
            write_packets(
                &mut self.encoder,
                octx,
                self.out_stream,
                enc_tb,
                self.out_tb,
            )?;
        }
        Ok(())
    }

    fn finish(&mut self, octx: &mut format::context::Output) -> Result<(), MediaError> {
        let _ = self.decoder.send_eof();
        self.drain_decoder(octx)?;
        if let Some(graph) = self.graph.as_mut()
            && let Some(mut src) = graph.get("in")
        {
            let _ = src.source().flush();
        }
        self.drain_graph(octx)?;
        let _ = self.encoder.send_eof();
        let enc_tb = Rational::new(1, self.rate as i32);
        write_packets(
            &mut self.encoder,
            octx,
            self.out_stream,
            enc_tb,
            self.out_tb,
        )
    }
}

fn open_video_encoder(
    octx: &mut format::context::Output,
    size: (u32, u32),
    time_base: Rational,
    frame_rate: Rational,
    preset: &str,
) -> Result<(encoder::Video, usize), MediaError> {
    let codec = encoder::find_by_name("libx264")
        .or_else(|| encoder::find(codec::Id::H264))
        .ok_or_else(|| MediaError::Internal("this FFmpeg has no H.264 encoder".into()))?;
    let global_header = octx.format().flags().contains(format::Flags::GLOBAL_HEADER);
    let mut ost = octx
        .add_stream(codec)
        .map_err(internal("Creating the output failed"))?;
    let index = ost.index();
    let mut enc = codec::context::Context::new_with_codec(codec)
        .encoder()
        .video()
        .map_err(internal("Creating the H.264 encoder failed"))?;
    enc.set_width(size.0);
    enc.set_height(size.1);
    enc.set_format(Pixel::YUV420P);
    enc.set_aspect_ratio(Rational::new(1, 1));
    enc.set_time_base(time_base);
    if frame_rate.numerator() > 0 && frame_rate.denominator() > 0 {
        enc.set_frame_rate(Some(frame_rate));
    }
    if global_header {
        enc.set_flags(codec::Flags::GLOBAL_HEADER);
    }
    let mut opts = Dictionary::new();
    opts.set("preset", preset);
    opts.set("crf", "23");
    opts.set("profile", "high");
    let opened = enc
        .open_with(opts)
        .map_err(internal("Opening the H.264 encoder failed"))?;
    ost.set_parameters(&opened);
    ost.set_time_base(time_base);
    Ok((opened, index))
}

fn open_audio_encoder(
    octx: &mut format::context::Output,
    rate: u32,
    layout: ChannelLayout,
) -> Result<(encoder::Audio, usize), MediaError> {
    let codec = encoder::find(codec::Id::AAC)
        .ok_or_else(|| MediaError::Internal("this FFmpeg has no AAC encoder".into()))?;
    let global_header = octx.format().flags().contains(format::Flags::GLOBAL_HEADER);
    let mut ost = octx
        .add_stream(codec)
        .map_err(internal("Creating the output failed"))?;
    let index = ost.index();
    let mut enc = codec::context::Context::new_with_codec(codec)
        .encoder()
        .audio()
        .map_err(internal("Creating the AAC encoder failed"))?;
    enc.set_rate(rate as i32);
    enc.set_channel_layout(layout);
    enc.set_channels(layout.channels());
    enc.set_format(Sample::F32(ff::format::sample::Type::Planar));
    enc.set_bit_rate(if layout.channels() > 1 {
        128_000
    } else {
        96_000
    });
    enc.set_time_base(Rational::new(1, rate as i32));
    if global_header {
        enc.set_flags(codec::Flags::GLOBAL_HEADER);
    }
    let opened = enc
        .open_as(codec)
        .map_err(internal("Opening the AAC encoder failed"))?;
    ost.set_parameters(&opened);
    ost.set_time_base(Rational::new(1, rate as i32));
    Ok((opened, index))
}

/// Transcode `input` to an H.264 + AAC MP4 at `output` (index at the front), at most
/// `max_height` high, and write a JPEG poster from a representative frame to `poster`.
/// Inputs without sound give a video-only MP4.
pub fn transcode(
    input: &Path,
    output: &Path,
    poster: &Path,
    options: &TranscodeOptions,
    control: JobControl<'_>,
) -> Result<TranscodeReport, MediaError> {
    let info = probe(input)?;
    let mut ictx = open_input(input)?;
    let duration = info.duration_seconds;

    let vstream = ictx
        .streams()
        .best(media::Type::Video)
        .ok_or_else(|| MediaError::Invalid("This file has no video picture in it.".into()))?;
    let v_index = vstream.index();
    let v_tb = vstream.time_base();
    let v_rate = vstream.avg_frame_rate();
    let rotation = stream_rotation(&vstream);
    let mut vctx = codec::context::Context::from_parameters(vstream.parameters())
        .map_err(invalid("The video stream cannot be read"))?;
    vctx.set_threading(codec::threading::Config {
        kind: codec::threading::Type::Frame,
        count: 0,
        ..Default::default()
    });
    let vdec = vctx
        .decoder()
        .video()
        .map_err(invalid("The video stream cannot be read"))?;
    let sar = vdec.aspect_ratio();
    let size = if rotation == 90 || rotation == 270 {
        target_size(
            vdec.height(),
            vdec.width(),
            (sar.denominator(), sar.numerator()),
            options.max_height,
        )
    } else {
        target_size(
            vdec.width(),
            vdec.height(),
            (sar.numerator(), sar.denominator()),
            options.max_height,
        )
    };

    let audio_in = ictx.streams().best(media::Type::Audio).and_then(|s| {
        let dec = codec::context::Context::from_parameters(s.parameters())
            .and_then(|c| c.decoder().audio())
            .ok()?;
        Some((s.index(), s.time_base(), dec))
    });

    let mut octx = format::output_as(&output, "mp4")
        .map_err(internal("Creating the processed video file failed"))?;
    let (venc, v_out) = open_video_encoder(&mut octx, size, v_tb, v_rate, &options.x264_preset)?;
    let mut audio = match audio_in {
        Some((index, tb, dec)) => {
            let rate = if AAC_RATES.contains(&dec.rate()) {
                dec.rate()
            } else {
                48_000
            };
            let layout = if dec.channels() >= 2 {
                ChannelLayout::STEREO
            } else {
                ChannelLayout::MONO
            };
            let (aenc, a_out) = open_audio_encoder(&mut octx, rate, layout)?;
            Some(AudioPipe {
                stream: index,
                in_tb: tb,
                decoder: dec,
                graph: None,
                encoder: aenc,
                out_stream: a_out,
                out_tb: Rational::new(1, rate as i32),
                rate,
                layout,
                next_in_pts: None,
                next_out_pts: 0,
                bad_packets: 0,
            })
        }
        None => None,
    };

    let mut muxer_opts = Dictionary::new();
    muxer_opts.set("movflags", "+faststart");
    octx.write_header_with(muxer_opts)
        .map_err(internal("Writing the processed video failed"))?;
    let out_tb = |octx: &format::context::Output, i: usize| {
        octx.stream(i)
            .map_or(Rational::new(1, 90_000), |s| s.time_base())
    };
    let mut video = VideoPipe {
        stream: v_index,
        in_tb: v_tb,
        decoder: vdec,
        graph: None,
        encoder: venc,
        out_stream: v_out,
        out_tb: out_tb(&octx, v_out),
        size,
        rotation,
        last_pts: None,
        decoded: 0,
        bad_packets: 0,
        poster: PosterPicker::new(duration),
    };
    if let Some(a) = audio.as_mut() {
        a.out_tb = out_tb(&octx, a.out_stream);
    }

    let mut last_percent = 0u8;
    let progress = control.progress;
    let mut report_time = |t: f64| {
        if let Some(d) = duration.filter(|d| *d > 0.0) {
            let pct = ((t / d) * 100.0).clamp(0.0, 99.0) as u8;
            if pct > last_percent {
                last_percent = pct;
                progress(pct);
            }
        }
    };

    loop {
        if control.cancel.load(Ordering::Relaxed) {
            return Err(MediaError::Cancelled);
        }
        let mut packet = Packet::empty();
        match packet.read(&mut ictx) {
            Ok(()) => {}
            Err(ff::Error::Eof) => break,
            Err(ff::Error::InvalidData) => {
                video.bad_packets += 1;
                if video.bad_packets > MAX_BAD_PACKETS {
                    return Err(MediaError::Invalid(
                        "The video file is damaged: too much of it cannot be read.".into(),
                    ));
                }
                continue;
            }
            Err(e) => {
                return Err(MediaError::Invalid(format!(
                    "The video file could not be read to the end ({e}); it may be damaged or incomplete."
                )));
            }
        }
        let index = packet.stream();
        if index == video.stream {
            if video.decoder.send_packet(&packet).is_err() {
                video.bad_packets += 1;
                if video.bad_packets > MAX_BAD_PACKETS {
                    return Err(MediaError::Invalid(
                        "The video picture is damaged: too many frames cannot be decoded.".into(),
                    ));
                }
                continue;
            }
            video.drain_decoder(&mut octx, &mut report_time)?;
        } else if let Some(a) = audio.as_mut().filter(|a| a.stream == index) {
            if a.decoder.send_packet(&packet).is_err() {
                a.bad_packets += 1;
                continue;
            }
            a.drain_decoder(&mut octx)?;
        }
    }
    video.finish(&mut octx)?;
    if let Some(a) = audio.as_mut() {
        a.finish(&mut octx)?;
    }
    if video.decoded == 0 {
        return Err(MediaError::Invalid(
            "No picture could be decoded from this file; it may be damaged.".into(),
        ));
    }
    octx.write_trailer()
        .map_err(internal("Finishing the processed video failed"))?;
    drop(octx);

    let poster_written = match video.poster.best.take() {
        Some((_, frame)) => {
            write_jpeg(&frame, poster)?;
            true
        }
        None => false,
    };
    let out = probe(output).map_err(|e| {
        MediaError::Internal(format!("the processed video cannot be read back: {e}"))
    })?;
    Ok(TranscodeReport {
        duration_seconds: out.duration_seconds.unwrap_or(0.0),
        width: out.width,
        height: out.height,
        video_codec: out.video_codec,
        audio_codec: out.audio_codec,
        frame_rate: out.frame_rate.or_else(|| {
            (v_rate.numerator() > 0 && v_rate.denominator() > 0)
                .then(|| f64::from(v_rate.numerator()) / f64::from(v_rate.denominator()))
        }),
        poster_written,
    })
}

/// Encode one yuv420p frame as a JPEG file.
fn write_jpeg(frame: &frame::Video, path: &Path) -> Result<(), MediaError> {
    let (w, h) = (frame.width(), frame.height());
    let mut scaler = ff::software::scaling::Context::get(
        frame.format(),
        w,
        h,
        Pixel::YUVJ420P,
        w,
        h,
        ff::software::scaling::Flags::BICUBIC,
    )
    .map_err(internal("Preparing the poster failed"))?;
    let mut jpeg_frame = frame::Video::empty();
    scaler
        .run(frame, &mut jpeg_frame)
        .map_err(internal("Preparing the poster failed"))?;
    jpeg_frame.set_pts(Some(0));

    let codec = encoder::find(codec::Id::MJPEG)
        .ok_or_else(|| MediaError::Internal("this FFmpeg has no JPEG encoder".into()))?;
    let mut enc = codec::context::Context::new_with_codec(codec)
        .encoder()
        .video()
        .map_err(internal("Creating the JPEG encoder failed"))?;
    enc.set_width(w);
    enc.set_height(h);
    enc.set_format(Pixel::YUVJ420P);
    enc.set_time_base(Rational::new(1, 25));
    enc.set_flags(codec::Flags::QSCALE);
    let mut opts = Dictionary::new();
    opts.set("qmin", "3");
    opts.set("qmax", "3");
    let mut enc = enc
        .open_with(opts)
        .map_err(internal("Opening the JPEG encoder failed"))?;
    enc.send_frame(&jpeg_frame)
        .map_err(internal("Encoding the poster failed"))?;
    let _ = enc.send_eof();
    let mut packet = Packet::empty();
    enc.receive_packet(&mut packet)
        .map_err(internal("Encoding the poster failed"))?;
    let data = packet
        .data()
        .ok_or_else(|| MediaError::Internal("the JPEG encoder produced nothing".into()))?;
    std::fs::write(path, data)
        .map_err(|e| MediaError::Internal(format!("writing the poster failed: {e}")))
}

/// A full decode of a media file (video or image), for checks and tests.
#[derive(Debug, Clone)]
pub struct Inspection {
    pub container: String,
    pub video_codec: String,
    pub audio_codec: Option<String>,
    pub width: u32,
    pub height: u32,
    pub duration_seconds: Option<f64>,
    pub video_frames: u64,
    /// Mean luma (0-255) of the first decoded frame.
    pub first_frame_mean_luma: f64,
}

/// Decode every picture of `path` (any format FFmpeg reads, images included).
pub fn inspect(path: &Path) -> Result<Inspection, MediaError> {
    let mut ictx = open_input(path)?;
    let stream = ictx
        .streams()
        .best(media::Type::Video)
        .ok_or_else(|| MediaError::Invalid("no picture stream".into()))?;
    let index = stream.index();
    let video_codec = stream.parameters().id().name().to_owned();
    let mut dec = codec::context::Context::from_parameters(stream.parameters())
        .and_then(|c| c.decoder().video())
        .map_err(invalid("cannot open the decoder"))?;
    let audio_codec = ictx
        .streams()
        .best(media::Type::Audio)
        .map(|s| s.parameters().id().name().to_owned());
    let container = ictx.format().name().to_owned();
    let duration_seconds = container_duration(&ictx);
    let mut frames = 0u64;
    let mut mean = None;
    let mut decoded = frame::Video::empty();
    let mut take = |dec: &mut decoder::Video, frames: &mut u64, mean: &mut Option<f64>| {
        while dec.receive_frame(&mut decoded).is_ok() {
            *frames += 1;
            if mean.is_none() {
                *mean = Some(mean_luma(&decoded));
            }
        }
    };
    for (s, packet) in ictx.packets() {
        if s.index() == index && dec.send_packet(&packet).is_ok() {
            take(&mut dec, &mut frames, &mut mean);
        }
    }
    let _ = dec.send_eof();
    take(&mut dec, &mut frames, &mut mean);
    Ok(Inspection {
        container,
        video_codec,
        audio_codec,
        width: dec.width(),
        height: dec.height(),
        duration_seconds,
        video_frames: frames,
        first_frame_mean_luma: mean.unwrap_or(0.0),
    })
}

fn mean_luma(frame: &frame::Video) -> f64 {
    let Ok(mut scaler) = ff::software::scaling::Context::get(
        frame.format(),
        frame.width(),
        frame.height(),
        Pixel::GRAY8,
        frame.width(),
        frame.height(),
        ff::software::scaling::Flags::BILINEAR,
    ) else {
        return 0.0;
    };
    let mut gray = frame::Video::empty();
    if scaler.run(frame, &mut gray).is_err() {
        return 0.0;
    }
    let (w, h, stride) = (
        gray.width() as usize,
        gray.height() as usize,
        gray.stride(0),
    );
    let data = gray.data(0);
    let mut sum = 0u64;
    for y in 0..h {
        if let Some(row) = data.get(y * stride..y * stride + w) {
            sum += row.iter().map(|&v| u64::from(v)).sum::<u64>();
        }
    }
    sum as f64 / (w * h).max(1) as f64
}

/// A synthetic clip for tests and benchmarks.
#[derive(Debug, Clone)]
pub struct ClipSpec {
    pub width: u32,
    pub height: u32,
    pub seconds: f64,
    pub fps: i32,
    /// A 440 Hz tone track.
    pub audio: bool,
    /// Seconds of black picture at the start (posters must skip them).
    pub black_lead_seconds: f64,
    /// Clockwise rotation recorded in the display matrix (as phones do): 0, 90, 180, 270.
    pub rotation: u32,
    /// FFmpeg muxer name: `mp4`, `mov`, `matroska`, `avi`…
    pub container: &'static str,
}

impl Default for ClipSpec {
    fn default() -> Self {
        ClipSpec {
            width: 320,
            height: 240,
            seconds: 2.0,
            fps: 25,
            audio: true,
            black_lead_seconds: 0.4,
            rotation: 0,
            container: "mp4",
        }
    }
}

/// Encode a moving test pattern (and a sine tone) into an H.264/AAC MP4 at `path`.
pub fn write_test_clip(path: &Path, spec: &ClipSpec) -> Result<(), MediaError> {
    init();
    let mut octx =
        format::output_as(&path, spec.container).map_err(internal("creating the clip"))?;
    let tb = Rational::new(1, spec.fps);
    let (mut venc, v_out) = open_video_encoder(
        &mut octx,
        (spec.width, spec.height),
        tb,
        Rational::new(spec.fps, 1),
        "ultrafast",
    )?;
    let rate = 48_000u32;
    let mut aenc = if spec.audio {
        Some(open_audio_encoder(&mut octx, rate, ChannelLayout::MONO)?)
    } else {
        None
    };
    if spec.rotation != 0
        && let Some(mut stream) = octx.stream_mut(v_out)
    {
        set_display_rotation(&mut stream, spec.rotation);
    }
    octx.write_header().map_err(internal("writing the clip"))?;
    let v_tb = octx.stream(v_out).map_or(tb, |s| s.time_base());

    let frames = (spec.seconds * f64::from(spec.fps)).round() as i64;
    let black = (spec.black_lead_seconds * f64::from(spec.fps)).round() as i64;
    let mut picture = frame::Video::new(Pixel::YUV420P, spec.width, spec.height);
    for i in 0..frames {
        paint_pattern(&mut picture, i, i < black);
        picture.set_pts(Some(i));
        venc.send_frame(&picture)
            .map_err(internal("encoding the clip"))?;
        write_packets(&mut venc, &mut octx, v_out, tb, v_tb)?;
    }
    let _ = venc.send_eof();
    write_packets(&mut venc, &mut octx, v_out, tb, v_tb)?;

    if let Some((enc, a_out)) = aenc.as_mut() {
        let a_tb = Rational::new(1, rate as i32);
        let out_tb = octx.stream(*a_out).map_or(a_tb, |s| s.time_base());
        let frame_size = enc.frame_size().max(1) as usize;
        let total = (spec.seconds * f64::from(rate)) as usize;
        let mut done = 0usize;
        while done < total {
            let n = frame_size.min(total - done);
            let mut samples = frame::Audio::new(
                Sample::F32(ff::format::sample::Type::Planar),
                frame_size,
                ChannelLayout::MONO,
            );
            samples.set_rate(rate);
            let plane = samples.plane_mut::<f32>(0);
            for (k, s) in plane.iter_mut().enumerate() {
                let t = (done + k) as f32 / rate as f32;
                *s = if k < n {
                    0.3 * (2.0 * std::f32::consts::PI * 440.0 * t).sin()
                } else {
                    0.0
                };
            }
            samples.set_pts(Some(done as i64));
            enc.send_frame(&samples)
                .map_err(internal("encoding the tone"))?;
            write_packets(enc, &mut octx, *a_out, a_tb, out_tb)?;
            done += n;
        }
        let _ = enc.send_eof();
        write_packets(enc, &mut octx, *a_out, a_tb, out_tb)?;
    }
    octx.write_trailer().map_err(internal("finishing the clip"))
}

/// Record a clockwise display rotation on an output stream (test clips only).
fn set_display_rotation(stream: &mut format::stream::StreamMut, clockwise: u32) {
    // SAFETY: the stream pointer is valid for the life of `stream`; FFmpeg allocates
    // the 36-byte side data buffer, which av_display_rotation_set fills (it takes the
    // counter-clockwise angle).
    unsafe {
        let data = ff::ffi::av_stream_new_side_data(
            stream.as_mut_ptr(),
            ff::ffi::AVPacketSideDataType::AV_PKT_DATA_DISPLAYMATRIX,
            36,
        );
        if !data.is_null() {
            ff::ffi::av_display_rotation_set(data.cast::<i32>(), -f64::from(clockwise));
        }
    }
}

fn paint_pattern(picture: &mut frame::Video, index: i64, black: bool) {
    let (w, h) = (picture.width() as usize, picture.height() as usize);
    let stride = picture.stride(0);
    let luma = picture.data_mut(0);
    for y in 0..h {
        for x in 0..w {
            let v = if black {
                16
            } else {
                let bar = ((x as i64 + index * 4) / 40) % 8;
                (16 + bar * 28 + (y as i64 * 20 / h.max(1) as i64)) as u8
            };
            if let Some(p) = luma.get_mut(y * stride + x) {
                *p = v;
            }
        }
    }
    for plane in 1..3 {
        let stride = picture.stride(plane);
        let data = picture.data_mut(plane);
        for y in 0..h / 2 {
            for x in 0..w / 2 {
                let v = if black {
                    128
                } else {
                    (64 + ((x + y + plane * 50) % 128)) as u8
                };
                if let Some(p) = data.get_mut(y * stride + x) {
                    *p = v;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Transcode `src` to `out` and `poster` at up to 720 lines with the fastest preset,
    /// ignoring progress; `cancelled` starts the job already cancelled.
    fn quick_transcode(
        src: &Path,
        out: &Path,
        poster: &Path,
        cancelled: bool,
    ) -> Result<TranscodeReport, MediaError> {
        let cancel = AtomicBool::new(cancelled);
        transcode(
            src,
            out,
            poster,
            &TranscodeOptions {
                max_height: 720,
                x264_preset: "ultrafast".into(),
            },
            JobControl {
                cancel: &cancel,
                progress: &mut |_| {},
            },
        )
    }

    #[test]
    fn target_size_keeps_aspect_even_and_never_upscales() {
        assert_eq!(target_size(1920, 1080, (1, 1), 720), (1280, 720));
        assert_eq!(target_size(320, 240, (1, 1), 720), (320, 240));
        assert_eq!(target_size(1080, 1920, (0, 1), 720), (406, 720));
        // Anamorphic DV: 720x576 with 16:15 pixels shows as 768x576.
        assert_eq!(target_size(720, 576, (16, 15), 480), (640, 480));
        assert_eq!(target_size(320, 240, (1_000_000, 1), 720).0, 8192);
        let (w, h) = target_size(333, 199, (1, 1), 720);
        assert!(w % 2 == 0 && h % 2 == 0, "{w}x{h}");
    }

    fn matrix(values: [i32; 9]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_ne_bytes()).collect()
    }

    #[test]
    fn display_matrices_give_the_rotation() {
        let one = 1 << 16;
        let w = 1 << 30;
        assert_eq!(
            display_rotation(&matrix([one, 0, 0, 0, one, 0, 0, 0, w])),
            0
        );
        // A phone held upright: turn 90 degrees clockwise.
        assert_eq!(
            display_rotation(&matrix([0, one, 0, -one, 0, 0, 0, 0, w])),
            90
        );
        assert_eq!(
            display_rotation(&matrix([-one, 0, 0, 0, -one, 0, 0, 0, w])),
            180
        );
        assert_eq!(
            display_rotation(&matrix([0, -one, 0, one, 0, 0, 0, 0, w])),
            270
        );
        assert_eq!(display_rotation(&[1, 2, 3]), 0);
        assert_eq!(display_rotation(&matrix([0; 9])), 0);
    }

    #[test]
    fn garbage_is_not_a_video() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.mp4");
        std::fs::write(&path, "just some text, not a video\n".repeat(100)).unwrap();
        let e = probe(&path).unwrap_err();
        assert!(e.is_permanent());
        assert_eq!(e.to_string(), NOT_A_VIDEO);
    }

    #[test]
    fn transcodes_a_clip_with_a_non_black_poster() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("in.mp4");
        write_test_clip(&src, &ClipSpec::default()).unwrap();
        let info = probe(&src).unwrap();
        assert_eq!((info.width, info.height), (320, 240));
        assert!((info.frame_rate.unwrap() - 25.0).abs() < 0.01, "{info:?}");

        let out = dir.path().join("out.mp4");
        let poster = dir.path().join("poster.jpg");
        let cancel = AtomicBool::new(false);
        let mut seen = Vec::new();
        let mut progress = |p: u8| seen.push(p);
        let report = transcode(
            &src,
            &out,
            &poster,
            &TranscodeOptions {
                max_height: 180,
                x264_preset: "ultrafast".into(),
            },
            JobControl {
                cancel: &cancel,
                progress: &mut progress,
            },
        )
        .unwrap();
        assert_eq!((report.width, report.height), (240, 180));
        assert_eq!(report.video_codec, "h264");
        assert_eq!(report.audio_codec.as_deref(), Some("aac"));
        assert!((report.duration_seconds - 2.0).abs() < 0.2, "{report:?}");
        assert!(
            (report.frame_rate.unwrap() - 25.0).abs() < 0.01,
            "{report:?}"
        );
        assert!(!seen.is_empty() && seen.windows(2).all(|w| w[0] < w[1]));

        let check = inspect(&out).unwrap();
        assert!(check.video_frames >= 45, "{check:?}");
        let jpeg = inspect(&poster).unwrap();
        assert_eq!(jpeg.video_codec, "mjpeg");
        assert!(jpeg.first_frame_mean_luma > 40.0, "{jpeg:?}");
        // The index (moov) is before the media data (mdat): fast start.
        let bytes = std::fs::read(&out).unwrap();
        let moov = bytes.windows(4).position(|w| w == b"moov").unwrap();
        let mdat = bytes.windows(4).position(|w| w == b"mdat").unwrap();
        assert!(moov < mdat);
    }

    #[test]
    fn every_accepted_container_is_probed_and_transcoded() {
        let dir = tempfile::tempdir().unwrap();
        for (container, ext, name) in [
            ("mov", "mov", "mov,mp4,m4a,3gp,3g2,mj2"),
            ("matroska", "mkv", "matroska,webm"),
            ("avi", "avi", "avi"),
        ] {
            let src = dir.path().join(format!("in.{ext}"));
            write_test_clip(
                &src,
                &ClipSpec {
                    container,
                    seconds: 1.0,
                    ..ClipSpec::default()
                },
            )
            .unwrap();
            assert_eq!(probe(&src).unwrap().container, name);
            let report = quick_transcode(
                &src,
                &dir.path().join(format!("out-{ext}.mp4")),
                &dir.path().join(format!("poster-{ext}.jpg")),
                false,
            )
            .unwrap_or_else(|e| panic!("{container}: {e}"));
            assert_eq!(report.video_codec, "h264", "{container}");
            assert_eq!(report.audio_codec.as_deref(), Some("aac"), "{container}");
            assert!(
                (report.duration_seconds - 1.0).abs() < 0.2,
                "{container}: {report:?}"
            );
        }
        // A container outside the allow-list (MPEG-TS) is refused by content.
        let ts = dir.path().join("clip.mp4");
        write_test_clip(
            &ts,
            &ClipSpec {
                container: "mpegts",
                ..ClipSpec::default()
            },
        )
        .unwrap();
        assert!(probe(&ts).unwrap_err().is_permanent());
    }

    #[test]
    fn portrait_phone_video_is_turned_upright() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("phone.mp4");
        write_test_clip(
            &src,
            &ClipSpec {
                width: 320,
                height: 180,
                rotation: 90,
                ..ClipSpec::default()
            },
        )
        .unwrap();
        let report = quick_transcode(
            &src,
            &dir.path().join("o.mp4"),
            &dir.path().join("p.jpg"),
            false,
        )
        .unwrap();
        assert_eq!((report.width, report.height), (180, 320));
    }

    #[test]
    fn silent_clips_transcode_and_cancel_stops() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("silent.mp4");
        write_test_clip(
            &src,
            &ClipSpec {
                audio: false,
                ..ClipSpec::default()
            },
        )
        .unwrap();
        let report = quick_transcode(
            &src,
            &dir.path().join("o.mp4"),
            &dir.path().join("p.jpg"),
            false,
        )
        .unwrap();
        assert_eq!(report.audio_codec, None);
        let e = quick_transcode(
            &src,
            &dir.path().join("o2.mp4"),
            &dir.path().join("p2.jpg"),
            true,
        )
        .unwrap_err();
        assert!(matches!(e, MediaError::Cancelled));
    }
}
