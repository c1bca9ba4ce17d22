import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// One input file's rejected records as kept between runs, without the
/// file's path (a renamed file keeps its rejects): blocks of encoded
/// records, each with its length and checksum, then an empty block and
/// the number of records.
enum RejectsFile {
  static let magic = Array("LPREJEC1".utf8)

  /// Writes rejects as they come, in blocks of about 1 MiB.
  final class Writer {
    private let file: UnsafeMutablePointer<FILE>
    let path: String
    private var block = StateWriter(reserving: 1 << 20)
    private(set) var count = 0

    init(path: String) throws {
      self.path = path
      guard let f = fopen(path, "w+b") else {
        throw PipelineError.output("cannot write \(path): \(String(cString: strerror(errno)))")
      }
      file = f
      try put(magic)
    }

    deinit { fclose(file) }

    private func put(_ bytes: [UInt8]) throws {
      guard bytes.isEmpty || fwrite(bytes, 1, bytes.count, file) == bytes.count else {
        throw PipelineError.output("cannot write \(path): \(String(cString: strerror(errno)))")
      }
    }

    func add(_ r: RejectedRecord) throws {
      block.varint(r.record)
      block.varint(r.byteOffset)
      block.text(r.column)
      block.text(r.rule)
      block.text(r.raw)
      block.varint(r.line)
      block.varint(r.length)
      count += 1
      if block.bytes.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
      guard !block.bytes.isEmpty else { return }
      var head = StateWriter(reserving: 24)
      head.varint(block.bytes.count)
      try put(head.bytes)
      block.finish()
      try put(block.bytes)
      block = StateWriter(reserving: 1 << 20)
    }

    /// Drops everything added: the file is read again.
    func reset() throws {
      block = StateWriter(reserving: 1 << 20)
      count = 0
      fflush(file)
      guard ftruncate(fileno(file), Int(magic.count)) == 0, fseek(file, Int(magic.count), SEEK_SET) == 0 else {
        throw PipelineError.output("cannot rewrite \(path): \(String(cString: strerror(errno)))")
      }
    }

    /// Ends the file (the empty block, the count) and moves it to `target`.
    func finish(as target: String) throws {
      try flush()
      var end = StateWriter(reserving: 16)
      end.varint(0)
      end.u64(UInt64(count))
      try put(end.bytes)
      guard fflush(file) == 0 else { throw PipelineError.output("cannot write \(path)") }
      guard rename(path, target) == 0 else {
        throw PipelineError.output("cannot rename \(path) to \(target): \(String(cString: strerror(errno)))")
      }
    }
  }

  /// Reads the rejects at `path`, block by block, each checked before any
  /// of its records is given to `body`; with `body` nil, only checks. Gives
  /// the number of records.
  ///
  /// - Throws: `StateDamaged` when the file is not as written.
  @discardableResult
  static func read(_ path: String, file: String, _ body: ((RejectedRecord) throws -> Void)?) throws -> Int {
    guard let f = fopen(path, "rb") else { throw StateDamaged("missing") }
    defer { fclose(f) }
    var head = [UInt8](repeating: 0, count: magic.count)
    guard fread(&head, 1, head.count, f) == head.count, head == magic else { throw StateDamaged("not a rejects file") }
    func varint() throws -> Int {
      var v = 0
      var shift = 0
      while true {
        let c = fgetc(f)
        guard c >= 0, shift < 63 else { throw StateDamaged("ends early") }
        v |= Int(c & 0x7F) << shift
        if c < 0x80 { return v }
        shift += 7
      }
    }
    var count = 0
    var block: [UInt8] = []
    while true {
      let n = try varint()
      if n == 0 {
        var tail = [UInt8](repeating: 0, count: 8)
        guard fread(&tail, 1, 8, f) == 8 else { throw StateDamaged("ends early") }
        let stated = tail.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard stated == UInt64(count), fgetc(f) < 0 else { throw StateDamaged("holds other than it says") }
        return count
      }
      guard n < 1 << 30 else { throw StateDamaged("a block too large") }
      block = [UInt8](repeating: 0, count: n + 8)
      guard fread(&block, 1, n + 8, f) == n + 8 else { throw StateDamaged("ends early") }
      let sum = block.withUnsafeBytes { StateChecksum.of(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
      let stored = block.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: n, as: UInt64.self)) }
      guard sum == stored else { throw StateDamaged("a block's checksum differs") }
      try block.withUnsafeBytes { raw in
        var r = StateReader(UnsafeRawBufferPointer(rebasing: raw[0..<n]))
        while !r.atEnd {
          let record = RejectedRecord(
            file: file, record: Int(try r.varint()), byteOffset: Int(try r.varint()), column: try r.text(),
            rule: try r.text(), raw: try r.text(), line: Int(try r.varint()), length: Int(try r.varint()))
          count += 1
          try body?(record)
        }
      }
    }
  }
}
