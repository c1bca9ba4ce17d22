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
  /// Threads that parse, validate and aggregate chunks: the one that reads
  /// the files, and `threads - 1` on Dispatch (`ChunkScheduler`). With 1,
  /// the scan runs on the calling thread alone.
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
  /// Whether quote-free text is decoded a line at a time
  /// (`PlainSplitter.splitRecords`); false sends every line field by field.
  /// The same records either way: for the tests that check it.
  var wholeLines = true

  /// Options for a scan: `threads` workers (at least 1), chunks of
  /// `chunkSize` bytes (1 KiB to 1 GiB; 4 MiB by default), a forced
  /// `delimiter` and `numberFormat`, or nil for each file's detected
  /// delimiter and the schema's number format.
  public init(threads: Int = 2, chunkSize: Int = 4 << 20, delimiter: UInt8? = nil, numberFormat: NumberFormat? = nil) {
    self.threads = max(1, threads)
    self.chunkSize = min(max(1 << 10, chunkSize), 1 << 30)
    self.dialect = CSVDialect()
    self.numberFormat = numberFormat
    self.dialect.delimiter = delimiter
  }

  /// Options for a scan of files written in `dialect` (see
  /// `init(threads:chunkSize:delimiter:numberFormat:)` for the rest).
  public init(threads: Int = 2, chunkSize: Int = 4 << 20, dialect: CSVDialect, numberFormat: NumberFormat? = nil) {
    self.threads = max(1, threads)
    self.chunkSize = min(max(1 << 10, chunkSize), 1 << 30)
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
  /// Valid records each filter stage dropped, by its name.
  var filtered: [String: Int] = [:]
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

/// Reads CSV files in chunks that end at record boundaries (`ChunkFramer`),
/// and has `threads` workers (`ChunkScheduler`: the reading thread's own
/// and `threads - 1` on Dispatch) tokenize (libcsv, or `PlainSplitter` for
/// text without quotes), validate and consume them; their results are
/// added up in file order (`ChunkSequencer`, `ScanTally`).
///
/// Memory stays bounded whatever the input size: at most
/// `ChunkScheduler.window(threads:)` chunks are in flight (`threads + 2` up
/// to 2 threads, `2 × threads` from 3). Rejects reach `onReject` in file order, whatever
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

  // Sendable by hand-over: the scheduler gives a worker to one chunk's task
  // at a time, and takes it back when that task ends.
  final class Worker: @unchecked Sendable {
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

  struct ChunkResult {
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
    // The workers (the first is this thread's), and the hand-over of chunks
    // to them: at most `threads` being processed, `window` in flight.
    let schema = self.schema
    let workers = (0..<options.threads).map { _ in Worker(schema: schema, consumer: makeConsumer()) }
    for w in workers { w.decoder.wholeLines = options.wholeLines }
    let scheduler = ChunkScheduler(workers: workers, chunkSize: options.chunkSize) {
      chunk, worker, seq in Self.work(chunk, worker: worker, schema: schema, seq: seq)
    }
    defer { scheduler.close() }
    // The chunks' results, added in file order as they are released.
    var tally = ScanTally()
    let onReject = self.onReject
    func deliver(_ done: ChunkScheduler.Finished) throws {
      try tally.add(done, schema: schema, onReject: onReject)
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
      let framer = try ChunkFramer(
        path: path, files: files, scheduler: scheduler, chunkSize: options.chunkSize,
        maxRecord: schema.schema.maxRecordBytes, progress: progress)
      defer { framer.release() }
      guard let firstBlock = try framer.readFirstBlock() else {
        // An empty (0-byte) file is an empty input.
        try files.verify(path)
        log(tally.addEmpty(path: path, delimiter: options.delimiter.map { Dialect.name(ofDelimiter: $0) } ?? ""))
        continue
      }
      // The file's dialect and header, from its first block.
      let (dialect, header, dataStart) = try DialectDetection.detect(
        firstBlock, path: path, stated: options.dialect,
        numberFormat: options.numberFormat ?? schema.schema.numberFormat, encoding: encodings[path],
        trimsSpaces: schema.schema.trimsSpaces)
      let layout = try mapColumns(header: header, path: path, dialect: dialect)
      if dialect.stated.isEmpty {
        log(
          "\(path): \(dialect.encoding.rawValue), delimiter \(dialect.delimiterName), \(dialect.lineEnd) line ends, \(header.count) columns"
        )
      } else {
        log("\(path): \(dialect.summary), \(dialect.lineEnd) line ends, \(header.count) columns")
      }
      var report = FileReport(
        path: path, bytes: framer.size, encoding: dialect.encoding, delimiter: dialect.delimiterName,
        lineEnd: dialect.lineEnd, read: 0, accepted: 0, rejected: 0, skippedEmpty: 0, rejectsByRule: [:])
      report.stated = dialect.stated.isEmpty ? nil : dialect.stated
      tally.begin(report, headerBytes: UnsafeRawBufferPointer(rebasing: firstBlock[0..<dataStart]))

      // The data, chunk by chunk, each to a worker; the results that are
      // next in file order added as they come.
      framer.begin(at: dataStart, layout: layout, file: fileIndex)
      while let chunk = try framer.next() {
        try scheduler.dispatch(chunk, deliver: deliver)
        try scheduler.deliverReleased(deliver)
      }
      try framer.checkComplete()
    }
    try scheduler.finish(deliver: deliver)

    try tally.checkEncodings(stated: options.dialect.encoding, known: encodings)
    let volumes = tally.volumes(schema: schema, workers: workers)
    var timing = ScanTiming()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - startTime) / 1e9
    timing.ticksPerSecond = seconds > 0 ? Double(luna_ticks() &- startTicks) / seconds : 0
    for w in workers {
      timing.ticks &+= w.chunkTicks
      timing.validateTicks &+= w.decoder.validateTicks
      timing.aggregateTicks &+= w.decoder.consumeTicks &+ w.endChunkTicks
    }
    // Records each filter stage dropped, summed over the workers.
    var filtered: [String: Int] = [:]
    for (d, name) in schema.dropNames.enumerated() {
      filtered[name] = workers.reduce(0) { $0 + $1.decoder.dropped[d] }
    }
    return ScanResult(files: tally.reports, volumes: volumes, timing: timing, notes: tally.notes, filtered: filtered)
  }

  /// Processes one chunk on `worker`: parses, validates and consumes it
  /// (or rejects the record the reader skipped as too long). An error is
  /// the result's, to be thrown when the chunk's turn comes.
  static func work(_ chunk: Chunk, worker: Worker, schema: CompiledSchema, seq: Int) -> ChunkResult {
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
    // Records out (Rows/): a consumer that hands chunks on in file order
    // learns which chunk ended, failed or not; it may stop the scan.
    if let sequenced = worker.consumer as? SequencedChunkConsumer {
      do { try sequenced.chunkEnded(seq: seq, failed: result.error != nil) } catch {
        if result.error == nil { result.error = error }
      }
    }
    return result
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
    if syntax.escape != .doubling {
      // Quotes escaped by a backslash, or not at all: what libcsv cannot
      // read, read record by record (`EscapedScan`).
      let o = EscapedScan.process(
        bytes, decoder: decoder, delimiter: delimiter, syntax: syntax, commentPrefix: chunk.layout.dialect.commentPrefix)
      if let mistake = decoder.columns.mistake { throw PipelineError.configuration(mistake) }
      worker.consumer.endChunk()
      if let hit = worker.consumer.takeLimitHit() {
        result.limit = (hit, hit.record.map { o.linesBeforeRecord[$0] } ?? o.lines)
      }
      (result.records, result.accepted) = (decoder.records, decoder.accepted)
      (result.emptyLines, result.lines) = (o.emptyLines, o.lines)
      (result.acceptedLines, result.rejectedLines) = (o.acceptedLines, o.rejectedLines)
      result.text = TextStats.of(bytes)
      for (r, span, linesBefore) in o.rejects {
        let text = UnsafeRawBufferPointer(rebasing: bytes[span])
        let raw = Transcoding.string(
          UnsafeRawBufferPointer(rebasing: text[0..<rawPrefix(text, encoding: encoding)]), encoding: encoding)
        result.rejects.append((r, chunk.fileOffset + span.lowerBound, raw, span.count, linesBefore))
      }
      return
    }
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
    // Whether the chunk holds a `\r`, and a quote: one pass for both.
    let found =
      chunk.bytesFound
      ?? luna_has_bytes(
        bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), n, 0x0D, syntax.quote ?? 0x0D,
        PlainSplitter.hasAVX2 ? 1 : 0)
    let lfOnly = chunk.regular && comments.isEmpty && found & 1 == 0
    let chunkQuoteFree = syntax.quote == nil || found & 2 == 0
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
      let quoteFree = chunkQuoteFree || (syntax.quote.map { memchr(seg.baseAddress!, Int32($0), seg.count) == nil } ?? true)
      if !irregular && quoteFree {
        // No quote at all (the common case): libcsv's records, split
        // directly. A TAB in a field is outside quotes.
        decoder.quotedTabs = false
        let ascii = decoder.splitPlain(seg, delimiter: delimiter, trims: trims)
        if ascii && a == 0 && b == n { nonASCII = false }
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
    // A closure read a column the records lack, or as what it is not.
    if let mistake = decoder.columns.mistake { throw PipelineError.configuration(mistake) }
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

  private func mapColumns(header: [String], path: String, dialect: Dialect) throws -> FileLayout {
    var columnOfField = [Int](repeating: -1, count: header.count)
    var seen: [Int: Int] = [:]
    for (i, name) in header.enumerated() {
      // Columns a stage computes are named by no header.
      guard let col = schema.schema.index(of: name), !schema.schema.columns[col].isDerived else { continue }
      if let j = seen[col] {
        throw PipelineError.input(
          "\(path): columns \(j + 1) (\"\(header[j])\") and \(i + 1) (\"\(name)\") both name \(schema.schema.columns[col].name)"
        )
      }
      seen[col] = i
      columnOfField[i] = col
    }
    let missing = schema.schema.columns.indices.filter { seen[$0] == nil && !schema.schema.columns[$0].isDerived }.map { schema.schema.columns[$0].name }
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
