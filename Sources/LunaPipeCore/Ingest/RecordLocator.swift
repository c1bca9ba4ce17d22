import Foundation

/// Finds record boundaries in raw bytes, aware of quoting, without parsing
/// fields: where a chunk may end, and where a rejected record stands.
///
/// Quotes are read exactly as libcsv reads them (non-strict), so that a
/// boundary found here is a boundary for the parser too: a `"` opens a
/// quoted field only at the start of a field (after optional spaces); in a
/// quoted field, a `"` followed by optional spaces and the delimiter or a
/// line end closes it, `""` is a quote, and a `"` followed by anything else
/// is kept as text. A `"` inside an unquoted field (`ab"cd`) is text.
enum RecordLocator {
  /// Calls `body(from, to)` for each stretch of `data` outside quoted
  /// fields, in order, until it returns false. `data` must start at a
  /// record boundary. Jumps from quote to quote with `memchr`, so a block
  /// without quotes costs one scan at memory speed.
  static func forEachUnquotedStretch(
    _ data: UnsafeRawBufferPointer, delimiter: UInt8, _ body: (Int, Int) -> Bool
  ) {
    guard let base = data.baseAddress, data.count > 0 else { return }
    let n = data.count
    let bytes = base.assumingMemoryBound(to: UInt8.self)
    // libcsv's spaces: space and TAB, or only space when TAB delimits.
    let tabIsSpace = delimiter != 9
    @inline(__always) func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c == 9 && tabIsSpace) }
    @inline(__always) func endsField(_ c: UInt8) -> Bool { c == delimiter || c == 0x0A || c == 0x0D }

    var from = 0  // start of the current unquoted stretch
    var pos = 0  // where to look for the next quote
    while pos < n {
      guard let p = memchr(base + pos, 0x22, n - pos) else { break }
      let q = base.distance(to: UnsafeRawPointer(p))
      // Does the quote start a field? Only spaces may stand between it and
      // the delimiter or line end before it (or the stretch's start, which
      // is a record boundary or a delimiter or line end).
      var k = q - 1
      while k >= from && isSpace(bytes[k]) { k -= 1 }
      guard k < from || endsField(bytes[k]) else {
        pos = q + 1  // a quote inside an unquoted field: text
        continue
      }
      if !body(from, q) { return }
      // In the quoted field: find the quote that closes it.
      var i = q + 1
      var closedAt = -1
      inside: while i < n {
        guard let p2 = memchr(base + i, 0x22, n - i) else { break }
        var j = base.distance(to: UnsafeRawPointer(p2)) + 1
        var spaces = 0
        while j < n {
          let c = bytes[j]
          if endsField(c) {
            closedAt = j
            break inside
          } else if isSpace(c) {
            spaces += 1
          } else if c == 0x22 && spaces > 0 {
            spaces = 0  // a lone quote after spaces: text, the field may still end
          } else {
            // `""`, or a quote followed by text: the field goes on.
            i = j + 1
            continue inside
          }
          j += 1
        }
        break  // the data end before it is known whether the field ended
      }
      guard closedAt >= 0 else { return }  // the rest of the data is quoted
      from = closedAt
      pos = closedAt
    }
    _ = body(from, n)
  }

  /// The length of the longest prefix of `data` that ends right after a line
  /// end outside quotes (0 if there is none): after a `\n`, or after a `\r`
  /// that is known not to be followed by `\n`. `data` must start at a record
  /// boundary.
  static func lastRecordEnd(in data: UnsafeRawBufferPointer, delimiter: UInt8) -> Int {
    guard let base = data.baseAddress, data.count > 0 else { return 0 }
    let n = data.count
    // Forward: the stretches outside quotes. Backward: the last line end in
    // the last stretch that has one (usually within a line of the end).
    var outside: [(Int, Int)] = []
    forEachUnquotedStretch(data, delimiter: delimiter) { from, to in
      if to > from { outside.append((from, to)) }
      return true
    }
    let bytes = base.assumingMemoryBound(to: UInt8.self)
    for (from, to) in outside.reversed() {
      var i = to - 1
      while i >= from {
        if bytes[i] == 0x0A { return i + 1 }
        if bytes[i] == 0x0D && i + 1 < n && bytes[i + 1] != 0x0A { return i + 1 }
        i -= 1
      }
    }
    return 0
  }

  /// The offset of the first line end outside quotes, or `data.count`.
  static func firstLineEnd(in data: UnsafeRawBufferPointer, delimiter: UInt8) -> Int {
    var end = data.count
    forEachUnquotedStretch(data, delimiter: delimiter) { from, to in
      for i in from..<to where data[i] == 0x0A || data[i] == 0x0D {
        end = i
        return false
      }
      return true
    }
    return end
  }

  /// The byte ranges of the records with the given 0-based ordinals (sorted
  /// ascending), counting records as libcsv does: lines that hold anything
  /// but spaces, split at `\r` or `\n` outside quotes. A range spans the
  /// record's text without its line end.
  static func locate(ordinals: [Int], in data: UnsafeRawBufferPointer, delimiter: UInt8) -> [Range<Int>] {
    var out: [Range<Int>] = []
    out.reserveCapacity(ordinals.count)
    let n = data.count
    let tabIsSpace = delimiter != 9
    var want = 0
    var ordinal = 0
    var lineStart = 0
    /// Counts the line [start, end); false once every ordinal is found.
    func line(_ start: Int, _ end: Int) -> Bool {
      var blank = true
      for k in start..<end {
        let c = data[k]
        if c != 0x20 && !(c == 9 && tabIsSpace) {
          blank = false
          break
        }
      }
      if !blank {
        if ordinal == ordinals[want] {
          out.append(start..<end)
          want += 1
        }
        ordinal += 1
      }
      return want < ordinals.count
    }
    if !ordinals.isEmpty {
      var more = true
      forEachUnquotedStretch(data, delimiter: delimiter) { from, to in
        for i in from..<to where data[i] == 0x0A || data[i] == 0x0D {
          more = line(lineStart, i)
          lineStart = i + 1
          if !more { return false }
        }
        return true
      }
      // The last record, without a line end (or in a quote never closed).
      if more && lineStart < n { _ = line(lineStart, n) }
    }
    while out.count < ordinals.count { out.append(n..<n) }
    return out
  }
}
