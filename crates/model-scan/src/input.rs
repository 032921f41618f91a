//! A counting byte reader over any `Read`: the scanners stream through files and archive
//! entries with it and never hold a whole file.

use std::io::{self, BufRead, BufReader, Read};

/// A buffered reader that knows its byte offset.
#[derive(Debug)]
pub struct Input<R> {
    inner: BufReader<R>,
    pos: u64,
}

impl<R: Read> Input<R> {
    /// Wrap `r`; offsets start at 0.
    pub fn new(r: R) -> Input<R> {
        Input { inner: BufReader::with_capacity(64 << 10, r), pos: 0 }
    }

    /// Bytes consumed so far.
    pub fn pos(&self) -> u64 {
        self.pos
    }

    /// The next byte, `None` at the end.
    pub fn byte(&mut self) -> io::Result<Option<u8>> {
        let buf = self.inner.fill_buf()?;
        let Some(&b) = buf.first() else { return Ok(None) };
        self.inner.consume(1);
        self.pos += 1;
        Ok(Some(b))
    }

    /// Look at the next byte without consuming it.
    pub fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(self.inner.fill_buf()?.first().copied())
    }

    /// Exactly `N` bytes (`UnexpectedEof` when the input ends first).
    pub fn array<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        let mut a = [0u8; N];
        self.inner.read_exact(&mut a)?;
        self.pos += N as u64;
        Ok(a)
    }

    /// Read `len` bytes, keeping at most `keep` of them (the rest is skipped). Returns the kept
    /// prefix; `UnexpectedEof` when the input ends before `len` bytes.
    pub fn read_prefix(&mut self, len: u64, keep: usize) -> io::Result<Vec<u8>> {
        let k = usize::try_from(len).unwrap_or(usize::MAX).min(keep);
        let mut v = vec![0u8; k];
        self.inner.read_exact(&mut v)?;
        self.pos += k as u64;
        self.skip(len - k as u64)?;
        Ok(v)
    }

    /// Skip `len` bytes without keeping them.
    pub fn skip(&mut self, mut len: u64) -> io::Result<()> {
        while len > 0 {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "input ends inside a length-prefixed value"));
            }
            let n = buf.len().min(usize::try_from(len).unwrap_or(usize::MAX));
            self.inner.consume(n);
            self.pos += n as u64;
            len -= n as u64;
        }
        Ok(())
    }

    /// A `\n`-terminated line without the newline, keeping at most `keep` bytes (the rest of a
    /// longer line is skipped). The bool says whether it was cut.
    pub fn line(&mut self, keep: usize) -> io::Result<(Vec<u8>, bool)> {
        let mut out = Vec::new();
        let mut cut = false;
        loop {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "input ends inside a text line"));
            }
            let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (&buf[..i], Some(i + 1)),
                None => (buf, None),
            };
            let room = keep.saturating_sub(out.len());
            if chunk.len() > room {
                cut = true;
            }
            out.extend_from_slice(&chunk[..chunk.len().min(room)]);
            let used = done.unwrap_or(buf.len());
            self.inner.consume(used);
            self.pos += used as u64;
            if done.is_some() {
                return Ok((out, cut));
            }
        }
    }
}

impl<R: Read> Read for Input<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}
