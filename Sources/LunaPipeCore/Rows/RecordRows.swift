import Foundation

/// The validated records of a pipeline as the user's typed rows, in file
/// order, read one at a time with `next()` while the scan runs on
/// background threads (`Pipeline.records(as:in:)`).
///
///     struct Sale: Decodable {
///       let state: String
///       let date: CalendarDate
///       let amount: Decimal
///       let customer: String?
///     }
///     let sales = try Pipeline("sales")
///       .readCSV(["sales/*.csv"])
///       .validate(schema)
///       .records(as: Sale.self, in: context)
///     var total = Decimal(0)
///     while let sale = try sales.next() {
///       total += sale.amount
///     }
///
/// Not a `Sequence`: a `for` loop cannot throw, and a scan that fails (too
/// many rejects, an unreadable file) must not end the loop as if every row
/// had been read; `next()` throws the scan's error after the rows before
/// it. `forEach(_:)` loops with a closure; ``AsyncRecordRows`` is the same
/// for `for try await`.
///
/// Memory stays bounded whatever the input size: the scan decodes at most
/// `threads + 2` chunks ahead of the row being read, and waits when the
/// reading code is slower. Once `next()` returned nil the scan has ended
/// and the run report counts it, rejects included. Stop early with
/// `stop()`, or by letting go of the rows: the scan stops and its threads
/// and memory are released; the report then does not count that scan.
/// Until then the scan uses the run context: start no other scan in it.
/// Read the rows from one thread at a time.
public final class RecordRows<Row: Decodable & Sendable> {
  let channel: RowChannel<Row>
  private var chunk: [Row] = []
  private var index = 0

  init(channel: RowChannel<Row>) { self.channel = channel }

  deinit { stop() }

  /// The next row in file order, waiting for the scan if needed; nil when
  /// every row was read (or after `stop()`). Throws the scan's error
  /// (`StageError` naming the stage `records`, with `PipelineError` under
  /// it) once the rows before it were read.
  public func next() throws -> Row? {
    if index < chunk.count {
      index += 1
      return chunk[index - 1]
    }
    if chunk.capacity > 0 { channel.giveBack(&chunk) }
    while let rows = try channel.take() {
      if !rows.isEmpty {
        chunk = rows
        index = 1
        return chunk[0]
      }
    }
    chunk = []
    index = 0
    return nil
  }

  /// Calls `body` with every row left, in file order; throws what the scan
  /// or `body` throws (an error of `body` stops the scan).
  public func forEach(_ body: (Row) throws -> Void) throws {
    do {
      while let row = try next() { try body(row) }
    } catch {
      stop()
      throw error
    }
  }

  /// Stops the scan, if it still runs, and waits until its threads are
  /// done; `next()` then returns nil.
  public func stop() {
    channel.cancel()
    channel.waitUntilEnded()
    chunk = []
    index = 0
  }
}

/// The validated records of a pipeline as the user's typed rows, in file
/// order, for `for try await` (`Pipeline.asyncRecords(as:in:)`):
///
///     for try await sale in try pipeline.asyncRecords(as: Sale.self, in: context) {
///       total += sale.amount
///     }
///
/// Bounded as ``RecordRows`` is: the scan runs on threads of its own, at
/// most `threads + 2` chunks ahead of the row being read. The loop throws
/// the scan's error after the rows before it; leaving the loop early (or
/// cancelling its task) stops the scan and releases its threads. Iterate
/// once.
public struct AsyncRecordRows<Row: Decodable & Sendable>: AsyncSequence {
  public typealias Element = Row
  public typealias Failure = any Error
  let handle: Handle

  /// Stops the scan when the last reference to it goes.
  final class Handle: Sendable {
    let channel: RowChannel<Row>
    init(_ channel: RowChannel<Row>) { self.channel = channel }
    deinit {
      channel.cancel()
      channel.waitUntilEnded()
    }
  }

  /// Gives the rows in file order.
  public struct AsyncIterator: AsyncIteratorProtocol {
    let handle: Handle
    private var chunk: [Row] = []
    private var index = 0

    init(handle: Handle) { self.handle = handle }

    /// The next row in file order; nil at the end. Throws the scan's error
    /// after the rows before it, and `CancellationError` when the task is
    /// cancelled (which stops the scan).
    public mutating func next() async throws -> Row? {
      if index < chunk.count {
        index += 1
        return chunk[index - 1]
      }
      if chunk.capacity > 0 { handle.channel.giveBack(&chunk) }
      while let rows = try await handle.channel.takeAsync() {
        if !rows.isEmpty {
          chunk = rows
          index = 1
          return chunk[0]
        }
      }
      chunk = []
      index = 0
      return nil
    }
  }

  /// The iterator; the scan has started already.
  public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: handle) }
}

extension Pipeline where Input == Void, Output == ValidatedRecords {
  /// Runs the pipeline's stages and starts its scan on background threads,
  /// giving the accepted records, after every record stage (`derive`,
  /// `filter`, `lookup`, `reject`), as `Row`s in file order: see
  /// ``RecordRows``. Each record is decoded by column names
  /// (`Record.decode(_:)`).
  ///
  /// - Throws: before any input is read, `StageError` (stage `records`)
  ///   with `PipelineError.configuration` when a property of `Row` names a
  ///   column the records lack, has a type its column's values cannot take
  ///   (`Int` for dates), or is not optional but reads a column the files
  ///   may leave empty; and what the stages before throw. The scan's own
  ///   errors come from `RecordRows.next()`.
  public func records<Row: Decodable & Sendable>(as type: Row.Type, in context: RunContext) throws
    -> RecordRows<Row>
  {
    RecordRows(channel: try startRows(type, in: context))
  }

  /// ``records(as:in:)`` for `for try await`: see ``AsyncRecordRows``.
  public func asyncRecords<Row: Decodable & Sendable>(as type: Row.Type, in context: RunContext) throws
    -> AsyncRecordRows<Row>
  {
    AsyncRecordRows(handle: .init(try startRows(type, in: context)))
  }

  /// Runs the pipeline's stages and scans, calling `body` with each
  /// chunk's accepted records as `Row`s, on the worker that decoded them:
  /// `body` runs on `context.options.threads` threads at once, chunks in
  /// no particular order, for code that merges what it computes (under its
  /// own lock). `chunk` numbers the chunks 0, 1, 2, ... in file order over
  /// all files, so results can be put back in order; `rows` are in file
  /// order within the chunk. Returns when the scan is done; the run report
  /// counts it.
  ///
  ///     let total = Mutex(Decimal(0))
  ///     try pipeline.forEachChunk(as: Sale.self, in: context) { _, sales in
  ///       let sum = sales.reduce(Decimal(0)) { $0 + $1.amount }
  ///       total.withLock { $0 += sum }
  ///     }
  ///
  /// - Parameters:
  ///   - type: the row type, decoded from each record by column names.
  ///   - context: the run's context: threads, chunk size, rejects, report.
  ///   - restart: called when the scan starts over because a file's
  ///     encoding was not what its start suggested: drop what `body`
  ///     gathered; chunks are then handed over again from 0. When nil,
  ///     such a scan fails instead (state `CSVDialect.encoding` to avoid it).
  ///   - body: called with each chunk's number and rows, on the workers.
  /// - Throws: as ``records(as:in:)`` before the scan; the scan's errors
  ///   and what `body` throws (which stops the scan) as `StageError`
  ///   naming the stage `records`.
  public func forEachChunk<Row: Decodable>(
    as type: Row.Type, in context: RunContext, restart: (@Sendable () -> Void)? = nil,
    _ body: @escaping @Sendable (_ chunk: Int, _ rows: [Row]) throws -> Void
  ) throws {
    let input = try run(in: context)
    let label = "records(as: \(Row.self))"
    try RunContext.probeRows(type, schema: input.schema, label: label)
    let sink = ChunkCallback(body, restartable: restart != nil)
    do {
      try context.scan(
        input,
        restart: {
          sink.restart()
          restart?()
        }
      ) { RowCollector<Row, ChunkCallback<Row>>(label: label, sink: sink) }
    } catch let e as StageError {
      throw e
    } catch {
      throw StageError(stage: "records", underlying: error)
    }
  }

  private func startRows<Row: Decodable & Sendable>(_ type: Row.Type, in context: RunContext) throws -> RowChannel<Row>
  {
    let input = try run(in: context)
    let label = "records(as: \(Row.self))"
    try RunContext.probeRows(type, schema: input.schema, label: label)
    let channel = RowChannel<Row>(bound: context.options.threads + 2)
    context.log("[records] rows as \(Row.self) read on background threads, in file order")
    context.startRowScan(
      input, as: type, label: label, sink: channel, restart: { channel.restart() }, done: { channel.finish($0) })
    return channel
  }
}

/// Hands each chunk's rows to a user's closure, on the worker.
final class ChunkCallback<Row>: RowSink, @unchecked Sendable {
  private let body: @Sendable (Int, [Row]) throws -> Void
  private let restartable: Bool
  private let lock = NSLock()
  private var handedOut = false
  private var poison: Error?

  init(_ body: @escaping @Sendable (Int, [Row]) throws -> Void, restartable: Bool) {
    self.body = body
    self.restartable = restartable
  }

  func put(seq: Int, rows: [Row]) throws {
    lock.lock()
    let poison = self.poison
    handedOut = true
    lock.unlock()
    if let poison { throw poison }
    try body(seq, rows)
  }

  func failed(seq: Int) {}

  func restart() {
    lock.lock()
    defer { lock.unlock() }
    if handedOut && !restartable {
      poison = PipelineError.input(
        "the files were read again in another encoding than their start suggested (see the log), after rows had been handed out: state the encoding (CSVDialect.encoding in ScanOptions), or pass forEachChunk a restart closure"
      )
    }
  }
}
