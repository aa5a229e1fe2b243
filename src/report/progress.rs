//! A progress bar on stderr while a scan reads its inputs.
//!
//! Drawn only for a person watching: stderr must be a terminal, `--quiet` must be off, and the
//! scan must last past [`DELAY`] (a bundle read in a blink shows nothing, not a flash). Pipes,
//! files and CI logs never see it, so stderr stays clean for them.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a scan runs before the bar appears.
pub const DELAY: Duration = Duration::from_secs(1);

pub struct Progress {
    bar: ProgressBar,
    /// Dropping it tells the reveal thread the scan is over.
    stop: Option<mpsc::Sender<()>>,
    reveal: Option<JoinHandle<()>>,
}

impl Progress {
    /// A bar for a scan of `files` inputs, one step each (read, parsed and matched); `enabled`
    /// is false when stderr is not a terminal or the user asked for quiet, and then nothing is
    /// ever drawn.
    pub fn start(files: usize, enabled: bool) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(files as u64), ProgressDrawTarget::hidden());
        bar.set_message(format!("{files} file{}", super::plural(files)));
        if !enabled {
            return Progress { bar, stop: None, reveal: None };
        }
        if let Ok(style) = ProgressStyle::with_template("{spinner} scanning {msg} [{bar:30}] {percent:>3}%, {elapsed}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        let (stop, stopped) = mpsc::channel::<()>();
        let shown = bar.clone();
        let reveal = thread::spawn(move || {
            if let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(DELAY) {
                shown.set_draw_target(ProgressDrawTarget::stderr());
                // Ticks keep the spinner and clock moving while one large file is read.
                shown.enable_steady_tick(Duration::from_millis(120));
            }
        });
        Progress { bar, stop: Some(stop), reveal: Some(reveal) }
    }

    /// `files` more inputs to scan, found once the bar started (the inputs of one more host).
    pub fn add(&self, files: usize) {
        self.bar.inc_length(files as u64);
        let total = self.bar.length().unwrap_or(0);
        self.bar.set_message(format!("{total} file{}", if total == 1 { "" } else { "s" }));
    }

    /// One input done; called from the scan's worker threads.
    pub fn step(&self) {
        self.bar.inc(1);
    }
}

impl Drop for Progress {
    /// Stops the reveal thread and clears the bar, so the report starts on a clean line.
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(reveal) = self.reveal.take() {
            let _ = reveal.join();
        }
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disabled_bar_counts_and_never_draws() {
        let progress = Progress::start(3, false);
        for _ in 0..3 {
            progress.step();
        }
        assert_eq!(progress.bar.position(), 3);
        assert_eq!(progress.bar.length(), Some(3), "a scan of three inputs ends at 100%");
        assert!(progress.bar.is_hidden());
    }

    #[test]
    fn a_quick_scan_ends_before_the_bar_shows() {
        let progress = Progress::start(1, true);
        progress.step();
        assert!(progress.bar.is_hidden());
        drop(progress);
    }
}
