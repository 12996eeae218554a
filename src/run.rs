//! Running a batch end to end: the engine's [`Outcome`](crate::Outcome), rendered as a
//! [`Report`]. This sits above both `engine` and `report`, which do not import each other.

use crate::date::Date;
use crate::engine::{Engine, Session, StreamError};
use crate::record::read::{KindTally, RejectedList};
use crate::record::{Batch, ReadOptions};
use crate::report::Report;
use std::io::Read;

impl Engine {
    /// Checks a whole batch: every record, then the batch-level rules as of `as_of`
    /// (default: the latest record date).
    ///
    /// Sessions judge the batch-level rules at `finish`, over everything pushed, so the
    /// records need no sorting: any order gives the same report.
    pub fn run(&self, batch: &Batch, as_of: Option<Date>) -> Report {
        self.report(
            self.session_over(&batch.records),
            as_of,
            Self::read_of(batch),
        )
        .with_kinds(KindTally::of(&batch.records))
    }

    /// As [`Engine::run`], on all cores: the batch is cut into shards, each checked by its
    /// own session, and the sessions merged before `finish`. The report equals `run`'s.
    pub fn run_parallel(&self, batch: &Batch, as_of: Option<Date>) -> Report {
        let session = self.check_shards(&batch.records);
        self.report(session, as_of, Self::read_of(batch))
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
        let (session, read) = self.stream_session(input, options)?;
        Ok(self
            .report(session, as_of, read.rejected)
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

    /// Finishes `session` and makes the report.
    fn report(&self, session: Session<'_>, as_of: Option<Date>, rejected: RejectedList) -> Report {
        Report::new(
            self.pack(),
            self.data(),
            session.finish(as_of),
            rejected.listed,
        )
        .with_unlisted(rejected.unlisted)
    }
}
