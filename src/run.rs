//! Running a batch end to end: the engine's [`Outcome`](crate::Outcome), rendered as a
//! [`Report`]. This sits above both `engine` and `report`, which do not import each other.

use crate::date::Date;
use crate::engine::{Engine, Session, StreamError};
use crate::outcome::Verdict;
use crate::record::read::{KindTally, RejectedList};
use crate::record::{Batch, ReadOptions};
use crate::report::{Report, Tally};
use std::io::{self, Read};

impl Engine {
    /// Checks a whole batch: every record, then the batch-level rules as of `as_of`
    /// (default: the latest record date).
    ///
    /// Sessions judge the batch-level rules at `finish`, over everything pushed, so the
    /// records need no sorting: any order gives the same report.
    pub fn run(&self, batch: &Batch, as_of: Option<Date>) -> Report {
        self.report(
            self.session_over(&batch.records, as_of),
            as_of,
            Self::read_of(batch),
            Tally::default(),
        )
        .with_kinds(KindTally::of(&batch.records))
    }

    /// As [`Engine::run`], on all cores: the batch is cut into shards, each checked by its
    /// own session, and the sessions merged before `finish`. The report equals `run`'s.
    pub fn run_parallel(&self, batch: &Batch, as_of: Option<Date>) -> Report {
        let session = self.check_shards(&batch.records, as_of);
        self.report(session, as_of, Self::read_of(batch), Tally::default())
            .with_kinds(KindTally::of(&batch.records))
    }

    /// Checks the records of `input` as they are read, on all cores, and reports as
    /// [`Engine::run`] would. JSON Lines are streamed; a JSON array (first non-blank byte
    /// `[`) is read whole. The bounds of [`ReadOptions::default`] apply.
    ///
    /// One difference from [`Engine::run`] over [`read_batch`](crate::read_batch): when two
    /// different records share an id, the stream has already checked the first when the
    /// second comes, so only the second is rejected (a batch rejects both).
    pub fn run_stream(&self, input: impl Read, as_of: Option<Date>) -> Result<Report, StreamError> {
        self.run_stream_with(input, as_of, &ReadOptions::default())
    }

    /// As [`Engine::run_stream`], within the bounds of `options`: a line longer than
    /// `max_line_bytes` is rejected and skipped without being held, and past
    /// `max_rejected_listed` rejected records the report counts them without listing them.
    pub fn run_stream_with(
        &self,
        input: impl Read,
        as_of: Option<Date>,
        options: &ReadOptions,
    ) -> Result<Report, StreamError> {
        let (session, read) = self.stream_session(input, options, as_of, None)?;
        Ok(self
            .report(session, as_of, read.rejected, Tally::default())
            .with_kinds(read.kinds))
    }

    /// As [`Engine::run_stream_with`], handing the findings and rule errors of each block
    /// of JSON Lines to `each` as soon as the block is judged, instead of keeping them: the
    /// memory a run holds no longer grows with its findings. Within a block they come in
    /// report order; blocks come in input order. The report returned holds what was not
    /// handed out (the batch-level rules' findings, and everything when the input is a
    /// JSON array, which is read whole); its summary, worst severity and scorecard count
    /// everything. An error from `each` stops the run.
    ///
    /// ```
    /// use pactum::{Engine, Pack, RefData, ReadOptions};
    ///
    /// let engine = Engine::new(Pack::load("rules")?, RefData::load("examples/data")?)?;
    /// let input = std::fs::File::open("examples/records.jsonl")?;
    /// let mut handed_out = 0;
    /// let report = engine.run_stream_each(input, None, &ReadOptions::default(), |block| {
    ///     handed_out += block.findings.len();
    ///     Ok(())
    /// })?;
    /// assert_eq!(handed_out + report.findings().len(), report.summary().violations);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run_stream_each(
        &self,
        input: impl Read,
        as_of: Option<Date>,
        options: &ReadOptions,
        mut each: impl FnMut(&Verdict) -> io::Result<()>,
    ) -> Result<Report, StreamError> {
        let mut tally = Tally::default();
        let mut hand_out = |block: Verdict| {
            tally.add(&block);
            each(&block)
        };
        let (session, read) = self.stream_session(input, options, as_of, Some(&mut hand_out))?;
        Ok(self
            .report(session, as_of, read.rejected, tally)
            .with_kinds(read.kinds))
    }

    /// What a batch's reading leaves for the report: its rejected records, all listed.
    fn read_of(batch: &Batch) -> RejectedList {
        let mut rejected = RejectedList::new(usize::MAX);
        for r in &batch.rejected {
            rejected.push(r.clone());
        }
        rejected
    }

    /// Finishes `session` and makes the report, counting `streamed` (findings and rule
    /// errors already handed out) besides the session's own.
    fn report(
        &self,
        session: Session<'_>,
        as_of: Option<Date>,
        rejected: RejectedList,
        streamed: Tally,
    ) -> Report {
        Report::counting(
            self.pack(),
            self.data(),
            session.finish(as_of),
            rejected.listed,
            streamed,
        )
        .with_unlisted(rejected.unlisted)
    }
}
