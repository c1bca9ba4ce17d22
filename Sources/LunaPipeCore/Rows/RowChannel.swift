import Foundation

/// A chunk consumer that learns, on the worker, which chunk just ended:
/// chunks are numbered 0, 1, 2, ... in file order over all the scan's
/// files (`ParallelScan`'s `seq`). Called after `endChunk()`, also for a
/// chunk that failed (`failed`: what it gathered must be dropped, the scan
/// ends with the chunk's error). Throwing fails the chunk, and so the scan.
protocol SequencedChunkConsumer: ChunkConsumer {
  func chunkEnded(seq: Int, failed: Bool) throws
}

/// Where a chunk's decoded rows go: the ordered channel of a stream, or a
/// user's closure.
protocol RowSink<Row>: AnyObject, Sendable {
  associatedtype Row
  /// The rows of chunk `seq`, on the worker that decoded them.
  func put(seq: Int, rows: [Row]) throws
  /// Chunk `seq` failed: its rows never come.
  func failed(seq: Int)
  /// An empty array with room, given back by the reader, if there is one.
  func emptyRows() -> [Row]?
}

extension RowSink {
  func emptyRows() -> [Row]? { nil }
}

/// Decodes every accepted record of a chunk as `Row` (one per worker) and
/// hands the chunk's rows to `sink` when the chunk ends.
final class RowCollector<Row: Decodable, Sink: RowSink<Row>>: SequencedChunkConsumer {
  private var rows: [Row] = []
  private var error: Error?
  private let label: String
  private let sink: Sink
  /// The worker's record columns (the same for every record of the scan)
  /// and their row decoder, found on the first record.
  private var columns: UnsafeMutableRawPointer?
  private var decoder: Unmanaged<RowDecoder>?

  init(label: String, sink: Sink) {
    self.label = label
    self.sink = sink
  }

  func consume(_ record: Record) {
    if error != nil { return }
    guard let d = decoder, columns == record.columns.toOpaque() else { return first(record) }
    do { rows.append(try d._withUnsafeGuaranteedRef { try $0.decode(Row.self, from: record) }) } catch {
      self.error = error
    }
  }

  private func first(_ record: Record) {
    let c = record.columns.takeUnretainedValue()
    // A mistake this worker's records note is this stage's.
    c.stage = label
    columns = record.columns.toOpaque()
    decoder = .passUnretained(c.rows)
    consume(record)
  }

  func endChunk() {}

  func chunkEnded(seq: Int, failed: Bool) throws {
    let out = rows
    // An array the reader is done with (its pages in memory already), or
    // a new one with room for a chunk a little larger than this one.
    rows = sink.emptyRows() ?? []
    rows.reserveCapacity(out.count + out.count / 4 + 16)
    let error = self.error
    self.error = nil
    do {
      if let error { throw Self.describe(error, label) }
      if failed {
        sink.failed(seq: seq)
        return
      }
      try sink.put(seq: seq, rows: out)
    } catch {
      sink.failed(seq: seq)
      throw error
    }
  }

  /// A record that could not be decoded (an empty field in a non-optional
  /// property, a value its type refuses): an input error naming the stage.
  static func describe(_ error: Error, _ label: String) -> Error {
    guard let e = error as? DecodingError else { return error }
    let what: String
    switch e {
    case .keyNotFound(_, let c), .valueNotFound(_, let c), .typeMismatch(_, let c), .dataCorrupted(let c):
      what = c.debugDescription
    @unknown default:
      what = "\(e)"
    }
    return PipelineError.input("\(label): a record could not be decoded: \(what)")
  }
}

/// The scan was stopped by the code reading the rows (`RecordRows.stop()`).
struct RowsStopped: Error {}

/// The rows of a scan's chunks, handed on in file order: workers put each
/// chunk's rows under its number, the reading thread takes them in order.
///
/// Bounded: a worker whose chunk is `bound` or more ahead of the next one
/// to be taken waits before putting it, so at most `bound` chunks of rows
/// wait here (and one more per worker being put), and the scan, its chunk
/// slots full, waits too: a slow reader slows the scan, never grows memory.
/// The chunk the reader waits for is never made to wait, so the scan
/// always makes progress while it is read.
final class RowChannel<Row>: RowSink, @unchecked Sendable {
  private let condition = NSCondition()
  private var ready: [Int: [Row]] = [:]
  /// The next chunk to hand out.
  private var next = 0
  /// The first chunk that failed: none after it is handed out.
  private var failedAt = Int.max
  private var cancelled = false
  private var ended = false
  private var error: Error?
  /// A scan read again after rows were handed out: its chunks fail.
  private var poison: Error?
  private var waiter: CheckedContinuation<Void, Never>?
  /// Chunks of rows allowed to wait.
  let bound: Int
  private var mostReady = 0
  /// Arrays the reader is done with, emptied, for the workers to fill
  /// again (at most `bound`).
  private var spare: [[Row]] = []

  init(bound: Int) { self.bound = max(1, bound) }

  /// The most chunks of rows that waited at once (for tests).
  var mostWaiting: Int {
    condition.lock()
    defer { condition.unlock() }
    return mostReady
  }

  /// Chunks waiting now (for tests).
  var waiting: Int {
    condition.lock()
    defer { condition.unlock() }
    return ready.count
  }

  /// Whether the scan has ended (done, failed or stopped).
  var hasEnded: Bool {
    condition.lock()
    defer { condition.unlock() }
    return ended
  }

  // MARK: Workers

  func put(seq: Int, rows: [Row]) throws {
    condition.lock()
    defer { condition.unlock() }
    while !cancelled && poison == nil && seq < failedAt && seq >= next + bound { condition.wait() }
    if let poison { throw poison }
    if cancelled || seq > failedAt { throw RowsStopped() }
    ready[seq] = rows
    if ready.count > mostReady { mostReady = ready.count }
    if seq == next { wake() }
  }

  func emptyRows() -> [Row]? {
    condition.lock()
    defer { condition.unlock() }
    return spare.popLast()
  }

  /// Takes back an array of rows the reader is done with.
  func giveBack(_ rows: inout [Row]) {
    rows.removeAll(keepingCapacity: true)
    condition.lock()
    defer { condition.unlock() }
    if spare.count < bound && !cancelled { spare.append(rows) }
    rows = []
  }

  func failed(seq: Int) {
    condition.lock()
    defer { condition.unlock() }
    if seq < failedAt { failedAt = seq }
    wake()
  }

  // MARK: The scan's thread

  /// The scan starts over (another encoding): fine while no row was handed
  /// out; after that, rows read in the wrong encoding are out, and the
  /// scan fails saying how to avoid it.
  func restart() {
    condition.lock()
    defer { condition.unlock() }
    ready.removeAll()
    failedAt = .max
    if next > 0 {
      poison = PipelineError.input(
        "the files were read again in another encoding than their start suggested (see the log), after rows had been handed out: state the encoding (CSVDialect.encoding in ScanOptions) so that each row is read once"
      )
    }
    wake()
  }

  func finish(_ error: Error?) {
    condition.lock()
    defer { condition.unlock() }
    ended = true
    if !(error is RowsStopped) { self.error = error }
    wake()
  }

  private func wake() {
    condition.broadcast()
    if let w = waiter {
      waiter = nil
      w.resume()
    }
  }

  // MARK: The reader

  private enum Poll {
    case rows([Row])
    case end
    case wait
  }

  /// Under the lock: the next chunk's rows, the end, or nothing yet.
  private func poll() throws -> Poll {
    if cancelled { return .end }
    if let rows = ready.removeValue(forKey: next) {
      next += 1
      condition.broadcast()
      return .rows(rows)
    }
    if ended {
      if let error { throw error }
      return .end
    }
    return .wait
  }

  /// The next chunk's rows, waiting for them; nil at the end. Throws the
  /// scan's error once the rows before it are taken.
  func take() throws -> [Row]? {
    condition.lock()
    defer { condition.unlock() }
    while true {
      switch try poll() {
      case .rows(let r): return r
      case .end: return nil
      case .wait: condition.wait()
      }
    }
  }

  /// `take()`, suspending rather than blocking; a cancelled task stops
  /// the scan and throws `CancellationError`.
  func takeAsync() async throws -> [Row]? {
    while true {
      switch try pollLocked() {
      case .rows(let r): return r
      case .end:
        try Task.checkCancellation()
        return nil
      case .wait:
        await withTaskCancellationHandler {
          await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in self.wait(c) }
        } onCancel: {
          self.cancel()
        }
      }
    }
  }

  private func pollLocked() throws -> Poll {
    condition.lock()
    defer { condition.unlock() }
    return try poll()
  }

  /// Resumes `c` when there is something to take (at once if there is).
  private func wait(_ c: CheckedContinuation<Void, Never>) {
    condition.lock()
    defer { condition.unlock() }
    if cancelled || ended || ready[next] != nil {
      c.resume()
    } else {
      waiter = c
    }
  }

  /// Stops the scan: waiting workers give up, later chunks fail, the rows
  /// waiting are dropped.
  func cancel() {
    condition.lock()
    defer { condition.unlock() }
    cancelled = true
    ready.removeAll()
    spare.removeAll()
    wake()
  }

  /// Waits until the scan's thread is done.
  func waitUntilEnded() {
    condition.lock()
    defer { condition.unlock() }
    while !ended { condition.wait() }
  }
}

extension RunContext {
  /// Starts a scan of `input` on a thread of its own whose workers decode
  /// each accepted record as `Row` and give each chunk's rows to the sink
  /// `makeSink` makes; `done` is told how it ended (nil: it read
  /// everything). The input's stages are run already.
  func startRowScan<Row: Decodable, Sink: RowSink<Row>>(
    _ input: ValidatedRecords, as type: Row.Type, label: String, sink: Sink, restart: @escaping @Sendable () -> Void,
    done: @escaping @Sendable (Error?) -> Void
  ) {
    let thread = Thread { [self] in
      do {
        try scan(input, restart: restart) { RowCollector<Row, Sink>(label: label, sink: sink) }
        done(nil)
      } catch is RowsStopped {
        done(RowsStopped())
      } catch let e as StageError {
        done(e)
      } catch {
        done(StageError(stage: "records", underlying: error))
      }
    }
    thread.name = "lunapipe-records"
    thread.stackSize = 8 << 20
    thread.start()
  }

  /// Checks before any input is read that `Row`'s properties name columns
  /// the records have, of kinds their types can hold, and that a
  /// non-optional one reads no column the files may leave empty: `Row` is
  /// decoded once from a record whose every field is empty.
  static func probeRows<Row: Decodable>(_ type: Row.Type, schema: Schema, label: String) throws {
    do {
      try RecordProbe.check(schema, stage: label) { r in
        let d = r.columns._withUnsafeGuaranteedRef { $0.rows }
        d.probing = true
        d.optionalInFiles = schema.columns.map { !$0.required && !$0.isDerived }
        defer {
          d.probing = false
          d.optionalInFiles = nil
        }
        _ = try? d.decode(Row.self, from: r)
        if let m = d.mistake { throw PipelineError.configuration(m) }
      }
    } catch {
      throw StageError(stage: "records", underlying: error)
    }
  }
}
