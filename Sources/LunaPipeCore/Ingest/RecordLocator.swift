import Foundation

/// Finds record boundaries in raw bytes, aware of quoting, without parsing
/// fields: where a chunk may end, and where a rejected record stands.
enum RecordLocator {
  /// The length of the longest prefix of `data` that ends right after a line
  /// end outside quotes (0 if there is none). `data` must start at a record
  /// boundary. Jumps from quote to quote with `memchr`, so a block without
  /// quotes costs two scans at memory speed.
  static func lastRecordEnd(in data: UnsafeRawBufferPointer) -> Int {
    guard let base = data.baseAddress, data.count > 0 else { return 0 }
    let n = data.count
    // Forward: the stretches outside quotes. Backward: the last line end in
    // the last stretch that has one (usually within a line of the end).
    var outside: [(Int, Int)] = []
    var pos = 0
    var inQuote = false
    while pos < n {
      let q: Int
      if let p = memchr(base + pos, 0x22, n - pos) { q = base.distance(to: UnsafeRawPointer(p)) } else { q = n }
      if !inQuote && q > pos { outside.append((pos, q)) }
      if q == n { break }
      inQuote.toggle()
      pos = q + 1
    }
    let bytes = base.assumingMemoryBound(to: UInt8.self)
    for (from, to) in outside.reversed() {
      var i = to - 1
      while i >= from {
        if bytes[i] == 0x0A { return i + 1 }
        i -= 1
      }
    }
    return 0
  }

  /// The byte ranges of the records with the given 0-based ordinals (sorted
  /// ascending), counting records as libcsv does: lines that hold anything
  /// but spaces, split at `\r` or `\n` outside quotes. A range spans the
  /// record's text without its line end.
  static func locate(ordinals: [Int], in data: UnsafeRawBufferPointer) -> [Range<Int>] {
    var out: [Range<Int>] = []
    out.reserveCapacity(ordinals.count)
    var want = 0
    var ordinal = 0
    var i = 0
    let n = data.count
    while i < n && want < ordinals.count {
      // One line: [lineStart, i).
      let lineStart = i
      var inQuote = false
      var blank = true
      while i < n {
        let c = data[i]
        if c == 0x22 { inQuote.toggle() }
        if !inQuote && (c == 0x0A || c == 0x0D) { break }
        if c != 0x20 { blank = false }
        i += 1
      }
      if !blank {
        if ordinal == ordinals[want] {
          out.append(lineStart..<i)
          want += 1
        }
        ordinal += 1
      }
      i += 1  // past the line end
    }
    while out.count < ordinals.count { out.append(n..<n) }
    return out
  }
}
