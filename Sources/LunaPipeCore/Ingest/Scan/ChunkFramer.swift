internal import CLunaShims
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

extension ParallelScan {
  // Sendable by hand-over: its buffer belongs to the one task that
  // processes it, and returns to the pool when that task ends.
  struct Chunk: @unchecked Sendable {
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
    /// What `luna_has_bytes(_, _, 13, quote)` says of the chunk when the
    /// reader looked (it may have looked at more than the chunk: a byte
    /// flagged may lie past it), nil when it did not.
    var bytesFound: Int32?
  }
}

/// Cuts one file's bytes into chunks that end at record boundaries, after
/// swift-nio's `ByteToMessageDecoder`: it reads into a buffer, hands over
/// the complete records and carries the unfinished tail over to the next
/// buffer. A chunk is at most `chunkSize` bytes (more only for a record
/// that long); a record longer than the schema allows is skipped to its
/// line end without being kept (memory stays bounded), as a chunk of its
/// first bytes to be rejected whole.
///
/// The buffers come from the scan's `ChunkScheduler`; a chunk's buffer is
/// the caller's to dispatch, the one being read stays here until
/// `release()`.
final class ChunkFramer {
  private let path: String
  private let files: InputFiles
  private let scheduler: ChunkScheduler
  private let chunkSize: Int
  private let maxRecord: Int
  private let progress: ScanProgress?
  private let fd: Int32
  /// The file's size in bytes when opened.
  let size: Int
  private var buf: UnsafeMutableRawPointer
  private var cap: Int
  /// Bytes in `buf`: read and not yet handed over from `start` on.
  private var filled = 0
  private var start = 0
  private var eof = false
  /// Bytes read from the file so far.
  private var bytesRead = 0
  /// Where `start` is in the file.
  private var fileOffset = 0
  /// After a chunk that took the buffer's records: read on before cutting
  /// the next.
  private var readPending = false
  private var file = 0
  private var layout: FileLayout?
  /// What `luna_has_bytes` found (`\r`: 1, the quote: 2) in the bytes
  /// `flagsFrom..<flagged` of `buf`: each piece is looked through as soon
  /// as it is read, while it is in the cache, not when its window is cut.
  /// A window inside that span takes these flags; they may name a byte
  /// just outside it, which only sends the window to a slower, equally
  /// exact path.
  private var flags: Int32 = 0
  private var flagsFrom = 0
  private var flagged = 0
  /// Bytes read (and looked through) at a time.
  private static let piece = 256 << 10

  /// A framer of `path`, opened through the run's files (a regular file,
  /// the very one fingerprinted before the run), with its first buffer.
  init(
    path: String, files: InputFiles, scheduler: ChunkScheduler, chunkSize: Int, maxRecord: Int,
    progress: ScanProgress?
  ) throws {
    self.path = path
    self.files = files
    self.scheduler = scheduler
    self.chunkSize = chunkSize
    self.maxRecord = maxRecord
    self.progress = progress
    fd = try files.open(path)
    var st = stat()
    fstat(fd, &st)
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
    size = Int(st.st_size)
    // The first block: encoding, delimiter, header.
    // A regular file smaller than that is read whole into a buffer its
    // size (+1, to see the end without a second read).
    var firstBlock = max(chunkSize, DialectDetection.sniffBytes)
    if (st.st_mode & S_IFMT) == S_IFREG { firstBlock = min(firstBlock, size + 1) }
    (buf, cap) = scheduler.takeBuffer(minimum: firstBlock)
  }

  /// The buffer back to the scheduler and the file closed: however the
  /// file ends, also when it fails (no header, a read error).
  func release() {
    scheduler.giveBuffer((buf, cap))
    close(fd)
  }

  /// Reads the first block (encoding, delimiter, header): its bytes, or nil
  /// for an empty (0-byte) file.
  func readFirstBlock() throws -> UnsafeRawBufferPointer? {
    filled = try readFully(into: buf, from: 0, upTo: cap)
    eof = filled < cap
    bytesRead = filled
    if filled == 0 && eof { return nil }
    // The header must end within the first block (at least 1 MiB): a file
    // without a line end that soon is not a CSV extract, and is not read
    // into memory whole to find out.
    if !eof && !containsLineEnd(buf, filled) {
      throw PipelineError.input(
        "\(path): no line end in the first \(filled) bytes: not a CSV extract (its first line, the header, ends long before)")
    }
    return UnsafeRawBufferPointer(start: buf, count: filled)
  }

  /// The data start at `dataStart` (the header dropped), read as `layout`;
  /// the chunks are of file `file` (by index).
  func begin(at dataStart: Int, layout: FileLayout, file: Int) {
    start = dataStart
    fileOffset = dataStart
    self.layout = layout
    self.file = file
    refreshFlags()
  }

  /// The next chunk, its buffer the caller's; nil at the file's end.
  func next() throws -> ParallelScan.Chunk? {
    guard let layout else { preconditionFailure("chunks asked for before the data start") }
    if readPending {
      readPending = false
      try readMore()
    }
    while true {
      // A chunk: at most `chunkSize` bytes (more only for a record that
      // long), ending right after a line end outside quotes.
      let avail = filled - start
      if avail == 0 && eof { return nil }
      var window = min(avail, chunkSize)
      var end = 0
      // Whether the chunk is known to hold regular records only (the
      // worker then need not look for irregular ones).
      var regular = false
      var bytesFound: Int32?
      if eof && window == avail {
        end = avail
      } else {
        let delimiter = layout.dialect.delimiter
        let syntax = layout.dialect.syntax
        var irregular: Int?
        // One pass for `\r` and the quote, which the worker would make
        // again: a window without a quote ends its last record at its last
        // line end (what `lastRecordEnd` finds, without its search for
        // quotes).
        let found =
          flagsFrom <= start && start + window <= flagged
          ? flags
          : luna_has_bytes(
            (buf + start).assumingMemoryBound(to: UInt8.self), window, 0x0D, syntax.quote ?? 0x0D,
            PlainSplitter.hasAVX2 ? 1 : 0)
        if syntax.escape == .doubling && (syntax.quote == nil || found & 2 == 0) {
          bytesFound = found
          end = RecordLocator.lastLineEnd(in: UnsafeRawBufferPointer(start: buf + start, count: window))
        } else {
          end = RecordLocator.lastRecordEnd(
            in: UnsafeRawBufferPointer(start: buf + start, count: window), delimiter: delimiter, maxQuoted: maxRecord,
            atEnd: eof && window == avail, syntax: syntax, irregular: &irregular)
        }
        while end == 0 && window < avail {
          bytesFound = nil
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
        let (copy, copyCap) = scheduler.takeBuffer(minimum: keep)
        copy.copyMemory(from: buf + start, byteCount: keep)
        let skipped: (length: Int, consumed: Int, read: Int, eof: Bool, rest: Int)
        do {
          skipped = try skipOversized()
        } catch {
          scheduler.giveBuffer((copy, copyCap))
          throw error
        }
        bytesRead += skipped.read
        let chunk = ParallelScan.Chunk(
          file: file, layout: layout, buffer: copy, capacity: copyCap, start: 0,
          count: keep, fileOffset: fileOffset, oversizedLength: skipped.length)
        fileOffset += skipped.consumed
        // What was read past the record's line end is at the buffer's start.
        start = 0
        filled = skipped.rest
        eof = skipped.eof
        refreshFlags()
        return chunk
      }
      if end == 0 {
        // No complete record yet: make room and read on.
        if start > 0 {
          memmove(buf, buf + start, avail)
          filled = avail
          start = 0
          refreshFlags()
        }
        try readMore()
        continue
      }
      let tail = avail - end
      if tail > chunkSize {
        // More than a chunk is left in this buffer (after a record longer
        // than a chunk, or a first block larger than one): hand over a copy
        // of the chunk and go on in this buffer. Moving the rest to a new
        // buffer instead would copy it again for every chunk and grow the
        // buffers without bound.
        let (copy, copyCap) = scheduler.takeBuffer(minimum: end)
        copy.copyMemory(from: buf + start, byteCount: end)
        let chunk = ParallelScan.Chunk(
          file: file, layout: layout, buffer: copy, capacity: copyCap, start: 0, count: end,
          fileOffset: fileOffset, regular: regular, bytesFound: bytesFound)
        fileOffset += end
        start += end
        return chunk
      }
      // Hand over [start, start+end); the rest moves to the next buffer,
      // read on before the next chunk.
      let (next, nextCap) = scheduler.takeBuffer(minimum: max(chunkSize, tail))
      if tail > 0 { next.copyMemory(from: buf + start + end, byteCount: tail) }
      let chunk = ParallelScan.Chunk(
        file: file, layout: layout, buffer: buf, capacity: cap, start: start, count: end,
        fileOffset: fileOffset, regular: regular, bytesFound: bytesFound)
      fileOffset += end
      buf = next
      cap = nextCap
      start = 0
      filled = tail
      refreshFlags()
      readPending = !eof
      return chunk
    }
  }

  /// After the last chunk: a regular file must give what it held when
  /// opened. Fewer bytes mean it was truncated while read, more that it was
  /// still being written. Appended to, rewritten in place, or renamed over,
  /// since the run opened it (`InputFiles`).
  func checkComplete() throws {
    try files.verify(path)
    if bytesRead != size {
      throw PipelineError.input(
        "\(path): the file changed while it was read (\(size) bytes when opened, \(bytesRead) read); run again on the complete file"
      )
    }
  }

  /// Reads on after `filled`, doubling the buffer first if it is full.
  private func readMore() throws {
    FaultPoint.reached("between-reads")
    if filled == cap {
      let bigger = UnsafeMutableRawPointer.allocate(byteCount: cap * 2, alignment: 64)
      bigger.copyMemory(from: buf, byteCount: filled)
      buf.deallocate()
      buf = bigger
      cap *= 2
    }
    var n = 0
    if let layout, flagged == filled {
      // In pieces, each looked through as soon as it is read.
      let quote = layout.dialect.syntax.quote ?? 0x0D
      while filled + n < cap {
        let want = min(Self.piece, cap - filled - n)
        let got = try readFully(into: buf, from: filled + n, upTo: filled + n + want)
        if got > 0 {
          flags |= luna_has_bytes(
            (buf + filled + n).assumingMemoryBound(to: UInt8.self), got, 0x0D, quote, PlainSplitter.hasAVX2 ? 1 : 0)
        }
        n += got
        flagged = filled + n
        if got < want { break }
      }
    } else {
      n = try readFully(into: buf, from: filled, upTo: cap)
    }
    filled += n
    bytesRead += n
    eof = filled < cap
  }

  /// Looks through the bytes `start..<filled` afresh (after they moved, or
  /// a new buffer took them over): the flags then cover them alone.
  private func refreshFlags() {
    guard let layout else { return }
    flags =
      filled > start
      ? luna_has_bytes(
        (buf + start).assumingMemoryBound(to: UInt8.self), filled - start, 0x0D,
        layout.dialect.syntax.quote ?? 0x0D, PlainSplitter.hasAVX2 ? 1 : 0)
      : 0
    flagsFrom = start
    flagged = filled
  }

  /// Reads past a record longer than the schema allows, from `start` in
  /// `buf`, to its first line end (`\n`, `\r\n` or `\r`), reading the file
  /// on in `buf`. Returns the record's length, the bytes consumed with the
  /// line end, the bytes read from the file, whether it ended, and how many
  /// bytes after the line end now stand at `buf`'s start.
  private func skipOversized() throws -> (length: Int, consumed: Int, read: Int, eof: Bool, rest: Int) {
    let buf = self.buf
    let capacity = cap
    var length = 0
    var read = 0
    var from = start
    var to = filled
    var eof = false
    func readOn() throws {
      let m = try readFully(into: buf, from: 0, upTo: capacity)
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

  private func containsLineEnd(_ buf: UnsafeMutableRawPointer, _ n: Int) -> Bool {
    memchr(buf, 10, n) != nil || memchr(buf, 13, n) != nil
  }

  private func readFully(into buf: UnsafeMutableRawPointer, from: Int, upTo cap: Int) throws -> Int {
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
}
