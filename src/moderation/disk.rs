//! Free space on the file system that holds the videos, and what a full disk means
//! for an upload.

use std::io;
use std::path::Path;

/// Bytes available to this (unprivileged) process on the file system holding `path`.
pub fn free_bytes(path: &Path) -> io::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path has a NUL byte"))?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `c_path` is a valid NUL-terminated string and `stat` points to writable
    // memory of the right size; statvfs only writes into it.
    let rc = unsafe { libc::statvfs(c_path.as_ptr(), stat.as_mut_ptr()) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: statvfs returned 0, so it filled the struct.
    let stat = unsafe { stat.assume_init() };
    #[allow(
        clippy::unnecessary_cast,
        reason = "the field types differ between platforms"
    )]
    Ok((stat.f_bavail as u64).saturating_mul(stat.f_frsize as u64))
}

/// True when `e` means the disk (or the quota of the file system) is full.
pub fn is_full(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::StorageFull
        || e.kind() == io::ErrorKind::QuotaExceeded
        || e.raw_os_error() == Some(libc::ENOSPC)
        || e.raw_os_error() == Some(libc::EDQUOT)
}

/// Whether the upload folder has less than `min_free_mb` free (never, when it is 0 or
/// the space cannot be read).
pub fn low(folder: &Path, min_free_mb: u64) -> Option<u64> {
    if min_free_mb == 0 {
        return None;
    }
    let free = free_bytes(folder).ok()?;
    (free < min_free_mb.saturating_mul(1024 * 1024)).then_some(free / (1024 * 1024))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_space_of_a_real_directory() {
        let dir = tempfile::tempdir().unwrap();
        assert!(free_bytes(dir.path()).unwrap() > 0);
        assert!(free_bytes(&dir.path().join("missing")).is_err());
        assert_eq!(low(dir.path(), 0), None);
        assert!(low(dir.path(), u64::MAX / (1024 * 1024)).is_some());
        assert!(is_full(&io::Error::from_raw_os_error(libc::ENOSPC)));
        assert!(!is_full(&io::Error::from_raw_os_error(libc::EACCES)));
    }
}
