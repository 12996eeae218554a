//! Checking a stream of JSON Lines without holding it: blocks of lines are parsed and
//! checked on all cores, then dropped; what stays is what the rules keep (findings, the
//! batch-level rules' state) and one 24-byte entry per record for spotting repeated ids.

use super::{Engine, Session};
use crate::hash::fixed_hash;
use crate::outcome::Verdict;
use crate::record::read::{KindTally, RejectedList};
use crate::record::read::{lines, parse_line};
use crate::record::{At, ReadOptions, Record, RecordError, RecordErrorKind, Rejected, read_batch};
use rayon::prelude::*;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{self, Read};

/// Bytes read before a block is parsed: enough lines to keep both cores busy, small enough
/// that the block's records are a rounding error beside the findings.
const BLOCK: usize = 1 << 20;

/// A stream could not be read (the input failed, or a JSON array was not valid JSON).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// Reading failed.
    #[error("cannot read the records: {0}")]
    Io(#[from] io::Error),
    /// A JSON array input was not valid JSON as a whole.
    #[error("{0}")]
    Input(#[from] crate::record::InputError),
}

/// Record ids seen so far, by a 128-bit hash of the id (two aHash passes with different
/// seeds: a false match is less likely than a disk error), with 32 bits of a hash of
/// the line and where it was.
///
/// The table is cut into [`SHARDS`] maps by the id hash's top bits: each grows on its own,
/// so growing never holds an old and a new copy of the whole table at once.
struct Seen(Vec<HashMap<[u64; 2], [u32; 2], BuildHasherDefault<Spread>>>);

/// How many maps [`Seen`] is cut into.
const SHARDS: usize = 64;

impl Default for Seen {
    fn default() -> Self {
        Seen((0..SHARDS).map(|_| HashMap::default()).collect())
    }
}

/// The keys of [`Seen`] are already hash outputs: hashing them again would only cost
/// time, so the map takes their low bits as they are.
#[derive(Default)]
struct Spread(u64);

impl Hasher for Spread {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        // A key is two hash outputs: their exclusive or is as spread as either.
        self.0 ^= n;
    }
    fn write_usize(&mut self, _: usize) {
        // The length prefix of the key array (always 2) carries nothing.
    }
}

/// A line read: the record with its [`keys`], or why it was rejected.
type Parsed = Result<(Record, ([u64; 2], u32)), crate::RecordError>;

/// The 128-bit hash of a record's id and the hash of its line, for [`Seen`].
///
/// An entry of [`Seen`] is 24 bytes (a 128-bit id hash, 32 bits of line hash, the line):
/// the one thing a stream keeps per record, so that a repeated id is never missed.
fn keys(record: &Record) -> ([u64; 2], u32) {
    let id = record.id.as_bytes();
    let key = [fixed_hash(1, id), fixed_hash(2, id)];
    // The record as read, not its text: the same record written with other spacing or key
    // order is an identical copy, as `read_batch` judges it.
    // Truncation intended: 32 bits tell an identical copy from a different record.
    (key, fixed_hash(3, record) as u32)
}

impl Seen {
    /// `None` when the id is new; else why the record is set aside. In a stream the first
    /// record with an id has already been checked when a second one comes: an identical copy
    /// is set aside as a copy, a different record as a clash.
    fn check(
        &mut self,
        record: &Record,
        (key, content): ([u64; 2], u32),
        line: usize,
    ) -> Option<crate::RecordError> {
        // The top six bits of the hash choose the shard.
        let shard = (key[0] >> 58) as usize;
        let map = self.0.get_mut(shard)?;
        match map.get(&key) {
            None => {
                map.insert(key, [content, u32::try_from(line).unwrap_or(u32::MAX)]);
                None
            }
            Some([c, first]) => Some(crate::RecordError::id_taken(
                &record.id,
                usize::try_from(*first).unwrap_or(usize::MAX),
                *c == content,
            )),
        }
    }
}

/// What a stream leaves besides the session: the rejected records (the first few listed)
/// and the tally of unknown kinds.
pub(crate) struct StreamRead {
    pub(crate) rejected: RejectedList,
    pub(crate) kinds: KindTally,
}

/// How far a line too long to hold is skipped before reading stops with an error: an
/// endless line (`/dev/zero`) ends the run instead of spinning forever.
const SKIP_MAX: usize = 1 << 30;

/// Reads and drops the rest of a line too long to hold, in small chunks; what follows its
/// end is left in `buffer`. `true` at the end of the input; an error past [`SKIP_MAX`].
fn skip_line(
    input: &mut impl Read,
    buffer: &mut Vec<u8>,
    line: usize,
) -> Result<bool, StreamError> {
    let mut chunk = vec![0u8; 1 << 16];
    let mut skipped = 0usize;
    loop {
        if skipped > SKIP_MAX {
            return Err(StreamError::Input(crate::record::InputError {
                line,
                column: 1,
                message: format!(
                    "the line has not ended after {SKIP_MAX} bytes; the input is not JSON Lines"
                ),
            }));
        }
        let n = match input.read(&mut chunk) {
            Ok(0) => return Ok(true),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        skipped += n;
        let read = chunk.get(..n).unwrap_or(&[]);
        if let Some(end) = read.iter().position(|b| *b == b'\n') {
            buffer.extend_from_slice(read.get(end + 1..).unwrap_or(&[]));
            return Ok(false);
        }
    }
}

/// Parses the lines of `block` (the first numbered `first_line`) on all cores, and sets
/// aside, in line order, the lines that are not records and the records whose id was seen
/// before: the records to judge, in line order.
fn parse_block(
    block: &[u8],
    first_line: usize,
    max_line: usize,
    seen: &mut Seen,
    rejected: &mut RejectedList,
    kinds: &mut KindTally,
) -> Vec<Record> {
    let lines = lines(block, first_line);
    // Parsing and hashing run on all cores; only the look-up of ids is sequential.
    let parsed: Vec<(usize, Parsed)> = lines
        .par_iter()
        .map(|(line, raw)| {
            let parsed = if raw.len() > max_line {
                Err(RecordError::new(
                    At::Record,
                    RecordErrorKind::TooLong { limit: max_line },
                ))
            } else {
                parse_line(raw).map(|r| {
                    let k = keys(&r);
                    (r, k)
                })
            };
            (*line, parsed)
        })
        .collect();
    let mut keep = Vec::with_capacity(parsed.len());
    for (line, parsed) in parsed {
        match parsed {
            Ok((record, key)) => match seen.check(&record, key, line) {
                None => {
                    kinds.add(&record);
                    keep.push(record);
                }
                Some(error) => rejected.push(Rejected::new(line, error)),
            },
            Err(error) => rejected.push(Rejected::new(line, error)),
        }
    }
    keep
}

/// Where a stream hands out each block's findings and rule errors; an error stops the
/// stream.
pub(crate) type Each<'a> = dyn FnMut(Verdict) -> io::Result<()> + 'a;

/// Hands the findings and rule errors of a judged block to `each`, if given.
fn hand_out<'e>(
    mut judged: Session<'e>,
    each: &mut Option<&mut Each<'_>>,
) -> io::Result<Session<'e>> {
    if let Some(each) = each {
        each(judged.drain())?;
    }
    Ok(judged)
}

impl Engine {
    /// Checks the records of `input` as they are read, on all cores: the session that has
    /// seen them, and the records rejected. `Engine::run_stream` makes the report.
    ///
    /// Memory stays bounded whatever the input: a line longer than
    /// `options.max_line_bytes` is rejected and skipped unheld, rejected records past
    /// `options.max_rejected_listed` are counted, not kept, and a JSON array (read whole)
    /// may not pass `options.max_array_bytes`.
    ///
    /// With `each`, the findings and rule errors of each block of JSON Lines are handed to
    /// it as soon as the block is judged (in report order within the block) and not kept;
    /// what the batch-level rules find stays for the session's `finish`.
    pub(crate) fn stream_session(
        &self,
        mut input: impl Read,
        options: &ReadOptions,
        mut each: Option<&mut Each<'_>>,
    ) -> Result<(Session<'_>, StreamRead), StreamError> {
        let max_line = options.max_line_bytes.max(1);
        let mut buffer: Vec<u8> = Vec::with_capacity(BLOCK);
        // The memory of the block before last, reused for the unfinished line.
        let mut spare: Vec<u8> = Vec::with_capacity(BLOCK);
        let mut session = self.session();
        let mut rejected = RejectedList::new(options.max_rejected_listed);
        let mut kinds = KindTally::default();
        let mut seen = Seen::default();
        let mut next_line = 1;
        let mut first_block = true;
        // The records of the last block parsed, not judged yet.
        let mut pending: Vec<Record> = Vec::new();
        let mut done = false;
        // Bytes to hold before cutting a block; doubled while one line is longer than that,
        // up to one byte past the longest line allowed.
        let mut want = BLOCK;
        while !done {
            if buffer.len() < want {
                let more = u64::try_from(want - buffer.len()).unwrap_or(u64::MAX);
                done =
                    (&mut input).take(more).read_to_end(&mut buffer)? == 0 || buffer.len() < want;
            }
            if first_block {
                first_block = false;
                if buffer.starts_with(b"\xEF\xBB\xBF") {
                    buffer.drain(..3);
                }
                if buffer.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
                    let limit = options.max_array_bytes;
                    let more = u64::try_from(limit.saturating_sub(buffer.len()))
                        .unwrap_or(u64::MAX)
                        .saturating_add(1);
                    (&mut input).take(more).read_to_end(&mut buffer)?;
                    if buffer.len() > limit {
                        return Err(StreamError::Input(crate::record::InputError {
                            line: 1,
                            column: 1,
                            message: format!(
                                "a JSON array longer than the limit of {limit} bytes; give the records as JSON Lines, one per line"
                            ),
                        }));
                    }
                    let batch = read_batch(&buffer)?;
                    for rejected_record in batch.rejected {
                        rejected.push(rejected_record);
                    }
                    let kinds = KindTally::of(&batch.records);
                    return Ok((
                        self.check_shards(&batch.records),
                        StreamRead { rejected, kinds },
                    ));
                }
            }
            // Cut after the last full line; the rest waits for the next block.
            let cut = if done {
                buffer.len()
            } else {
                buffer
                    .iter()
                    .rposition(|b| *b == b'\n')
                    .map_or(0, |i| i + 1)
            };
            if cut == 0 && !done {
                if buffer.len() > max_line {
                    // The line starting the buffer is longer than allowed: reject it, and
                    // read on from its end without holding it.
                    let error =
                        RecordError::new(At::Record, RecordErrorKind::TooLong { limit: max_line });
                    rejected.push(Rejected::new(next_line, error));
                    buffer.clear();
                    done = skip_line(&mut input, &mut buffer, next_line)?;
                    next_line += 1;
                    want = BLOCK;
                    continue;
                }
                want = want
                    .saturating_mul(2)
                    .min(max_line.saturating_add(1))
                    .max(buffer.len() + 1);
                continue;
            }
            want = BLOCK;
            spare.clear();
            spare.extend_from_slice(buffer.get(cut..).unwrap_or(&[]));
            buffer.truncate(cut);
            let block = std::mem::replace(&mut buffer, std::mem::take(&mut spare));
            let first_line = next_line;
            next_line += block.iter().filter(|b| **b == b'\n').count();
            // The records of the block before are judged while this block is parsed: both
            // cores stay busy across the sequential steps of each (ids, merging, freeing).
            // Both run in pactum's worker pool, whose threads live as long as the process:
            // a thread started per block would leave its allocator pages behind, still
            // holding what it made, and memory would grow with the blocks.
            let before = std::mem::take(&mut pending);
            let (judged, keep) = super::pool::workers(|| {
                rayon::join(
                    || self.judge_block(before),
                    || {
                        parse_block(
                            &block,
                            first_line,
                            max_line,
                            &mut seen,
                            &mut rejected,
                            &mut kinds,
                        )
                    },
                )
            });
            session.merge(hand_out(judged, &mut each)?);
            pending = keep;
            spare = block;
        }
        session.merge(hand_out(self.judge_block(pending), &mut each)?);
        rejected.listed.sort_by_key(|r| r.line);
        Ok((session, StreamRead { rejected, kinds }))
    }

    /// Checks a block's records on all cores, then frees them (a fair share of the work, so
    /// on all cores too).
    fn judge_block(&self, records: Vec<Record>) -> Session<'_> {
        if records.is_empty() {
            return self.session();
        }
        let session = self.check_shards(&records);
        super::pool::workers(|| records.into_par_iter().for_each(drop));
        session
    }

    /// Checks records on all cores, one session per shard, merged into one.
    pub(crate) fn check_shards(&self, records: &[Record]) -> Session<'_> {
        use rayon::prelude::*;
        super::pool::workers(|| {
            let shard = (records.len() / (rayon::current_num_threads() * 4)).max(256);
            records
                .par_chunks(shard)
                .map(|chunk| self.session_over(chunk))
                .reduce(
                    || self.session(),
                    |mut a, b| {
                        a.merge(b);
                        a
                    },
                )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn keys_of_different_ids_hash_apart() {
        let build = BuildHasherDefault::<Spread>::default();
        let record = |id: &str| {
            crate::record::read::parse_line(
                format!(r#"{{"id":"{id}","kind":"sale","date":"2026-01-01","partner":"P"}}"#)
                    .as_bytes(),
            )
            .unwrap()
        };
        let hashes: std::collections::HashSet<u64> = (0..1000)
            .map(|i| build.hash_one(keys(&record(&format!("S-{i}"))).0))
            .collect();
        assert_eq!(hashes.len(), 1000);
    }
}
