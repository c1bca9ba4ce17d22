import Dispatch
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A consumer of records that works chunk by chunk: `endChunk` hands what it
/// gathered to the shared result (under whatever lock that needs).
public protocol ChunkConsumer: RecordConsumer {
  func endChunk()
}

/// How a scan reads its files.
public struct ScanOptions: Sendable {
  /// Worker threads (Dispatch) that parse, validate and aggregate chunks.
  public var threads: Int
  /// Bytes read per chunk; a chunk always ends at a record boundary.
  public var chunkSize: Int
  /// A fixed delimiter, or nil to detect it from each file's header.
  public var delimiter: UInt8?
  public var numberFormat: NumberFormat

  public init(threads: Int = 2, chunkSize: Int = 8 << 20, delimiter: UInt8? = nil, numberFormat: NumberFormat = .danish) {
    self.threads = max(1, threads)
    self.chunkSize = max(1 << 10, chunkSize)
    self.delimiter = delimiter
    self.numberFormat = numberFormat
  }
}

/// What a scan found in one input file. `read == accepted + rejected +
/// skippedEmpty` always holds.
public struct FileReport: Sendable, Codable, Equatable {
  public var path: String
  public var bytes: Int
  public var encoding: TextEncoding
  public var delimiter: String
  public var lineEnd: String
  public var read: Int
  public var accepted: Int
  public var rejected: Int
  public var skippedEmpty: Int
  public var rejectsByRule: [String: Int]
}

/// A rejected record, ready to be written: where it is and what it broke.
public struct RejectedRecord: Sendable {
  public var file: String
  /// Record number in the file, the header being record 1.
  public var record: Int
  public var byteOffset: Int
  public var column: String
  public var rule: String
  /// The record's text as it stands in the file, in UTF-8.
  public var raw: String
}

/// Reads CSV files in chunks that end at record boundaries, and has
/// `threads` Dispatch workers parse (libcsv), validate and consume them.
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

  init(
    schema: Schema, options: ScanOptions, makeConsumer: @escaping () -> ChunkConsumer,
    onReject: @escaping (RejectedRecord) throws -> Void, log: @escaping (String) -> Void,
    progress: ScanProgress? = nil
  ) {
    self.progress = progress
    self.schema = CompiledSchema(schema)
    self.options = options
    self.makeConsumer = makeConsumer
    self.onReject = onReject
    self.log = log
  }

  // MARK: Workers

  private final class Worker {
    let consumer: ChunkConsumer
    let decoder: RecordDecoder
    var tokenizers: [UInt8: CSVTokenizer] = [:]
    init(schema: CompiledSchema, consumer: ChunkConsumer) {
      self.consumer = consumer
      decoder = RecordDecoder(schema: schema, consumer: consumer)
    }
    func tokenizer(_ delimiter: UInt8) throws -> CSVTokenizer {
      if let t = tokenizers[delimiter] { return t }
      let t = try CSVTokenizer(delimiter: delimiter)
      tokenizers[delimiter] = t
      return t
    }
  }

  private struct ChunkResult {
    var records = 0
    var accepted = 0
    var emptyLines = 0
    var rejects: [(ChunkReject, offset: Int, raw: String)] = []
    var error: Error?
  }

  private struct Chunk {
    var file: Int
    var layout: FileLayout
    var buffer: UnsafeMutableRawPointer
    var capacity: Int
    var start: Int
    var count: Int
    var fileOffset: Int
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

  /// Scans `paths` in order. Returns one report per file.
  func run(paths: [String]) throws -> [FileReport] {
    try schema.validateRules()
    let threads = options.threads
    let pool = Pool(workers: (0..<threads).map { _ in Worker(schema: schema, consumer: makeConsumer()) })
    let slots = DispatchSemaphore(value: threads)
    let group = DispatchGroup()
    let queue = DispatchQueue.global(qos: .userInitiated)
    var nextToFlush = 0
    var seq = 0
    var reports: [FileReport] = []
    var fileOfSeq: [Int: Int] = [:]
    var recordsBefore: [Int] = []  // per file, records flushed so far

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
        for (reject, offset, raw) in r.rejects {
          let name = schema.ruleName(reject.rule)
          reports[f].rejectsByRule[name, default: 0] += 1
          try onReject(
            RejectedRecord(
              file: reports[f].path, record: recordsBefore[f] + reject.ordinal + 2,
              byteOffset: offset, column: schema.columnName(reject.column, rule: reject.rule),
              rule: name, raw: raw))
        }
        recordsBefore[f] += r.records
        reports[f].read += r.records + r.emptyLines
        reports[f].accepted += r.accepted
        reports[f].rejected += r.rejects.count
        reports[f].skippedEmpty += r.emptyLines
        nextToFlush += 1
      }
    }

    func dispatch(_ chunk: Chunk, seq: Int) {
      slots.wait()
      let worker = pool.takeWorker()
      queue.async(group: group) {
        var result = ChunkResult()
        do {
          let bytes = UnsafeRawBufferPointer(start: chunk.buffer + chunk.start, count: chunk.count)
          let tokenizer = try worker.tokenizer(chunk.layout.dialect.delimiter)
          worker.decoder.begin(layout: chunk.layout)
          let callbacks = worker.decoder.callbacks
          try tokenizer.parse(bytes, callbacks)
          // Chunks end outside quotes: a quote still open here runs to the
          // end of the file, and its record is cut off.
          if tokenizer.inQuotedField { worker.decoder.markUnterminatedQuote() }
          try tokenizer.finish(callbacks)
          worker.consumer.endChunk()
          let d = worker.decoder
          result.records = d.records
          result.accepted = d.accepted
          result.emptyLines = d.emptyLines
          if !d.rejects.isEmpty {
            let located = RecordLocator.locate(
              ordinals: d.rejects.map(\.ordinal), in: bytes, delimiter: chunk.layout.dialect.delimiter)
            for (reject, span) in zip(d.rejects, located) {
              let raw = Transcoding.string(
                UnsafeRawBufferPointer(rebasing: bytes[span]), encoding: chunk.layout.dialect.encoding)
              result.rejects.append((reject, chunk.fileOffset + span.lowerBound, raw))
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
      let fd = open(path, O_RDONLY)
      guard fd >= 0 else {
        throw PipelineError.input("\(path): cannot open (\(String(cString: strerror(errno))))")
      }
      defer { close(fd) }
      var st = stat()
      fstat(fd, &st)
      if (st.st_mode & S_IFMT) == S_IFDIR {
        throw PipelineError.input("\(path): is a directory, not a file")
      }
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
      // The header must end within the first block (at least 1 MiB): a file
      // without a line end that soon is not a CSV extract, and is not read
      // into memory whole to find out.
      if !eof && !containsLineEnd(buf, filled) {
        throw PipelineError.input(
          "\(path): no line end in the first \(filled) bytes: not a CSV extract (its first line, the header, ends long before)")
      }
      let (dialect, header, dataStart) = try DialectDetection.detect(
        UnsafeRawBufferPointer(start: buf, count: min(filled, max(DialectDetection.sniffBytes, filled))),
        path: path, delimiter: options.delimiter, numberFormat: options.numberFormat)
      let layout = try mapColumns(header: header, path: path, dialect: dialect)
      log(
        "\(path): \(dialect.encoding.rawValue), delimiter \(dialect.delimiterName), \(dialect.lineEnd) line ends, \(header.count) columns"
      )
      reports.append(
        FileReport(
          path: path, bytes: Int(st.st_size), encoding: dialect.encoding, delimiter: dialect.delimiterName,
          lineEnd: dialect.lineEnd, read: 0, accepted: 0, rejected: 0, skippedEmpty: 0, rejectsByRule: [:]))
      recordsBefore.append(0)

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
        if eof && window == avail {
          end = avail
        } else {
          let delimiter = layout.dialect.delimiter
          end = RecordLocator.lastRecordEnd(in: UnsafeRawBufferPointer(start: buf + start, count: window), delimiter: delimiter)
          while end == 0 && window < avail {
            window = min(avail, window * 2)
            end = RecordLocator.lastRecordEnd(
              in: UnsafeRawBufferPointer(start: buf + start, count: window), delimiter: delimiter)
          }
          if end == 0 && eof { end = avail }
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
          dispatch(
            Chunk(
              file: fileIndex, layout: layout, buffer: copy, capacity: copyCap, start: 0, count: end,
              fileOffset: fileOffset),
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
        dispatch(
          Chunk(
            file: fileIndex, layout: layout, buffer: buf, capacity: cap, start: start, count: end,
            fileOffset: fileOffset),
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
      if (st.st_mode & S_IFMT) == S_IFREG && bytesRead != Int(st.st_size) {
        throw PipelineError.input(
          "\(path): the file changed while it was read (\(st.st_size) bytes when opened, \(bytesRead) read); run again on the complete file"
        )
      }
    }
    group.wait()
    try flush()
    return reports
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
      var shown = header.joined(separator: dialect.delimiterName == "TAB" ? "\t" : dialect.delimiterName)
      if shown.count > 300 { shown = shown.prefix(300) + "…" }
      shown = String(String.UnicodeScalarView(shown.unicodeScalars.map { $0.value < 0x20 && $0 != "\t" || (0x7F...0x9F).contains($0.value) ? "?" : $0 }))
      let hint = seen.isEmpty ? ": is the header missing, or is this another kind of file?" : ""
      throw PipelineError.input(
        "\(path): missing column\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", ")) (header: \(shown); detected \(dialect.encoding.rawValue), delimiter \(dialect.delimiterName))\(hint)"
      )
    }
    return FileLayout(dialect: dialect, header: header, dataStart: 0, columnOfField: columnOfField)
  }
}
