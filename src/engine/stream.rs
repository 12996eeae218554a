//! Checking a stream of JSON Lines without holding it: blocks of lines are parsed and
//! checked on all cores, then dropped; what stays is what the rules keep (findings, the
//! batch-level rules' state) and one 24-byte entry per record for spotting repeated ids.

use super::{Engine, Session};
use crate::date::Date;
use crate::hash::fixed_hash;
use crate::outcome::Verdict;
use crate::record::read::{KindTally, RejectedList};
use crate::record::read::{lines, parse_line};
use crate::record::{
    At, ReadOptions, ReadProgress, Record, RecordError, RecordErrorKind, Rejected, read_batch,
};
use rayon::prelude::*;
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

/// Record ids seen so far: for each, a 96-bit fingerprint (a 128-bit aHash of the id, cut),
/// the line it was on and 32 bits of a hash of the record, 20 bytes a record.
///
/// A repeated id is never missed (it has the same fingerprint). Two different ids are
/// taken for one (the second record set aside as a repeat of the first) only when their
/// fingerprints match: over a stream of `n` records, with probability below `n² / 2^97`,
/// 3e-17 at 2,000,000 records, far less likely than a disk error. A repeated id whose
/// record differs is taken for an identical copy when 32 bits of their hashes match:
/// probability 2^-32 per repeat.
///
/// The entries are kept in buckets chosen by the fingerprint's top bits, each a list
/// scanned in full and grown by an eighth at a time. A bucket keeps 32 bits of each
/// fingerprint (its tag) in a list of their own: a look-up reads the tags (16 on average,
/// one cache line) and an entry only when its tag matches, where reading the entries whole
/// (five cache lines a look-up, nearly all of them misses) was a tenth of reading a
/// stream. When the average passes [`PER_BUCKET`], every bucket is split in two by the
/// next bit, one at a time. So the table never holds an old and a new copy of itself, and
/// it stays close to its 20 bytes a record as it grows: the growth a hash table leaves free
/// (a quarter to a half) and its freed old copies are what made the one before it
/// (hashbrown maps) 52 bytes a record.
struct Seen {
    /// The buckets: `1 << bits` of them.
    buckets: Vec<Bucket>,
    bits: u32,
    len: usize,
}

/// The ids of one bucket of [`Seen`]: the tag of each (the fingerprint's second word) and
/// the rest of it, in the same order.
#[derive(Debug, Clone, Default)]
struct Bucket {
    tags: Vec<u32>,
    entries: Vec<Entry>,
}

/// One id seen, but for its tag: see [`Seen`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    /// The fingerprint's first and third words.
    top: u32,
    low: u32,
    line: u32,
    content: u32,
}

/// The average number of entries in a bucket of [`Seen`] past which its buckets are split.
const PER_BUCKET: usize = 16;

/// How many bits of the fingerprint choose a bucket at first: 1,024 buckets.
const FIRST_BITS: u32 = 10;

/// The most bits that choose a bucket: past 2^28 buckets (8 billion records) they only
/// grow longer.
const MOST_BITS: u32 = 28;

impl Default for Seen {
    fn default() -> Self {
        Seen {
            buckets: vec![Bucket::default(); 1 << FIRST_BITS],
            bits: FIRST_BITS,
            len: 0,
        }
    }
}

/// The keys of a record for [`Seen`]: its id's fingerprint and its content hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    fingerprint: [u32; 3],
    content: u32,
}

/// The fingerprint of a record's id and the hash of the record, for [`Seen`]; `bytes` is
/// scratch space for [`content`].
fn keys(record: &Record, bytes: &mut Vec<u8>) -> Key {
    let id = record.id.as_bytes();
    let (a, b) = (fixed_hash(1, id), fixed_hash(2, id));
    // Truncation intended, here and below: the bits kept are what the table stores.
    let fingerprint = [(a >> 32) as u32, a as u32, b as u32];
    // The record as read, not its text: the same record written with other spacing or key
    // order is an identical copy, as `read_batch` judges it.
    content(record, bytes);
    let content = fixed_hash(3, bytes.as_slice()) as u32;
    Key {
        fingerprint,
        content,
    }
}

/// The record's content as bytes to hash, the same exactly when the records are equal
/// (`==`): each text ended by a byte no UTF-8 text has, an absent field told from an empty
/// one, a price by its normalized decimal (as `Decimal`'s own hash takes it, so `1.50` is
/// `1.5`), `attrs` by their hash. One hash over these bytes costs a fraction of hashing the
/// record field by field, a call a field.
fn content(record: &Record, bytes: &mut Vec<u8>) {
    fn text(bytes: &mut Vec<u8>, text: &str) {
        bytes.extend_from_slice(text.as_bytes());
        bytes.push(0xff);
    }
    fn optional(bytes: &mut Vec<u8>, value: Option<&str>) {
        bytes.push(u8::from(value.is_some()));
        if let Some(value) = value {
            text(bytes, value);
        }
    }
    fn count(bytes: &mut Vec<u8>, n: usize) {
        bytes.extend_from_slice(&(n as u64).to_le_bytes());
    }
    bytes.clear();
    text(bytes, &record.id);
    bytes.push(u8::from(matches!(
        record.kind,
        crate::record::Kind::Other(_)
    )));
    text(bytes, record.kind.as_str());
    bytes.extend_from_slice(&record.date.year().to_le_bytes());
    bytes.extend_from_slice(&record.date.month().to_le_bytes());
    bytes.extend_from_slice(&record.date.day().to_le_bytes());
    text(bytes, &record.partner);
    for field in [
        &record.customer,
        &record.region,
        &record.opportunity,
        &record.stage,
        &record.asset,
        &record.agreement,
    ] {
        optional(bytes, field.as_deref());
    }
    count(bytes, record.lines.len());
    for line in &record.lines {
        text(bytes, &line.sku);
        bytes.extend_from_slice(&line.qty.get().to_le_bytes());
        bytes.extend_from_slice(&line.unit_price.get().normalize().serialize());
        text(bytes, line.currency.as_str());
        optional(bytes, line.source.as_deref());
    }
    count(bytes, record.documents.len());
    for document in &record.documents {
        text(bytes, &document.kind);
        optional(bytes, document.reference.as_deref());
        bytes.push(u8::from(document.signed));
    }
    count(bytes, record.attrs.len());
    if !record.attrs.is_empty() {
        bytes.extend_from_slice(&fixed_hash(4, &record.attrs).to_le_bytes());
    }
}

impl Seen {
    /// `None` when the id is new; else why the record is set aside. In a stream the first
    /// record with an id has already been checked when a second one comes: an identical copy
    /// is set aside as a copy, a different record as a clash.
    fn check(&mut self, id: &str, key: Key, line: usize) -> Option<crate::RecordError> {
        let [top, tag, low] = key.fingerprint;
        let bucket = self.buckets.get_mut(bucket_of(top, self.bits))?;
        // The entry is read only when the tag matches.
        let first = bucket
            .tags
            .iter()
            .zip(&bucket.entries)
            .find(|(t, e)| **t == tag && e.top == top && e.low == low);
        if let Some((_, first)) = first {
            return Some(crate::RecordError::id_taken(
                id,
                usize::try_from(first.line).unwrap_or(usize::MAX),
                first.content == key.content,
            ));
        }
        if bucket.entries.len() == bucket.entries.capacity() {
            let more = (bucket.entries.len() / 8).max(4);
            bucket.entries.reserve_exact(more);
            bucket.tags.reserve_exact(more);
        }
        bucket.tags.push(tag);
        bucket.entries.push(Entry {
            top,
            low,
            line: u32::try_from(line).unwrap_or(u32::MAX),
            content: key.content,
        });
        self.len += 1;
        if self.len > PER_BUCKET << self.bits && self.bits < MOST_BITS {
            self.split();
        }
        None
    }

    /// Reads the first tag of the bucket of each key, to be looked up next: a look-up's two
    /// reads (the bucket, then its tags) are cache misses nearly every time, one after the
    /// other; here the misses of a run's keys are all under way at once, so the look-ups
    /// that follow find them in the cache. Only a hint: what it reads is thrown away.
    fn warm<'k>(&self, keys: impl Iterator<Item = &'k Key> + Clone) {
        let bucket = |key: &Key| self.buckets.get(bucket_of(key.fingerprint[0], self.bits));
        let mut touched = 0usize;
        for key in keys.clone() {
            touched += bucket(key).map_or(0, |b| b.tags.len());
        }
        for key in keys {
            touched += bucket(key)
                .and_then(|b| b.tags.first())
                .map_or(0, |t| *t as usize);
        }
        std::hint::black_box(touched);
    }

    /// Doubles the buckets, splitting each by the next bit of the fingerprint.
    fn split(&mut self) {
        self.bits += 1;
        let bits = self.bits;
        let old = std::mem::take(&mut self.buckets);
        let mut buckets = Vec::with_capacity(old.len() * 2);
        for bucket in old {
            let high = bucket
                .entries
                .iter()
                .filter(|e| bucket_of(e.top, bits) & 1 == 1)
                .count();
            let half = |n| Bucket {
                tags: Vec::with_capacity(n),
                entries: Vec::with_capacity(n),
            };
            let mut halves = [half(bucket.entries.len() - high), half(high)];
            for (tag, e) in bucket.tags.into_iter().zip(bucket.entries) {
                if let Some(half) = halves.get_mut(bucket_of(e.top, bits) & 1) {
                    half.tags.push(tag);
                    half.entries.push(e);
                }
            }
            buckets.extend(halves);
        }
        self.buckets = buckets;
    }
}

/// The bucket of a fingerprint whose top 32 bits are `top`, with `bits` bits (1 to 32).
fn bucket_of(top: u32, bits: u32) -> usize {
    (top >> (32 - bits)) as usize
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

/// Lines parsed on one core at a time: a block is cut into runs of this many, so that two
/// cores share its work evenly and a run's records are judged together later.
const RUN: usize = 256;

/// A run of a block's lines, parsed: the records in line order, where they stay until they
/// are judged and dropped.
#[derive(Default)]
struct Run {
    records: Vec<Record>,
    /// For each record, its line and keys.
    keys: Vec<(usize, Key)>,
    /// The lines that are not records, with why, in line order.
    errors: Vec<(usize, RecordError)>,
}

fn parse_run(lines: &[(usize, &[u8])], max_line: usize) -> Run {
    let mut run = Run {
        records: Vec::with_capacity(lines.len()),
        keys: Vec::with_capacity(lines.len()),
        errors: Vec::new(),
    };
    let mut bytes = Vec::with_capacity(512);
    for &(line, raw) in lines {
        if raw.len() > max_line {
            let error = RecordError::new(At::Record, RecordErrorKind::TooLong { limit: max_line });
            run.errors.push((line, error));
            continue;
        }
        match parse_line(raw) {
            Ok(record) => {
                run.keys.push((line, keys(&record, &mut bytes)));
                run.records.push(record);
            }
            Err(error) => run.errors.push((line, error)),
        }
    }
    run
}

/// Parses the lines of `block` (the first numbered `first_line`) on all cores, and sets
/// aside, in line order, the lines that are not records and the records whose id was seen
/// before: the records to judge, in runs, in line order.
fn parse_block(
    block: &[u8],
    first_line: usize,
    max_line: usize,
    seen: &mut Seen,
    rejected: &mut RejectedList,
    kinds: &mut KindTally,
    progress: Option<&ReadProgress>,
) -> Vec<Vec<Record>> {
    let lines = lines(block, first_line);
    // Every line is a record read, kept or rejected: counted once a block.
    if let Some(progress) = progress {
        progress.add(lines.len());
    }
    // Parsing and hashing run on all cores; only the look-up of ids is sequential.
    let runs: Vec<Run> = lines
        .par_chunks(RUN)
        .map(|lines| parse_run(lines, max_line))
        .collect();
    let mut out = Vec::with_capacity(runs.len());
    for run in runs {
        let Run {
            mut records,
            keys,
            errors,
        } = run;
        let mut errors = errors.into_iter().peekable();
        seen.warm(keys.iter().map(|(_, key)| key));
        // Records set aside as repeats, by index: rare, so kept only when there are some.
        let mut repeats: Vec<usize> = Vec::new();
        for (i, (line, key)) in keys.into_iter().enumerate() {
            while let Some((before, error)) = errors.next_if(|(l, _)| *l < line) {
                rejected.push(Rejected::new(before, error));
            }
            let Some(record) = records.get(i) else {
                continue;
            };
            match seen.check(&record.id, key, line) {
                None => kinds.add(record),
                Some(error) => {
                    rejected.push(Rejected::new(line, error));
                    repeats.push(i);
                }
            }
        }
        for (line, error) in errors {
            rejected.push(Rejected::new(line, error));
        }
        if !repeats.is_empty() {
            let mut i = 0;
            let mut repeats = repeats.into_iter().peekable();
            records.retain(|_| {
                let repeat = repeats.next_if_eq(&i).is_some();
                i += 1;
                !repeat
            });
        }
        if !records.is_empty() {
            out.push(records);
        }
    }
    out
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
        as_of: Option<Date>,
        mut each: Option<&mut Each<'_>>,
    ) -> Result<(Session<'_>, StreamRead), StreamError> {
        let max_line = options.max_line_bytes.max(1);
        let mut buffer: Vec<u8> = Vec::with_capacity(BLOCK);
        // The memory of the block before last, reused for the unfinished line.
        let mut spare: Vec<u8> = Vec::with_capacity(BLOCK);
        let mut session = self.session_as_of(as_of);
        let mut rejected = RejectedList::new(options.max_rejected_listed);
        let mut kinds = KindTally::default();
        let mut seen = Seen::default();
        let mut next_line = 1;
        let mut first_block = true;
        // The records of the last block parsed, not judged yet.
        let mut pending: Vec<Vec<Record>> = Vec::new();
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
                    if let Some(progress) = &options.progress {
                        progress.add(batch.read());
                    }
                    for rejected_record in batch.rejected {
                        rejected.push(rejected_record);
                    }
                    let kinds = KindTally::of(&batch.records);
                    return Ok((
                        self.check_shards(&batch.records, as_of),
                        StreamRead { rejected, kinds },
                    ));
                }
            }
            // Cut after the last full line; the rest waits for the next block.
            let cut = if done {
                buffer.len()
            } else {
                memchr::memrchr(b'\n', &buffer).map_or(0, |i| i + 1)
            };
            if cut == 0 && !done {
                if buffer.len() > max_line {
                    // The line starting the buffer is longer than allowed: reject it, and
                    // read on from its end without holding it.
                    let error =
                        RecordError::new(At::Record, RecordErrorKind::TooLong { limit: max_line });
                    rejected.push(Rejected::new(next_line, error));
                    if let Some(progress) = &options.progress {
                        progress.add(1);
                    }
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
            next_line += memchr::memchr_iter(b'\n', &block).count();
            // The records of the block before are judged while this block is parsed: both
            // cores stay busy across the sequential steps of each (ids, merging, freeing).
            // Both run in pactum's worker pool, whose threads live as long as the process:
            // a thread started per block would leave its allocator pages behind, still
            // holding what it made, and memory would grow with the blocks.
            let before = std::mem::take(&mut pending);
            let (judged, keep) = super::pool::workers(|| {
                rayon::join(
                    || self.judge_block(before, as_of),
                    || {
                        parse_block(
                            &block,
                            first_line,
                            max_line,
                            &mut seen,
                            &mut rejected,
                            &mut kinds,
                            options.progress.as_ref(),
                        )
                    },
                )
            });
            session.merge(hand_out(judged, &mut each)?);
            pending = keep;
            spare = block;
        }
        session.merge(hand_out(self.judge_block(pending, as_of), &mut each)?);
        rejected.listed.sort_by_key(|r| r.line);
        Ok((session, StreamRead { rejected, kinds }))
    }

    /// Checks a block's records on all cores, a run at a time, freeing each run once it is
    /// judged (a fair share of the work, so on all cores too).
    fn judge_block(&self, runs: Vec<Vec<Record>>, as_of: Option<Date>) -> Session<'_> {
        if runs.is_empty() {
            return self.session_as_of(as_of);
        }
        super::pool::workers(|| {
            runs.into_par_iter()
                .map(|run| self.session_over(&run, as_of))
                .reduce(
                    || self.session(),
                    |mut a, b| {
                        a.merge(b);
                        a
                    },
                )
        })
    }

    /// Checks records on all cores, one session per shard, merged into one.
    pub(crate) fn check_shards(&self, records: &[Record], as_of: Option<Date>) -> Session<'_> {
        use rayon::prelude::*;
        super::pool::workers(|| {
            let shard = (records.len() / (rayon::current_num_threads() * 4)).max(256);
            records
                .par_chunks(shard)
                .map(|chunk| self.session_over(chunk, as_of))
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

    fn record(id: &str, partner: &str) -> Record {
        crate::record::read::parse_line(
            format!(r#"{{"id":"{id}","kind":"sale","date":"2026-01-01","partner":"{partner}"}}"#)
                .as_bytes(),
        )
        .unwrap()
    }

    /// Equal records have equal contents, whatever their spelling; records that differ in
    /// any one field have different ones.
    #[test]
    fn contents_are_equal_exactly_when_records_are() {
        let read = |text: &str| crate::record::read::parse_line(text.as_bytes()).unwrap();
        let base = r#"{"id":"S-1","kind":"sale","date":"2026-01-01","partner":"P","customer":"C","lines":[{"sku":"A","qty":2,"unit_price":"1.50","currency":"USD","source":"oem"}],"documents":[{"kind":"po","ref":"R","signed":true}]}"#;
        let same = [
            r#"{ "kind":"sale", "id":"S-1","partner":"P","date":"2026-01-01","customer":"C","region":" ","lines":[{"sku":"A","qty":2,"unit_price":1.5,"currency":"USD","source":"oem"}],"documents":[{"ref":"R","kind":"po","signed":true}],"attrs":{}}"#,
        ];
        let different = [
            base.replace("S-1", "S-2"),
            base.replace(r#""kind":"sale""#, r#""kind":"purchase""#),
            base.replace("2026-01-01", "2026-01-02"),
            base.replace(r#""partner":"P""#, r#""partner":"Q""#),
            base.replace(r#""customer":"C""#, r#""region":"C""#),
            base.replace(r#""customer":"C","#, ""),
            base.replace(r#""qty":2"#, r#""qty":3"#),
            base.replace("1.50", "1.51"),
            base.replace(r#""currency":"USD""#, r#""currency":"EUR""#),
            base.replace(r#","source":"oem""#, ""),
            base.replace(r#""sku":"A""#, r#""sku":"AB""#),
            base.replace(r#""ref":"R","#, ""),
            base.replace(r#""signed":true"#, r#""signed":false"#),
            base.replace(
                r#""documents":[{"kind":"po","ref":"R","signed":true}]"#,
                r#""documents":[]"#,
            ),
            base.replace("}]}", r#"}],"attrs":{"x":1}}"#),
        ];
        let content_of = |text: &str| {
            let mut bytes = Vec::new();
            content(&read(text), &mut bytes);
            bytes
        };
        let expected = content_of(base);
        for text in same {
            assert_eq!(read(text), read(base));
            assert_eq!(content_of(text), expected, "{text}");
        }
        for text in &different {
            assert_ne!(read(text), read(base));
            assert_ne!(content_of(text), expected, "{text}");
        }
    }

    /// An id whose tag (or whose tag and bucket) is another's is a new id all the same.
    #[test]
    fn a_shared_tag_is_not_a_repeat() {
        let mut seen = Seen::default();
        let key = |fingerprint, content| Key {
            fingerprint,
            content,
        };
        assert_eq!(seen.check("a", key([7, 9, 1], 5), 1), None);
        assert_eq!(seen.check("b", key([7, 9, 2], 5), 2), None);
        assert_eq!(seen.check("c", key([8, 9, 1], 5), 3), None);
        let copy = seen.check("a", key([7, 9, 1], 5), 4).unwrap();
        assert_eq!(
            copy.to_string(),
            crate::RecordError::id_taken("a", 1, true).to_string()
        );
        let clash = seen.check("b", key([7, 9, 2], 6), 5).unwrap();
        assert_eq!(
            clash.to_string(),
            crate::RecordError::id_taken("b", 2, false).to_string()
        );
    }

    #[test]
    fn keys_of_different_ids_differ() {
        let fingerprints: std::collections::HashSet<[u32; 3]> = (0..1000)
            .map(|i| keys(&record(&format!("S-{i}"), "P"), &mut Vec::new()).fingerprint)
            .collect();
        assert_eq!(fingerprints.len(), 1000);
    }

    #[test]
    fn seen_names_the_first_line_and_tells_copies_from_clashes_as_it_grows() {
        let mut seen = Seen::default();
        let n = PER_BUCKET << (FIRST_BITS + 2);
        for i in 0..n {
            let r = record(&format!("S-{i}"), "P");
            assert_eq!(seen.check(&r.id, keys(&r, &mut Vec::new()), i + 1), None);
        }
        assert_eq!(seen.bits, FIRST_BITS + 2);
        assert_eq!(seen.buckets.len(), 1 << seen.bits);
        assert_eq!(
            seen.buckets.iter().map(|b| b.entries.len()).sum::<usize>(),
            n
        );
        assert!(seen.buckets.iter().all(|b| b.tags.len() == b.entries.len()));
        for i in (0..n).step_by(97) {
            let copy = record(&format!("S-{i}"), "P");
            let error = seen
                .check(&copy.id, keys(&copy, &mut Vec::new()), n + 1)
                .unwrap();
            let expected = crate::RecordError::id_taken(&copy.id, i + 1, true);
            assert_eq!(error.to_string(), expected.to_string());
            let clash = record(&format!("S-{i}"), "Q");
            let error = seen
                .check(&clash.id, keys(&clash, &mut Vec::new()), n + 2)
                .unwrap();
            let expected = crate::RecordError::id_taken(&clash.id, i + 1, false);
            assert_eq!(error.to_string(), expected.to_string());
        }
    }
}
