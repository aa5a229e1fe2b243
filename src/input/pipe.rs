//! Streams that can block: stdin and a FIFO named on the command line. Opening and reading one
//! blocks inside the system call for as long as its writer pleases, where no check between reads
//! can stop it; so it is opened and read on a thread of its own, and read from here through a
//! channel that is waited on until the scan's deadline at most. Past the deadline the thread is
//! left blocked until the process exits.

use std::io::{self, Read};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::Instant;

/// Bytes the thread reads per block. Two blocks at most wait in the channel.
const BLOCK: usize = 64 << 10;

/// A blocking stream read on its own thread, in blocks.
pub struct PipeReader {
    blocks: Receiver<io::Result<Vec<u8>>>,
    block: Vec<u8>,
    at: usize,
    deadline: Option<Instant>,
}

impl PipeReader {
    /// Opens and reads `open`'s stream on a new thread.
    pub fn spawn<R: Read>(open: impl FnOnce() -> io::Result<R> + Send + 'static) -> PipeReader {
        let (sender, blocks) = sync_channel(1);
        std::thread::spawn(move || match open() {
            Ok(reader) => pump(reader, &sender),
            Err(e) => drop(sender.send(Err(e))),
        });
        PipeReader { blocks, block: Vec::new(), at: 0, deadline: None }
    }

    /// Waits for the stream until `deadline` at most; then a read fails with
    /// [`io::ErrorKind::TimedOut`] (see [`super::read_problem`]).
    pub fn until(mut self, deadline: Option<Instant>) -> PipeReader {
        self.deadline = deadline;
        self
    }
}

fn pump(mut reader: impl Read, sender: &SyncSender<io::Result<Vec<u8>>>) {
    loop {
        let mut block = vec![0; BLOCK];
        match reader.read(&mut block) {
            Ok(0) => return,
            Ok(n) => {
                block.truncate(n);
                if sender.send(Ok(block)).is_err() {
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return drop(sender.send(Err(e))),
        }
    }
}

impl Read for PipeReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.block.len() {
            let next = match self.deadline {
                None => self.blocks.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(deadline) => self.blocks.recv_timeout(deadline.saturating_duration_since(Instant::now())),
            };
            match next {
                Ok(block) => (self.block, self.at) = (block?, 0),
                Err(RecvTimeoutError::Disconnected) => return Ok(0),
                Err(RecvTimeoutError::Timeout) => return Err(io::Error::from(io::ErrorKind::TimedOut)),
            }
        }
        let n = buf.len().min(self.block.len() - self.at);
        buf[..n].copy_from_slice(&self.block[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Stdin when it is not a zip: its first bytes, read at discovery to tell, and the rest, read
/// when its turn comes in the scan. It is read once.
pub struct Stdin {
    pub(super) head: Vec<u8>,
    pub(super) rest: Mutex<Option<PipeReader>>,
}

impl std::fmt::Debug for Stdin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Stdin({} bytes read ahead)", self.head.len())
    }
}

impl Stdin {
    /// The whole stream, or `None` when it was already taken.
    pub fn take(&self) -> Option<impl Read + use<>> {
        let rest = self.rest.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()?;
        Some(io::Cursor::new(self.head.clone()).chain(rest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_stream_is_read_through_in_blocks() {
        let text: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
        let source = text.clone();
        let mut read = Vec::new();
        PipeReader::spawn(move || Ok(io::Cursor::new(source))).read_to_end(&mut read).unwrap();
        assert_eq!(read, text);
    }

    #[test]
    fn a_blocked_stream_times_out_at_the_deadline() {
        let (_keep_open, blocked) = sync_channel::<u8>(0);
        let reader = PipeReader::spawn(move || {
            let _ = blocked.recv();
            Ok(io::empty())
        });
        let deadline = Instant::now() + Duration::from_millis(30);
        let e = reader.until(Some(deadline)).read(&mut [0; 8]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
    }
}
