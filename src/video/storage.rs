//! Files of videos under `VIDEO_UPLOAD_FOLDER`, addressed by *keys* such as
//! `originals/3f2c….mp4`. Keys are generated here (a UUID and an extension from the
//! allow-list); a person's file name never becomes part of a path.

use std::io;
use std::path::{Path, PathBuf};

use tokio::io::AsyncWriteExt;

/// The folders (areas) under the storage root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// Uploads still arriving.
    Incoming,
    Originals,
    Processed,
    Posters,
    Captions,
}

impl Area {
    pub const ALL: [Area; 5] = [
        Area::Incoming,
        Area::Originals,
        Area::Processed,
        Area::Posters,
        Area::Captions,
    ];

    pub fn dir(self) -> &'static str {
        match self {
            Area::Incoming => "incoming",
            Area::Originals => "originals",
            Area::Processed => "processed",
            Area::Posters => "posters",
            Area::Captions => "captions",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Storage {
    root: PathBuf,
}

impl Storage {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Storage { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Create the folders (at start-up).
    pub fn ensure_dirs(&self) -> io::Result<()> {
        for area in Area::ALL {
            std::fs::create_dir_all(self.root.join(area.dir()))?;
        }
        Ok(())
    }

    /// A new key in `area`; `stem` must be a generated token, `ext` from an allow-list.
    pub fn key(area: Area, stem: &str, ext: &str) -> String {
        format!("{}/{stem}.{ext}", area.dir())
    }

    /// A fresh random key in `area`.
    pub fn new_key(area: Area, ext: &str) -> String {
        Self::key(area, &uuid::Uuid::new_v4().simple().to_string(), ext)
    }

    /// The file of `key`, or `None` when the key is not one this module makes (so a
    /// tampered database value cannot point outside the storage root).
    pub fn path(&self, key: &str) -> Option<PathBuf> {
        let (dir, name) = key.split_once('/')?;
        let known = Area::ALL.iter().any(|a| a.dir() == dir);
        let safe = !name.is_empty()
            && !name.starts_with('.')
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_');
        (known && safe).then(|| self.root.join(dir).join(name))
    }

    /// Delete the file of `key`; a missing file is not an error.
    pub fn remove(&self, key: &str) {
        if let Some(path) = self.path(key)
            && let Err(e) = std::fs::remove_file(&path)
            && e.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(key, error = %e, "could not delete a video file");
        }
    }

    /// Move a file to `key` (same file system: a rename).
    pub fn persist(&self, from: &Path, key: &str) -> io::Result<PathBuf> {
        let to = self
            .path(key)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "bad storage key"))?;
        std::fs::rename(from, &to)?;
        Ok(to)
    }

    /// Keys of the files in `area` last modified more than `min_age` ago.
    pub fn keys_older_than(&self, area: Area, min_age: std::time::Duration) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.root.join(area.dir())) else {
            return Vec::new();
        };
        let now = std::time::SystemTime::now();
        entries
            .filter_map(Result::ok)
            .filter(|e| {
                e.metadata()
                    .ok()
                    .filter(std::fs::Metadata::is_file)
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| now.duration_since(t).ok())
                    .is_some_and(|age| age > min_age)
            })
            .filter_map(|e| {
                e.file_name()
                    .to_str()
                    .map(|n| format!("{}/{n}", area.dir()))
            })
            .filter(|key| self.path(key).is_some())
            .collect()
    }

    /// Start receiving an upload of at most `limit` bytes into `incoming/`.
    pub async fn incoming(&self, ext: &str, limit: u64) -> io::Result<IncomingFile> {
        let key = Self::new_key(Area::Incoming, ext);
        let path = self
            .path(&key)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "bad storage key"))?;
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await?;
        Ok(IncomingFile {
            path,
            ext: ext.to_owned(),
            file: Some(file),
            written: 0,
            limit,
            keep: false,
        })
    }
}

/// An upload being written to disk chunk by chunk. Dropped without
/// [`IncomingFile::keep`], it deletes its file: a refused or interrupted upload leaves
/// nothing behind.
pub struct IncomingFile {
    path: PathBuf,
    ext: String,
    file: Option<tokio::fs::File>,
    written: u64,
    limit: u64,
    keep: bool,
}

/// Writing more than the limit.
#[derive(Debug, thiserror::Error)]
pub enum IncomingError {
    #[error("the file is larger than the limit")]
    TooLarge,
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl IncomingFile {
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn ext(&self) -> &str {
        &self.ext
    }

    pub fn written(&self) -> u64 {
        self.written
    }

    /// Append a chunk; refuses (before writing) once the total would pass the limit.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), IncomingError> {
        let total = self.written + chunk.len() as u64;
        if total > self.limit {
            return Err(IncomingError::TooLarge);
        }
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| io::Error::other("the upload is already finished"))?;
        if let Err(e) = file.write_all(chunk).await {
            // Close it now (once any write still running ends), so a full disk gets
            // its space back before the refusal is sent rather than whenever this is
            // dropped.
            if let Some(file) = self.file.take() {
                drop(file.into_std().await);
            }
            return Err(e.into());
        }
        self.written = total;
        Ok(())
    }

    /// Flush to disk and close the file.
    pub async fn finish(&mut self) -> io::Result<()> {
        if let Some(mut file) = self.file.take() {
            file.flush().await?;
            file.sync_all().await?;
        }
        Ok(())
    }

    /// Keep the file: the caller has moved it or taken responsibility for it.
    pub fn keep(mut self) -> PathBuf {
        self.keep = true;
        self.path.clone()
    }
}

impl Drop for IncomingFile {
    fn drop(&mut self) {
        if !self.keep {
            drop(self.file.take());
            if let Err(e) = std::fs::remove_file(&self.path)
                && e.kind() != io::ErrorKind::NotFound
            {
                tracing::warn!(path = %self.path.display(), error = %e, "could not delete a refused upload");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_generated_keys_map_to_paths() {
        let s = Storage::new("/srv/videos");
        let key = Storage::new_key(Area::Originals, "mp4");
        assert!(s.path(&key).unwrap().starts_with("/srv/videos/originals"));
        for bad in [
            "../etc/passwd",
            "originals/../../x",
            "originals/",
            "originals/.hidden",
            "other/x.mp4",
            "originals/a/b.mp4",
            "originals/a b.mp4",
            "x.mp4",
        ] {
            assert!(s.path(bad).is_none(), "{bad}");
        }
    }

    #[tokio::test]
    async fn refused_uploads_leave_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let s = Storage::new(dir.path());
        let mut f = s.incoming("mp4", 10).await.unwrap();
        let path = f.path().to_owned();
        f.write(b"12345").await.unwrap();
        assert!(matches!(
            f.write(b"123456").await,
            Err(IncomingError::TooLarge)
        ));
        assert_eq!(f.written(), 5);
        drop(f);
        assert!(!path.exists());

        let mut kept = s.incoming("mp4", 10).await.unwrap();
        kept.write(b"abc").await.unwrap();
        kept.finish().await.unwrap();
        let path = kept.keep();
        assert_eq!(std::fs::read(path).unwrap(), b"abc");
    }
}
