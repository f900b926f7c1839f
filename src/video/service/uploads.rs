//! A video's life as its owner sees it: upload (probe, keep the file, record the video
//! and its job in one transaction), edit the details, try a failed job again, delete.

use super::{VIDEO_MODULE, VideoError, VideoService, VideoView};
use crate::db::now;
use crate::events::Event;
use crate::models::User;
use crate::models::caption as caption_db;
use crate::models::video::{self as video_db, NewVideo, STATUS_UPLOADED, Video};
use crate::models::video_job;
use crate::video::input::{self, VideoDetails, video_extension};
use crate::video::media::MediaError;
use crate::video::storage::{Area, IncomingError, IncomingFile, Storage};

/// A storage failure: a full disk is [`VideoError::StorageFull`] (507), not a 500.
pub(crate) fn storage_error(e: std::io::Error) -> VideoError {
    if crate::moderation::disk::is_full(&e) {
        VideoError::StorageFull
    } else {
        VideoError::Io(e)
    }
}

impl VideoService {
    /// May `user` upload? `Forbidden` explains why not.
    pub fn check_can_upload(&self, user: &User) -> Result<(), VideoError> {
        if self.verified_email_required && user.email_verified_at.is_none() {
            return Err(VideoError::Forbidden(
                "Confirm your email address before uploading: follow the link we emailed \
                 you, or send a new one from your account page."
                    .into(),
            ));
        }
        if user.has_module(VIDEO_MODULE) {
            Ok(())
        } else {
            Err(VideoError::Forbidden(
                "Your account cannot upload videos yet: it does not have the video module. \
                 Ask an administrator to grant it (pinkflow user grant <email> video)."
                    .into(),
            ))
        }
    }

    /// Start receiving the file `filename` (its extension must be allowed). Write the
    /// chunks with [`IncomingFile::write`] (map [`IncomingError::TooLarge`] with
    /// [`VideoService::too_large`]), then call [`VideoService::finish_upload`].
    pub async fn begin_upload(&self, filename: &str) -> Result<IncomingFile, VideoError> {
        self.begin_upload_within(filename, self.settings.max_upload_bytes)
            .await
    }

    /// [`VideoService::begin_upload`] refusing more than `limit` bytes (what is left of
    /// the account's quota).
    pub async fn begin_upload_within(
        &self,
        filename: &str,
        limit: u64,
    ) -> Result<IncomingFile, VideoError> {
        let ext = video_extension(filename)
            .ok_or_else(|| VideoError::field("file", input::extension_message()))?;
        self.storage
            .incoming(ext, limit)
            .await
            .map_err(storage_error)
    }

    pub fn too_large(&self) -> VideoError {
        VideoError::TooLarge {
            limit_mb: self.max_upload_mb(),
        }
    }

    pub fn incoming_error(&self, e: IncomingError) -> VideoError {
        match e {
            IncomingError::TooLarge => self.too_large(),
            IncomingError::Io(io) => storage_error(io),
        }
    }

    /// Probe the received file, keep it under a generated name and record the video
    /// *and* its job in one transaction. On any error the file is deleted.
    pub async fn finish_upload(
        &self,
        owner: &User,
        details: VideoDetails,
        original_filename: &str,
        mut file: IncomingFile,
    ) -> Result<Video, VideoError> {
        self.check_can_upload(owner)?;
        file.finish().await.map_err(storage_error)?;
        if file.written() == 0 {
            return Err(VideoError::field("file", "The selected file is empty"));
        }
        let probe_path = file.path().to_owned();
        let media = self.media.clone();
        let info = tokio::task::spawn_blocking(move || media.probe(&probe_path))
            .await
            .map_err(VideoError::task)?
            .map_err(|e| match e {
                MediaError::Invalid(m) => VideoError::NotAVideo(m),
                other => VideoError::Io(std::io::Error::other(other.to_string())),
            })?;

        let key = Storage::new_key(Area::Originals, file.ext());
        let size = file.written() as i64;
        let storage = self.storage.clone();
        let (from, key_moved) = (file.path().to_owned(), key.clone());
        tokio::task::spawn_blocking(move || storage.persist(&from, &key_moved))
            .await
            .map_err(VideoError::task)?
            .map_err(storage_error)?;
        // The file now lives under `key`; the incoming guard has nothing left to delete.
        let _ = file.keep();

        let owner_id = owner.id;
        let filename = input::display_filename(original_filename);
        let db_key = key.clone();
        let result = self
            .db
            .transaction(move |conn| {
                let at = now();
                let video = video_db::insert(
                    conn,
                    &NewVideo {
                        owner_id,
                        title: &details.title,
                        description: &details.description,
                        sign_language: details.sign_language.code(),
                        visibility: details.visibility.as_str(),
                        status: STATUS_UPLOADED,
                        progress: 0,
                        original_filename: &filename,
                        source_key: &db_key,
                        source_size: size,
                        duration_seconds: info.duration_seconds,
                        width: i32::try_from(info.width).ok(),
                        height: i32::try_from(info.height).ok(),
                        video_codec: Some(&info.video_codec),
                        audio_codec: info.audio_codec.as_deref(),
                        attempts: 0,
                        created_at: at,
                        updated_at: at,
                    },
                )?;
                video_job::enqueue(conn, video.id, at)?;
                video_db::get(conn, video.id)
            })
            .await;
        match result {
            Ok(video) => {
                self.publish(Event::VideoUploaded {
                    video_id: video.id,
                    owner_id,
                });
                self.wake.notify_one();
                Ok(video)
            }
            Err(e) => {
                self.storage.remove(&key);
                Err(e.into())
            }
        }
    }

    /// Delete a video, its captions and feedback, and all of its files.
    pub async fn delete(&self, id: i32, user_id: i32) -> Result<(), VideoError> {
        let video = self.get_owned(id, user_id).await?;
        let v = video.clone();
        let caption_keys = self
            .db
            .transaction(move |conn| {
                let keys: Vec<String> = caption_db::for_video(conn, v.id)?
                    .into_iter()
                    .map(|c| c.storage_key)
                    .collect();
                video_db::leave_edition_group(conn, &v)?;
                video_db::delete(conn, v.id)?;
                Ok(keys)
            })
            .await?;
        let storage = self.storage.clone();
        let keys: Vec<String> = [Some(video.source_key), video.output_key, video.poster_key]
            .into_iter()
            .flatten()
            .chain(caption_keys)
            .collect();
        tokio::task::spawn_blocking(move || {
            for key in keys {
                storage.remove(&key);
            }
        })
        .await
        .map_err(VideoError::task)?;
        self.publish(Event::VideoDeleted {
            video_id: id,
            owner_id: user_id,
        });
        Ok(())
    }

    /// Queue a failed video again with a fresh set of attempts.
    pub async fn retry(&self, id: i32, user_id: i32) -> Result<VideoView, VideoError> {
        self.get_owned(id, user_id).await?;
        let queued = self
            .db
            .run(move |conn| video_job::retry_failed(conn, id, now()))
            .await?;
        if !queued {
            return Err(VideoError::Conflict(
                "Only a video whose processing failed can be tried again.".into(),
            ));
        }
        self.cache.forget(id);
        self.wake.notify_one();
        self.view(id, Some(user_id)).await
    }

    /// Change the title, description, sign language or visibility.
    pub async fn update_details(
        &self,
        id: i32,
        user_id: i32,
        details: VideoDetails,
    ) -> Result<VideoView, VideoError> {
        self.get_owned(id, user_id).await?;
        self.db
            .run(move |conn| {
                video_db::update_details(
                    conn,
                    id,
                    &video_db::VideoDetailsChangeset {
                        title: Some(&details.title),
                        description: Some(&details.description),
                        sign_language: Some(details.sign_language.code()),
                        visibility: Some(details.visibility.as_str()),
                        updated_at: Some(now()),
                    },
                )
            })
            .await?;
        self.changed(id, user_id, "details");
        self.view(id, Some(user_id)).await
    }
}
