internal import CLunaShims
import Dispatch
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A consumer of records that works chunk by chunk: `endChunk` hands what it
/// gathered to the shared result (under whatever lock that needs).
public protocol ChunkConsumer: RecordConsumer {
  /// Called once after the chunk's last record, on the worker that consumed
  /// it: hand what the chunk gathered to the shared result.
  func endChunk()
  /// Where an arithmetic limit was hit since the last call (a sum that
  /// would pass 64 bits), if one was: the scan stops with an error naming
  /// the file and line.
  func takeLimitHit() -> LimitHit?
}

extension ChunkConsumer {
  /// No limit: a consumer that cannot overflow never hits one.
  public func takeLimitHit() -> LimitHit? { nil }
}

/// A limit a consumer hit: the schema column whose values passed it, and
/// the record (`Record.ordinal`) whose value did, or nil when it was hit
/// adding the chunk's totals to those of the chunks before.
public struct LimitHit: Sendable, Equatable {
  /// The schema column (its index) whose values passed the limit.
  public var column: Int
  /// The chunk's record (`Record.ordinal`) whose value passed it, or nil when
  /// adding the chunk's totals to the shared ones did.
  public var record: Int?
  /// A limit hit on `column`, at `record` or when merging (nil).
  public init(column: Int, record: Int?) {
    self.column = column
    self.record = record
  }
}

/// How a scan reads its files.
public struct ScanOptions: Sendable {
  /// Worker threads (Dispatch) that parse, validate and aggregate chunks.
  public var threads: Int
  /// Bytes read per chunk; a chunk always ends at a record boundary.
  public var chunkSize: Int
  /// The dialect of every file of the scan, as stated (`CSVDialect`); what
  /// it does not state is detected per file. Nothing stated by default.
  public var dialect: CSVDialect
  /// A fixed delimiter, or nil to detect it from each file's header
  /// (`dialect.delimiter`).
  public var delimiter: UInt8? {
    get { dialect.delimiter }
    set { dialect.delimiter = newValue }
  }
  /// A number format for every file of the scan, overriding the schema's
  /// (`Schema.numberFormat`); nil: the schema's.
  public var numberFormat: NumberFormat?

  /// Options for a scan: `threads` workers (at least 1), chunks of
  /// `chunkSize` bytes (at least 1 KiB; 8 MiB by default), a forced
  /// `delimiter` and `numberFormat`, or nil for each file's detected
  /// delimiter and the schema's number format.
  public init(threads: Int = 2, chunkSize: Int = 8 << 20, delimiter: UInt8? = nil, numberFormat: NumberFormat? = nil) {
    self.threads = max(1, threads)
    self.chunkSize = max(1 << 10, chunkSize)
    self.dialect = CSVDialect()
    self.numberFormat = numberFormat
    self.dialect.delimiter = delimiter
  }

  /// Options for a scan of files written in `dialect` (see
  /// `init(threads:chunkSize:delimiter:numberFormat:)` for the rest).
  public init(threads: Int = 2, chunkSize: Int = 8 << 20, dialect: CSVDialect, numberFormat: NumberFormat? = nil) {
    self.threads = max(1, threads)
    self.chunkSize = max(1 << 10, chunkSize)
    self.dialect = dialect
    self.numberFormat = numberFormat
  }
}

/// What a scan found in one input file. `read == accepted + rejected +
/// skippedEmpty` always holds for records, and `lines == acceptedLines +
/// rejectedLines + skippedEmpty` for the physical lines after the header
/// (counted on their own from the bytes), so a reject that took many lines
/// shows.
public struct FileReport: Sendable, Codable, Equatable {
  /// The file's path, as the patterns resolved it.
  public var path: String
  /// The file's size in bytes.
  public var bytes: Int
  /// The encoding the file was read in, decided on all of its bytes.
  public var encoding: TextEncoding
  /// The delimiter as written in the report: `;`, `,` or `TAB`.
  public var delimiter: String
  /// The header line's end: `LF`, `CRLF` or `CR`.
  public var lineEnd: String
  /// Records read after the header, empty lines included.
  public var read: Int
  /// Records that kept every rule.
  public var accepted: Int
  /// Records rejected (each is a line of `rejects.csv`).
  public var rejected: Int
  /// Empty lines, skipped: neither accepted nor rejected.
  public var skippedEmpty: Int
  /// Rejected records per rule name (`not-a-number`: 3).
  public var rejectsByRule: [String: Int]
  /// Physical lines after the header.
  public var lines = 0
  /// Lines of accepted records (a record with a quoted line break has more
  /// than one).
  public var acceptedLines = 0
  /// Lines of rejected records.
  public var rejectedLines = 0
  /// The dialect items the user stated (`CSVDialect.stated`: `quote`,
  /// `header-rows`, ...), nil when none was: the rest was detected.
  public var stated: [String: String]?
  /// Accepted records by the schema's volume keys (`Schema.volumeKeys`),
  /// as `RunReport.volumes` names them, of this file alone: what period it
  /// holds (`DataQuality.Input.period`). Nil for a schema without volume
  /// keys or a file not read by a scan.
  public var volumes: [String: Int]?
  /// Accepted records per year and month (`Aar=2023,Maaned=4`, the
  /// schema's `monthKey`) of this file alone; nil for a schema without a
  /// month key or a file not read by a scan.
  public var months: [String: Int]?
  /// Where the first byte above 0x7F stands (nil: the file is ASCII), and
  /// what the non-ASCII bytes were: the encoding is decided on all of them.
  public var text: TextStats?

  /// A report of `path` with the counts given (zero by default); the line
  /// counts and `text` start empty.
  public init(
    path: String, bytes: Int, encoding: TextEncoding, delimiter: String, lineEnd: String, read: Int = 0,
    accepted: Int = 0, rejected: Int = 0, skippedEmpty: Int = 0, rejectsByRule: [String: Int] = [:]
  ) {
    self.path = path
    self.bytes = bytes
    self.encoding = encoding
    self.delimiter = delimiter
    self.lineEnd = lineEnd
    self.read = read
    self.accepted = accepted
    self.rejected = rejected
    self.skippedEmpty = skippedEmpty
    self.rejectsByRule = rejectsByRule
  }
}

/// What a scan of all its files found.
struct ScanResult {
  var files: [FileReport]
  /// Accepted records per volume cell (`Schema.volumeKeys`), by name.
  var volumes: [String: Int]
  var timing: ScanTiming
  /// Notes for the run report (an empty file read as an empty input).
  var notes: [String] = []
}

/// Where a scan's work went: parsing (tokenizing, finding records, counting
/// lines), validating (decoding fields, checking rules) and aggregating
/// (the consumers), as ticks summed over the workers. The scan fuses the
/// three, so they are not timed apart: one field and one record in 256 are
/// timed (`DecoderState.sampleEvery`), the rest of each chunk's time is
/// parsing, and the end of each chunk (merging into the shared totals) is
/// aggregating, timed whole.
struct ScanTiming {
  var ticks: UInt64 = 0
  var validateTicks: UInt64 = 0
  var aggregateTicks: UInt64 = 0
  /// Measured over the scan, to turn ticks into seconds.
  var ticksPerSecond = 0.0

  /// The workers' seconds in the scan (summed over threads).
  var workerSeconds: Double { ticksPerSecond > 0 ? Double(ticks) / ticksPerSecond : 0 }

  /// Shares of the scan's work, each 0...1, adding up to 1.
  var shares: (parse: Double, validate: Double, aggregate: Double) {
    guard ticks > 0 else { return (0, 0, 0) }
    let total = Double(ticks)
    let v = min(Double(validateTicks), total)
    let a = min(Double(aggregateTicks), total - v)
    return ((total - v - a) / total, v / total, a / total)
  }
}

/// The encoding a scan used for a file differs from the one its whole
/// content gives: the scan must run again with `encodings`.
struct EncodingMismatch: Error {
  var encodings: [String: TextEncoding]
  var notes: [String]
}

/// A rejected record, ready to be written: where it is and what it broke.
public struct RejectedRecord: Sendable {
  /// The path of the file the record is in.
  public var file: String
  /// Record number in the file, the header being record 1.
  public var record: Int
  /// Where the record starts in the file, in bytes from the file's start.
  public var byteOffset: Int
  /// The column whose field broke a rule, a record rule's column, or empty
  /// for what is wrong with the record as a whole (`field-count`,
  /// `record-too-long`, `unterminated-quote`).
  public var column: String
  /// The rule broken (`FieldRule.name`, or a `RecordRule`'s name).
  public var rule: String
  /// The record's text as it stands in the file, in UTF-8: at most
  /// `RejectedRecord.rawLimit` bytes of it.
  public var raw: String
  /// Physical line where the record starts (the header is line 1).
  public var line: Int = 0
  /// The record's length in bytes in the file (`raw` may hold less).
  public var length: Int = 0

  /// How much of a rejected record's text `raw` keeps.
  public static let rawLimit = 4096
}

/// Reads CSV files in chunks that end at record boundaries, and has
/// `threads` Dispatch workers tokenize (libcsv, or `PlainSplitter` for text
/// without quotes), validate and consume them.
///
/// Memory stays bounded whatever the input size: at most `threads + 2`
/// chunks are in flight. Rejects reach `onReject` in file order, whatever
/// the thread count.
final class ParallelScan {
  private let schema: CompiledSchema
  private let options: ScanOptions
  private let makeConsumer: () -> ChunkConsumer
  private let onReject: (RejectedRecord) throws -> Void
  private let log: (String) -> Void
  private let progress: ScanProgress?
  /// Where the files are opened, and checked once read (`InputFiles`).
  private let files: InputFiles

  init(
    schema: Schema, options: ScanOptions, files: InputFiles = InputFiles(),
    makeConsumer: @escaping () -> ChunkConsumer,
    onReject: @escaping (RejectedRecord) throws -> Void, log: @escaping (String) -> Void,
    progress: ScanProgress? = nil
  ) {
    self.progress = progress
    self.files = files
    self.schema = CompiledSchema(schema)
    self.options = options
    self.makeConsumer = makeConsumer
    self.onReject = onReject
    self.log = log
  }

  // MARK: Workers

  // Sendable by hand-over: the pool gives a worker to one chunk's task at a
  // time, and takes it back when that task ends.
  private final class Worker: @unchecked Sendable {
    let consumer: ChunkConsumer
    let decoder: RecordDecoder
    var tokenizers: [Int: CSVTokenizer] = [:]
    /// Ticks spent processing chunks, and of them in `endChunk` (`ScanTiming`).
    var chunkTicks: UInt64 = 0
    var endChunkTicks: UInt64 = 0
    init(schema: CompiledSchema, consumer: ChunkConsumer) {
      self.consumer = consumer
      decoder = RecordDecoder(schema: schema, consumer: consumer)
    }
    func tokenizer(_ delimiter: UInt8, _ syntax: RecordLocator.Syntax) throws -> CSVTokenizer {
      let quote = syntax.quote ?? 0x22
      let key = Int(delimiter) | Int(quote) << 8 | (syntax.trims ? 1 << 16 : 0)
      if let t = tokenizers[key] { return t }
      let t = try CSVTokenizer(delimiter: delimiter, quote: quote, trims: syntax.trims)
      tokenizers[key] = t
      return t
    }
  }

  private struct ChunkResult {
    var records = 0
    var accepted = 0
    var emptyLines = 0
    var lines = 0
    var acceptedLines = 0
    var rejectedLines = 0
    var text = TextStats()
    /// Each reject with its offset in the file, its raw text, its length,
    /// and the lines before it in the chunk.
    var rejects: [(ChunkReject, offset: Int, raw: String, length: Int, linesBefore: Int)] = []
    /// A limit a consumer hit, with the lines before the record (or the
    /// chunk's line count when no record is named).
    var limit: (hit: LimitHit, linesBefore: Int)?
    /// The volume cells this chunk's accepted records added to.
    var volumes: [(cell: Int, n: Int)] = []
    var error: Error?
  }

  // Sendable by hand-over: its buffer belongs to the one task that
  // processes it, and returns to the pool when that task ends.
  private struct Chunk: @unchecked Sendable {
    var file: Int
    var layout: FileLayout
    var buffer: UnsafeMutableRawPointer
    var capacity: Int
    var start: Int
    var count: Int
    var fileOffset: Int
    /// A record too long to read (`record-too-long`), skipped by the
    /// reader: its first bytes (in `buffer`) and its whole length.
    var oversizedLength: Int?
    /// The reader's scan found no irregular record in the chunk.
    var regular = false
  }

  /// What the reader and the workers share, behind one lock: idle workers,
  /// free chunk buffers, and finished chunks waiting to be flushed in order.
  private final class Pool: @unchecked Sendable {
    private let lock = NSLock()
    private var workers: [Worker]
    private var buffers: [(UnsafeMutableRawPointer, Int)] = []
    private var finished: [Int: ChunkResult] = [:]

    init(workers: [Worker]) { self.workers = workers }

    func takeWorker() -> Worker {
      lock.lock()
      defer { lock.unlock() }
      return workers.removeLast()
    }

    func takeBuffer(minimum: Int, chunkSize: Int) -> (UnsafeMutableRawPointer, Int) {
      lock.lock()
      defer { lock.unlock() }
      if let i = buffers.firstIndex(where: { $0.1 >= minimum }) { return buffers.remove(at: i) }
      if let b = buffers.popLast() { b.0.deallocate() }
      let cap = max(minimum, chunkSize)
      return (UnsafeMutableRawPointer.allocate(byteCount: cap, alignment: 64), cap)
    }

    func giveBuffer(_ b: (UnsafeMutableRawPointer, Int)) {
      lock.lock()
      buffers.append(b)
      lock.unlock()
    }

    func finish(seq: Int, result: ChunkResult, worker: Worker, buffer: (UnsafeMutableRawPointer, Int)) {
      lock.lock()
      finished[seq] = result
      workers.append(worker)
      buffers.append(buffer)
      lock.unlock()
    }

    func takeFinished(_ seq: Int) -> ChunkResult? {
      lock.lock()
      defer { lock.unlock() }
      return finished.removeValue(forKey: seq)
    }

    func freeAll() {
      lock.lock()
      for (p, _) in buffers { p.deallocate() }
      buffers.removeAll()
      lock.unlock()
    }
  }

  /// Scans `paths` in order. Returns one report per file and the volumes.
  ///
  /// - Parameter encodings: files whose encoding is known from an earlier
  ///   scan (see `EncodingMismatch`), by path.
  /// - Throws: `EncodingMismatch` when a file's whole content gives another
  ///   encoding than the one its start suggested and the scan used.
  func run(paths: [String], encodings: [String: TextEncoding] = [:]) throws -> ScanResult {
    let startTicks = luna_ticks()
    let startTime = DispatchTime.now().uptimeNanoseconds
    try schema.validateRules()
    // What the scan does not read (TextRecords does): refused rather than
    // the files read otherwise than stated.
    if let e = options.dialect.escape, e != .doubling {
      throw PipelineError.input(
        "escape \(e.rawValue) is not read by the record scan (quotes inside quoted fields are doubled there); state doubling, or read the file with TextRecords")
    }
    let threads = options.threads
    let allWorkers = (0..<threads).map { _ in Worker(schema: schema, consumer: makeConsumer()) }
    let pool = Pool(workers: allWorkers)
    let slots = DispatchSemaphore(value: threads)
    let group = DispatchGroup()
    let queue = DispatchQueue.global(qos: .userInitiated)
    var nextToFlush = 0
    var seq = 0
    var reports: [FileReport] = []
    /// Per file (by index), its accepted records per volume cell.
    var fileVolumes: [Int: [Int: Int]] = [:]
    var fileOfSeq: [Int: Int] = [:]
    var recordsBefore: [Int] = []  // per file, records flushed so far
    var headerLines: [Int] = []  // per file, physical lines up to the data
    var textStats: [TextStats] = []  // per file, of the data flushed so far
    var headerText: [TextStats] = []  // per file, of the bytes before the data
    var chunkOffsets: [Int: Int] = [:]  // per chunk in flight, its file offset
    var notes: [String] = []  // for the run report (an empty file)
    let maxRecord = schema.schema.maxRecordBytes

    defer {
      group.wait()
      pool.freeAll()
    }

    func takeBuffer(minimum: Int) -> (UnsafeMutableRawPointer, Int) {
      pool.takeBuffer(minimum: minimum, chunkSize: options.chunkSize)
    }

    func flush() throws {
      while true {
        guard let r = pool.takeFinished(nextToFlush) else { return }
        if let e = r.error { throw e }
        let f = fileOfSeq.removeValue(forKey: nextToFlush)!
        if let (hit, linesBefore) = r.limit {
          let column = schema.schema.columns[hit.column].name
          let first = headerLines[f] + reports[f].lines + 1
          let place =
            hit.record != nil
            ? "line \(first + linesBefore)"
            : "lines \(first)-\(first + max(0, linesBefore - 1)) (their sums added to those before)"
          throw PipelineError.input(
            "\(reports[f].path), \(place): the sum of \(column) passes what LunaPipe adds exactly (9,223,372,036,854,775,807 in the column's smallest unit); the file holds impossible \(column) values there. Nothing is published"
          )
        }
        for (reject, offset, raw, length, linesBefore) in r.rejects {
          let name = schema.ruleName(reject.rule)
          reports[f].rejectsByRule[name, default: 0] += 1
          try onReject(
            RejectedRecord(
              file: reports[f].path, record: recordsBefore[f] + reject.ordinal + 2,
              byteOffset: offset, column: schema.columnName(reject.column, rule: reject.rule),
              rule: name, raw: raw, line: headerLines[f] + reports[f].lines + linesBefore + 1, length: length))
        }
        recordsBefore[f] += r.records
        for (cell, n) in r.volumes { fileVolumes[f, default: [:]][cell, default: 0] += n }
        reports[f].read += r.records + r.emptyLines
        reports[f].accepted += r.accepted
        reports[f].rejected += r.rejects.count
        reports[f].skippedEmpty += r.emptyLines
        reports[f].lines += r.lines
        reports[f].acceptedLines += r.acceptedLines
        reports[f].rejectedLines += r.rejectedLines
        textStats[f].add(r.text, at: chunkOffsets[nextToFlush] ?? 0)
        chunkOffsets[nextToFlush] = nil
        nextToFlush += 1
      }
    }

    func dispatch(_ chunk: Chunk, seq: Int) {
      slots.wait()
      let worker = pool.takeWorker()
      let schema = self.schema
      queue.async(group: group) {
        var result = ChunkResult()
        do {
          let bytes = UnsafeRawBufferPointer(start: chunk.buffer + chunk.start, count: chunk.count)
          if let length = chunk.oversizedLength {
            Self.oversized(bytes, length: length, worker: worker, chunk: chunk, into: &result)
          } else {
            // The volume cells before the chunk, to give the chunk's own
            // to its file (a few hundred counts per chunk of megabytes).
            let before = schema.volumeCells > 0 ? Array(worker.decoder.volumes) : []
            let t0 = luna_ticks()
            try Self.process(bytes, worker: worker, chunk: chunk, schema: schema, into: &result)
            worker.chunkTicks &+= luna_ticks() &- t0
            if !before.isEmpty {
              for (i, n) in worker.decoder.volumes.enumerated() where n != before[i] {
                result.volumes.append((i, n - before[i]))
              }
            }
          }
        } catch {
          result.error = error
        }
        pool.finish(seq: seq, result: result, worker: worker, buffer: (chunk.buffer, chunk.capacity))
        slots.signal()
      }
    }

    if let progress {
      var total = 0
      for path in paths {
        var st = stat()
        if stat(path, &st) == 0 { total += Int(st.st_size) }
      }
      progress.expect(bytes: total)
    }
    for (fileIndex, path) in paths.enumerated() {
      progress?.begin(file: path)
      // Opened through the run's files: a regular file, the very one
      // fingerprinted before the run.
      let fd = try files.open(path)
      defer { close(fd) }
      var st = stat()
      fstat(fd, &st)
      posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)

      // The first block: encoding, delimiter, header.
      // A regular file smaller than that is read whole into a buffer its
      // size (+1, to see the end without a second read).
      var firstBlock = max(options.chunkSize, DialectDetection.sniffBytes)
      if (st.st_mode & S_IFMT) == S_IFREG { firstBlock = min(firstBlock, Int(st.st_size) + 1) }
      var (buf, cap) = takeBuffer(minimum: firstBlock)
      // `buf` is this loop's until handed to a chunk: back to the pool
      // however the file ends, also when it fails (no header, a read error).
      defer { pool.giveBuffer((buf, cap)) }
      var filled = try readFully(fd, into: buf, from: 0, upTo: cap, path: path)
      var eof = filled < cap
      /// Bytes read from the file so far.
      var bytesRead = filled
      /// Reads on after `filled`, doubling the buffer first if it is full.
      func readMore() throws {
        FaultPoint.reached("between-reads")
        if filled == cap {
          let bigger = UnsafeMutableRawPointer.allocate(byteCount: cap * 2, alignment: 64)
          bigger.copyMemory(from: buf, byteCount: filled)
          buf.deallocate()
          buf = bigger
          cap *= 2
        }
        let n = try readFully(fd, into: buf, from: filled, upTo: cap, path: path)
        filled += n
        bytesRead += n
        eof = filled < cap
      }
      if filled == 0 && eof {
        // An empty (0-byte) file is an empty input: no header, no records,
        // a note. Whether a run may publish so little is the volume
        // guard's decision, as for any delivery.
        try files.verify(path)
        let stated = options.delimiter.map { Dialect.name(ofDelimiter: $0) } ?? ""
        reports.append(FileReport(path: path, bytes: 0, encoding: .utf8, delimiter: stated, lineEnd: ""))
        recordsBefore.append(0)
        headerLines.append(0)
        headerText.append(TextStats())
        textStats.append(TextStats())
        let note = "\(path): the file is empty (0 bytes): read as an empty input, 0 records"
        notes.append(note)
        log(note)
        continue
      }
      // The header must end within the first block (at least 1 MiB): a file
      // without a line end that soon is not a CSV extract, and is not read
      // into memory whole to find out.
      if !eof && !containsLineEnd(buf, filled) {
        throw PipelineError.input(
          "\(path): no line end in the first \(filled) bytes: not a CSV extract (its first line, the header, ends long before)")
      }
      let (dialect, header, dataStart) = try DialectDetection.detect(
        UnsafeRawBufferPointer(start: buf, count: min(filled, max(DialectDetection.sniffBytes, filled))),
        path: path, stated: options.dialect, numberFormat: options.numberFormat ?? schema.schema.numberFormat,
        encoding: encodings[path])
      let layout = try mapColumns(header: header, path: path, dialect: dialect)
      if dialect.stated.isEmpty {
        log(
          "\(path): \(dialect.encoding.rawValue), delimiter \(dialect.delimiterName), \(dialect.lineEnd) line ends, \(header.count) columns"
        )
      } else {
        log("\(path): \(dialect.summary), \(dialect.lineEnd) line ends, \(header.count) columns")
      }
      var report = FileReport(
        path: path, bytes: Int(st.st_size), encoding: dialect.encoding, delimiter: dialect.delimiterName,
        lineEnd: dialect.lineEnd, read: 0, accepted: 0, rejected: 0, skippedEmpty: 0, rejectsByRule: [:])
      report.stated = dialect.stated.isEmpty ? nil : dialect.stated
      reports.append(report)
      recordsBefore.append(0)
      let headerBytes = UnsafeRawBufferPointer(start: buf, count: dataStart)
      // Every line before the data: skipped ones, comments and the header
      // rows, counted as lines (a skipped line may hold a stray quote).
      headerLines.append(RecordLocator.lineEnds(headerBytes) + (dataStart > 0 && !endsWithLineEnd(headerBytes) ? 1 : 0))
      headerText.append(TextStats.of(headerBytes))
      textStats.append(TextStats())

      // Drop the header: the data start at `dataStart`.
      var start = dataStart
      var fileOffset = dataStart
      while true {
        // A chunk: at most `chunkSize` bytes (more only for a record that
        // long), ending right after a line end outside quotes.
        let avail = filled - start
        if avail == 0 && eof { break }
        var window = min(avail, options.chunkSize)
        var end = 0
        // Whether the chunk is known to hold regular records only (the
        // worker then need not look for irregular ones).
        var regular = false
        if eof && window == avail {
          end = avail
        } else {
          let delimiter = layout.dialect.delimiter
          let syntax = layout.dialect.syntax
          var irregular: Int?
          end = RecordLocator.lastRecordEnd(
            in: UnsafeRawBufferPointer(start: buf + start, count: window), delimiter: delimiter, maxQuoted: maxRecord,
            atEnd: eof && window == avail, syntax: syntax, irregular: &irregular)
          while end == 0 && window < avail {
            window = min(avail, window * 2)
            end = RecordLocator.lastRecordEnd(
              in: UnsafeRawBufferPointer(start: buf + start, count: window), delimiter: delimiter,
              maxQuoted: maxRecord, atEnd: eof && window == avail, syntax: syntax, irregular: &irregular)
          }
          if end == 0 && eof { end = avail }
          regular = end > 0 && (irregular ?? Int.max) >= end
        }
        if end == 0 && avail > 2 * maxRecord + 2 {
          // The record here is longer than the schema allows and its end is
          // not in the buffer: skip it to its line end without keeping it
          // (memory stays bounded), as one rejected record. (Past twice the
          // bound, no quote still open can make it shorter.)
          let keep = min(RejectedRecord.rawLimit, avail)
          let (copy, copyCap) = takeBuffer(minimum: keep)
          copy.copyMemory(from: buf + start, byteCount: keep)
          let skipped = try skipOversized(fd, buf: buf, start: start, filled: filled, capacity: cap, path: path)
          bytesRead += skipped.read
          fileOfSeq[seq] = fileIndex
          chunkOffsets[seq] = fileOffset
          dispatch(
            Chunk(
              file: fileIndex, layout: layout, buffer: copy, capacity: copyCap, start: 0,
              count: keep, fileOffset: fileOffset, oversizedLength: skipped.length),
            seq: seq)
          seq += 1
          try flush()
          fileOffset += skipped.consumed
          // What was read past the record's line end is at the buffer's start.
          start = 0
          filled = skipped.rest
          eof = skipped.eof
          continue
        }
        if end == 0 {
          // No complete record yet: make room and read on.
          if start > 0 {
            memmove(buf, buf + start, avail)
            filled = avail
            start = 0
          }
          try readMore()
          continue
        }
        let tail = avail - end
        if tail > options.chunkSize {
          // More than a chunk is left in this buffer (after a record longer
          // than a chunk, or a first block larger than one): hand over a copy
          // of the chunk and go on in this buffer. Moving the rest to a new
          // buffer instead would copy it again for every chunk and grow the
          // buffers without bound.
          let (copy, copyCap) = takeBuffer(minimum: end)
          copy.copyMemory(from: buf + start, byteCount: end)
          fileOfSeq[seq] = fileIndex
          chunkOffsets[seq] = fileOffset
          dispatch(
            Chunk(
              file: fileIndex, layout: layout, buffer: copy, capacity: copyCap, start: 0, count: end,
              fileOffset: fileOffset, regular: regular),
            seq: seq)
          seq += 1
          try flush()
          fileOffset += end
          start += end
          continue
        }
        // Hand over [start, start+end); the rest moves to the next buffer.
        let (next, nextCap) = takeBuffer(minimum: max(options.chunkSize, tail))
        if tail > 0 { next.copyMemory(from: buf + start + end, byteCount: tail) }
        fileOfSeq[seq] = fileIndex
        chunkOffsets[seq] = fileOffset
        dispatch(
          Chunk(
            file: fileIndex, layout: layout, buffer: buf, capacity: cap, start: start, count: end,
            fileOffset: fileOffset, regular: regular),
          seq: seq)
        seq += 1
        fileOffset += end
        buf = next
        cap = nextCap
        start = 0
        filled = tail
        try flush()
        if eof && tail == 0 { break }
        if !eof { try readMore() }
      }
      // A regular file must give what it held when opened: fewer bytes mean
      // it was truncated while read, more that it was still being written.
      // Appended to, rewritten in place, or renamed over, since the run
      // opened it (`InputFiles`).
      try files.verify(path)
      if bytesRead != Int(st.st_size) {
        throw PipelineError.input(
          "\(path): the file changed while it was read (\(st.st_size) bytes when opened, \(bytesRead) read); run again on the complete file"
        )
      }
    }
    group.wait()
    try flush()

    // Each file's encoding, decided on all its bytes.
    var mismatch = EncodingMismatch(encodings: encodings, notes: [])
    for f in reports.indices {
      var t = headerText[f]
      t.add(textStats[f], at: 0)
      reports[f].text = t.firstNonASCII == nil ? nil : t
      let used = reports[f].encoding
      guard used != .utf8BOM, options.dialect.encoding == nil, encodings[reports[f].path] == nil, t.encoding != used
      else { continue }
      mismatch.encodings[reports[f].path] = t.encoding
      mismatch.notes.append(
        "\(reports[f].path): read as \(t.encoding.rawValue), not \(used.rawValue) as its first \(DialectDetection.sniffBytes >> 20) MiB suggested: its non-ASCII bytes from byte \(t.firstNonASCII ?? 0) on hold \(t.utf8Sequences) UTF-8 sequences and \(t.invalidBytes) bytes that are not UTF-8"
      )
    }
    if !mismatch.notes.isEmpty { throw mismatch }

    var volumes: [String: Int] = [:]
    if schema.volumeCells > 0 {
      var cells = [Int](repeating: 0, count: schema.volumeCells)
      for w in allWorkers {
        for (i, n) in w.decoder.volumes.enumerated() { cells[i] += n }
      }
      // Cells that differ only in the month share a name: summed.
      for (i, n) in cells.enumerated() where n > 0 { volumes[schema.volumeName(i), default: 0] += n }
      for f in reports.indices {
        var named: [String: Int] = [:]
        var months: [String: Int] = [:]
        for (i, n) in fileVolumes[f] ?? [:] where n > 0 {
          named[schema.volumeName(i), default: 0] += n
          if let m = schema.monthName(i) { months[m, default: 0] += n }
        }
        reports[f].volumes = named
        if schema.monthKeyed { reports[f].months = months }
      }
    }
    var timing = ScanTiming()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - startTime) / 1e9
    timing.ticksPerSecond = seconds > 0 ? Double(luna_ticks() &- startTicks) / seconds : 0
    for w in allWorkers {
      timing.ticks &+= w.chunkTicks
      timing.validateTicks &+= w.decoder.validateTicks
      timing.aggregateTicks &+= w.decoder.consumeTicks &+ w.endChunkTicks
    }
    return ScanResult(files: reports, volumes: volumes, timing: timing, notes: notes)
  }

  /// Reads past a record longer than the schema allows, from `start` in
  /// `buf`, to its first line end (`\n`, `\r\n` or `\r`), reading the file
  /// on in `buf`. Returns the record's length, the bytes consumed with the
  /// line end, the bytes read from the file, whether it ended, and how many
  /// bytes after the line end now stand at `buf`'s start.
  private func skipOversized(
    _ fd: Int32, buf: UnsafeMutableRawPointer, start: Int, filled: Int, capacity: Int, path: String
  ) throws -> (length: Int, consumed: Int, read: Int, eof: Bool, rest: Int) {
    var length = 0
    var read = 0
    var from = start
    var to = filled
    var eof = false
    func readOn() throws {
      let m = try readFully(fd, into: buf, from: 0, upTo: capacity, path: path)
      read += m
      from = 0
      to = m
      eof = m < capacity
    }
    while true {
      let p = UnsafeRawPointer(buf + from)
      let n = to - from
      var i = 0
      while i < n {
        let c = p.load(fromByteOffset: i, as: UInt8.self)
        if c == 0x0A || c == 0x0D { break }
        i += 1
      }
      length += i
      if i == n {
        if eof { return (length, length, read, true, 0) }
        try readOn()
        continue
      }
      var ending = 1
      var next = from + i + 1
      if p.load(fromByteOffset: i, as: UInt8.self) == 0x0D {
        if next == to && !eof {
          // Is the `\r` followed by `\n`? Read on to see.
          try readOn()
          next = 0
        }
        if next < to && buf.load(fromByteOffset: next, as: UInt8.self) == 0x0A {
          next += 1
          ending += 1
        }
      }
      let rest = to - next
      if rest > 0 && next > 0 { memmove(buf, buf + next, rest) }
      return (length, length + ending, read, eof, rest)
    }
  }

  /// A record the reader skipped: one rejected record of one line.
  private static func oversized(
    _ bytes: UnsafeRawBufferPointer, length: Int, worker: Worker, chunk: Chunk, into result: inout ChunkResult
  ) {
    worker.decoder.begin(layout: chunk.layout)
    worker.decoder.rejectRecord(.recordTooLong)
    let r = worker.decoder.rejects[0]
    let raw = Transcoding.string(
      UnsafeRawBufferPointer(rebasing: bytes[0..<Self.rawPrefix(bytes, encoding: chunk.layout.dialect.encoding)]),
      encoding: chunk.layout.dialect.encoding)
    result.records = 1
    result.lines = 1
    result.rejectedLines = 1
    result.rejects = [(r, chunk.fileOffset, raw, length, 0)]
  }

  /// How many of `bytes` a reject's raw text keeps: up to `rawLimit`, not
  /// cutting a UTF-8 sequence.
  static func rawPrefix(_ bytes: UnsafeRawBufferPointer, encoding: TextEncoding) -> Int {
    guard bytes.count > RejectedRecord.rawLimit else { return bytes.count }
    var n = RejectedRecord.rawLimit
    if encoding != .windows1252 {
      while n > 0 && bytes[n] & 0xC0 == 0x80 { n -= 1 }
    }
    return n
  }

  /// Parses, validates and consumes one chunk. Records libcsv can be
  /// trusted with go to it in runs; an irregular record (a stray quote, a
  /// quoted line break) is handled on its own, so that a damaged one costs
  /// its own line and nothing after it.
  private static func process(
    _ bytes: UnsafeRawBufferPointer, worker: Worker, chunk: Chunk, schema: CompiledSchema,
    into result: inout ChunkResult
  ) throws {
    let delimiter = chunk.layout.dialect.delimiter
    let encoding = chunk.layout.dialect.encoding
    let maxQuoted = schema.schema.maxRecordBytes
    let syntax = chunk.layout.dialect.syntax
    let trims = syntax.trims
    let tokenizer = try worker.tokenizer(delimiter, syntax)
    let decoder = worker.decoder
    decoder.begin(layout: chunk.layout)
    let callbacks = decoder.callbacks
    let n = bytes.count
    var located: [(reject: ChunkReject, span: Range<Int>)] = []
    var extraAcceptedLines = 0

    /// Each parsed run of records: its bytes and its first record.
    var segments: [(range: Range<Int>, firstRecord: Int)] = []
    // Empty lines, counted from the bytes: libcsv cannot tell `\r\n` from
    // `\r \n` (it drops the space), so its count of empty records can be one
    // short; the lines of irregular records belong to those records.
    var emptyLines = 0
    // The whole chunk's lines, counted with its blank ones (and whether it
    // holds a non-ASCII byte) when it is one run of regular records: the
    // common case, one pass.
    var wholeLines: Int?
    var nonASCII = true
    // A regular chunk with LF line ends only (no `\r` at all): each line
    // end is one libcsv record end, so the decoder's counts of records and
    // empty records are its lines, exactly; no pass of its own is needed.
    /// Comment lines (`Dialect.commentPrefix`, stated only): whole lines
    /// starting with it at a record boundary, with their line ends.
    var comments: [Range<Int>] = []
    if let prefix = chunk.layout.dialect.commentPrefix, !prefix.isEmpty {
      let c = Array(prefix.utf8)
      var lineStart = 0
      func check(_ s: Int, _ e: Int) {
        if e - s >= c.count && zip(bytes[s..<(s + c.count)], c).allSatisfy({ $0 == $1 }) { comments.append(s..<e) }
      }
      RecordLocator.forEachUnquotedStretch(bytes, delimiter: delimiter, atEnd: true, syntax: syntax) { from, to in
        var k = from
        while k < to {
          let b = bytes[k]
          if b == 0x0A || b == 0x0D {
            let e = b == 0x0D && k + 1 < n && bytes[k + 1] == 0x0A ? k + 2 : k + 1
            check(lineStart, e)
            lineStart = e
            k = e
            continue
          }
          k += 1
        }
        return true
      }
      if lineStart < n { check(lineStart, n) }
    }
    let lfOnly = chunk.regular && comments.isEmpty && memchr(bytes.baseAddress!, 0x0D, n) == nil
    func parse(_ a: Int, _ b: Int, irregular: Bool = false) throws {
      guard b > a else { return }
      let seg = UnsafeRawBufferPointer(rebasing: bytes[a..<b])
      if !irregular && !lfOnly {
        let l = RecordLocator.linesAndHighBits(seg, delimiter: delimiter, trims: trims)
        emptyLines += l.blank
        if a == 0 && b == n {
          wholeLines = l.lines
          nonASCII = l.nonASCII
        }
      }
      let rejectsBefore = decoder.rejects.count
      let recordsBefore = decoder.records
      segments.append((a..<b, recordsBefore))
      if !irregular && (syntax.quote.map { memchr(seg.baseAddress!, Int32($0), seg.count) == nil } ?? true) {
        // No quote at all (the common case): libcsv's records, split
        // directly. A TAB in a field is outside quotes.
        decoder.quotedTabs = false
        decoder.splitPlain(seg, delimiter: delimiter, trims: trims)
      } else {
        try parseQuoted(seg)
        // Irregular records never get here; a quote still open is a bug
        // caught rather than a record lost.
        if tokenizer.inQuotedField { decoder.markUnterminatedQuote() }
        try tokenizer.finish(callbacks)
      }
      let new = decoder.rejects[rejectsBefore...]
      if !new.isEmpty {
        let spans = RecordLocator.locate(
          ordinals: new.map { $0.ordinal - recordsBefore }, in: seg, delimiter: delimiter, syntax: syntax)
        for (r, span) in zip(new, spans) { located.append((r, (a + span.lowerBound)..<(a + span.upperBound))) }
      }
    }
    /// libcsv over `seg`; a TAB a field keeps is text where it was quoted
    /// (always, when TAB delimits), found run by run of records when the
    /// text holds one (rarely: no cost otherwise).
    func parseQuoted(_ seg: UnsafeRawBufferPointer) throws {
      if delimiter == 9 || memchr(seg.baseAddress!, 0x09, seg.count) == nil {
        decoder.quotedTabs = delimiter == 9
        try tokenizer.parse(seg, callbacks)
        return
      }
      for run in RecordLocator.tabRuns(seg, delimiter: delimiter, syntax: syntax) {
        decoder.quotedTabs = run.quotedTabs
        try tokenizer.parse(UnsafeRawBufferPointer(rebasing: seg[run.range]), callbacks)
      }
    }
    func reject(_ span: Range<Int>, _ rule: FieldRule) {
      decoder.rejectRecord(rule)
      located.append((decoder.rejects[decoder.rejects.count - 1], span))
    }
    /// The bytes after the line end at `i`.
    func afterLineEnd(_ i: Int) -> Int { bytes[i] == 0x0D && i + 1 < n && bytes[i + 1] == 0x0A ? i + 2 : i + 1 }

    /// Reads the records of `lo..<hi` (whole records).
    func scanRange(_ lo: Int, _ hi: Int) throws {
      var pos = lo
      while pos < hi {
        let rest = UnsafeRawBufferPointer(rebasing: bytes[pos..<hi])
        guard !chunk.regular,
          var irregular = RecordLocator.firstIrregular(
            in: rest, delimiter: delimiter, maxQuoted: maxQuoted, syntax: syntax)
        else {
          try parse(pos, hi)
          break
        }
        irregular.start += pos
        irregular.contentEnd += pos
        irregular.end += pos
        try parse(pos, irregular.start)
        if irregular.stray {
          reject(irregular.start..<irregular.contentEnd, .unterminatedQuote)
          pos = irregular.end
          continue
        }
        // A quoted line break: one record if it has the file's field count (a
        // multi-line field: accepted, or rejected whole with the rule it
        // breaks), else a stray quote closed by another one lines later: only
        // its first line is rejected, and reading goes on at the next.
        let span = UnsafeRawBufferPointer(rebasing: bytes[irregular.start..<irregular.end])
        decoder.probing = true
        try parseQuoted(span)
        try tokenizer.finish(callbacks)
        decoder.probing = false
        if decoder.probeAccepted || decoder.probeRule != FieldRule.fieldCount.rawValue {
          let acceptedBefore = decoder.accepted
          try parse(irregular.start, irregular.end, irregular: true)
          if decoder.accepted > acceptedBefore {
            extraAcceptedLines += RecordLocator.lineCount(
              UnsafeRawBufferPointer(rebasing: bytes[irregular.start..<irregular.contentEnd]), delimiter: delimiter,
              trims: trims) - 1
          }
          pos = irregular.end
        } else {
          var i = irregular.start
          while i < irregular.contentEnd && bytes[i] != 0x0A && bytes[i] != 0x0D { i += 1 }
          reject(irregular.start..<i, .unterminatedQuote)
          pos = i < hi ? afterLineEnd(i) : hi
        }
      }
    }
    if comments.isEmpty {
      try scanRange(0, n)
    } else {
      // The records between comment lines; each comment line is counted
      // with the skipped empty lines.
      var from = 0
      for c in comments {
        try scanRange(from, c.lowerBound)
        from = c.upperBound
      }
      try scanRange(from, n)
      emptyLines += comments.count
    }
    let t0 = luna_ticks()
    worker.consumer.endChunk()
    worker.endChunkTicks &+= luna_ticks() &- t0
    if let hit = worker.consumer.takeLimitHit() {
      var linesBefore = RecordLocator.lineCount(bytes, delimiter: delimiter, trims: trims)
      if let record = hit.record, let seg = segments.last(where: { $0.firstRecord <= record }) {
        let part = UnsafeRawBufferPointer(rebasing: bytes[seg.range])
        let span = RecordLocator.locate(
          ordinals: [record - seg.firstRecord], in: part, delimiter: delimiter, syntax: syntax)[0]
        linesBefore = RecordLocator.lineEnds(
          UnsafeRawBufferPointer(rebasing: bytes[0..<(seg.range.lowerBound + span.lowerBound)]))
      }
      result.limit = (hit, linesBefore)
    }

    result.records = decoder.records
    result.accepted = decoder.accepted
    if lfOnly {
      result.emptyLines = decoder.emptyLines
      result.lines = decoder.records + decoder.emptyLines
    } else {
      result.emptyLines = emptyLines
      result.lines = wholeLines ?? RecordLocator.lineCount(bytes, delimiter: delimiter, trims: trims)
    }
    result.acceptedLines = decoder.accepted + extraAcceptedLines
    if nonASCII { result.text = TextStats.of(bytes) }
    // In file order (which is record order): the lines before each reject
    // counted once, front to back.
    located.sort { $0.span.lowerBound < $1.span.lowerBound }
    var linesBefore = 0
    var counted = 0
    for (r, span) in located {
      linesBefore += RecordLocator.lineEnds(UnsafeRawBufferPointer(rebasing: bytes[counted..<span.lowerBound]))
      counted = span.lowerBound
      let text = UnsafeRawBufferPointer(rebasing: bytes[span])
      let lines = RecordLocator.lineEnds(text) + 1
      result.rejectedLines += lines
      let raw = Transcoding.string(
        UnsafeRawBufferPointer(rebasing: text[0..<rawPrefix(text, encoding: encoding)]), encoding: encoding)
      result.rejects.append((r, chunk.fileOffset + span.lowerBound, raw, span.count, linesBefore))
    }
  }

  private func endsWithLineEnd(_ b: UnsafeRawBufferPointer) -> Bool {
    b.count > 0 && (b[b.count - 1] == 0x0A || b[b.count - 1] == 0x0D)
  }

  private func containsLineEnd(_ buf: UnsafeMutableRawPointer, _ n: Int) -> Bool {
    memchr(buf, 10, n) != nil || memchr(buf, 13, n) != nil
  }

  private func readFully(_ fd: Int32, into buf: UnsafeMutableRawPointer, from: Int, upTo cap: Int, path: String) throws -> Int {
    var total = 0
    while from + total < cap {
      let n = read(fd, buf + from + total, cap - from - total)
      if n < 0 {
        if errno == EINTR { continue }
        throw PipelineError.input("\(path): read failed (\(String(cString: strerror(errno))))")
      }
      if n == 0 { break }
      total += n
    }
    progress?.advance(total)
    return total
  }

  private func mapColumns(header: [String], path: String, dialect: Dialect) throws -> FileLayout {
    var columnOfField = [Int](repeating: -1, count: header.count)
    var seen: [Int: Int] = [:]
    for (i, name) in header.enumerated() {
      guard let col = schema.schema.index(of: name) else { continue }
      if let j = seen[col] {
        throw PipelineError.input(
          "\(path): columns \(j + 1) (\"\(header[j])\") and \(i + 1) (\"\(name)\") both name \(schema.schema.columns[col].name)"
        )
      }
      seen[col] = i
      columnOfField[i] = col
    }
    let missing = schema.schema.columns.indices.filter { seen[$0] == nil }.map { schema.schema.columns[$0].name }
    if !missing.isEmpty {
      // The header as read, cut short and without control characters: a
      // binary file's first "line" is no message.
      var shown = header.joined(separator: String(UnicodeScalar(dialect.delimiter)))
      if shown.count > 300 { shown = shown.prefix(300) + "…" }
      shown = String(String.UnicodeScalarView(shown.unicodeScalars.map { $0.value < 0x20 && $0 != "\t" || (0x7F...0x9F).contains($0.value) ? "?" : $0 }))
      var hint = seen.isEmpty ? ": is the header missing, or is this another kind of file?" : ""
      if dialect.unsure || seen.isEmpty {
        hint +=
          " If the format was detected wrong, state it: --delimiter, --quote, --skip-lines, --header-rows (CSVDialect)"
      }
      throw PipelineError.input(
        "\(path): missing column\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", ")) (header: \(shown); detected \(dialect.encoding.rawValue), delimiter \(dialect.delimiterName))\(hint)"
      )
    }
    return FileLayout(dialect: dialect, header: header, dataStart: 0, columnOfField: columnOfField)
  }
}
