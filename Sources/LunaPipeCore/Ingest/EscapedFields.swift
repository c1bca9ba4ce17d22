/// One record's fields (its bytes, without the line end) where quotes are
/// escaped by a backslash, or not at all: what libcsv cannot read (it
/// always takes `""` as a quote). Read as Python's `csv` module reads them
/// (`doublequote=False`, `escapechar` the backslash or none): a quote opens
/// a quoted field at its start only; inside it, the next quote closes it,
/// and text after the closing quote belongs to the field; a backslash makes
/// the next byte text, inside quotes and out. For small files only
/// (`TextRecords`): a byte at a time.
enum EscapedFields {
  /// The records of `data` (from a record boundary): each one's range
  /// without its line end (`\n`, `\r\n` or `\r` outside quotes), read as
  /// `split` reads fields; a quote left open runs to the end.
  static func records(_ data: UnsafeRawBufferPointer, delimiter: UInt8, quote: UInt8, backslash: Bool, trims: Bool)
    -> [Range<Int>]
  {
    var out: [Range<Int>] = []
    var start = 0
    forEachLineEnd(data, delimiter: delimiter, quote: quote, backslash: backslash, trims: trims) { end, next in
      out.append(start..<end)
      start = next
      return true
    }
    if start < data.count { out.append(start..<data.count) }
    return out
  }

  /// The offset after the last line end of `data` (from a record
  /// boundary) outside quotes, as `records` reads them, or 0: where a chunk
  /// of the scan may end. A CR as the last byte may be the first half of a
  /// CRLF: no end yet. `quote` nil: nothing is quoted.
  static func lastRecordEnd(
    _ data: UnsafeRawBufferPointer, delimiter: UInt8, quote: UInt8?, backslash: Bool, trims: Bool
  ) -> Int {
    var last = 0
    // No quote: a line end stands for it, which never opens a field.
    forEachLineEnd(data, delimiter: delimiter, quote: quote ?? 0x0A, backslash: backslash, trims: trims) { end, next in
      if data[end] == 0x0D && next == data.count { return false }
      last = next
      return true
    }
    return last
  }

  /// Calls `body(end, next)` for each line end outside quotes, in order:
  /// where it is and where the next record starts, until `body` returns
  /// false.
  private static func forEachLineEnd(
    _ data: UnsafeRawBufferPointer, delimiter: UInt8, quote: UInt8, backslash: Bool, trims: Bool,
    _ body: (Int, Int) -> Bool
  ) {
    let n = data.count
    var quoted = false
    var fieldStart = true  // only spaces since the last delimiter or line end
    var k = 0
    while k < n {
      let c = data[k]
      if backslash && c == 0x5C {
        k += 2
        fieldStart = false
        continue
      }
      if quoted {
        if c == quote { quoted = false }
      } else if c == 0x0A || c == 0x0D {
        let next = k + (c == 0x0D && k + 1 < n && data[k + 1] == 0x0A ? 2 : 1)
        if !body(k, next) { return }
        k = next
        fieldStart = true
        continue
      } else if c == delimiter {
        fieldStart = true
      } else if c == quote && fieldStart {
        quoted = true
        fieldStart = false
      } else if !(trims && (c == 0x20 || c == 0x09)) {
        fieldStart = false
      }
      k += 1
    }
  }

  static func split(
    _ bytes: UnsafeRawBufferPointer, delimiter: UInt8, quote: UInt8, backslash: Bool, trims: Bool
  ) -> [[UInt8]] {
    splitMarked(bytes, delimiter: delimiter, quote: quote, backslash: backslash, trims: trims).map(\.bytes)
  }

  /// `split`, with whether each field was quoted.
  static func splitMarked(
    _ bytes: UnsafeRawBufferPointer, delimiter: UInt8, quote: UInt8, backslash: Bool, trims: Bool
  ) -> [(bytes: [UInt8], quoted: Bool)] {
    var fields: [(bytes: [UInt8], quoted: Bool)] = []
    var field: [UInt8] = []
    var quoted = false  // inside a quoted field
    var wasQuoted = false  // the field began with a quote
    var escaped = false
    var atStart = true
    @inline(__always) func isSpace(_ c: UInt8) -> Bool { (c == 0x20 || c == 0x09) && c != delimiter }
    func end() {
      if trims && !wasQuoted {
        var lo = 0
        var hi = field.count
        while lo < hi && isSpace(field[lo]) { lo += 1 }
        while hi > lo && isSpace(field[hi - 1]) { hi -= 1 }
        field = Array(field[lo..<hi])
      }
      fields.append((field, wasQuoted))
      field = []
      wasQuoted = false
      atStart = true
    }
    for c in bytes {
      if escaped {
        field.append(c)
        escaped = false
        atStart = false
        continue
      }
      if backslash && c == 0x5C {
        escaped = true
        continue
      }
      if quoted {
        if c == quote { quoted = false } else { field.append(c) }
        continue
      }
      if c == delimiter {
        end()
      } else if c == quote && atStart && field.allSatisfy({ trims && isSpace($0) }) {
        field = []
        quoted = true
        wasQuoted = true
        atStart = false
      } else {
        field.append(c)
        if !(trims && isSpace(c)) { atStart = false }
      }
    }
    if escaped { field.append(0x5C) }
    end()
    return fields
  }
}
