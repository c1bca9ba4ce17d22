// The tokenizer of quote-free text: what libcsv does with it, without the
// per-byte state machine and the C call per field.

internal import CLunaShims

/// Receives fields and record ends exactly as libcsv reports them to a
/// `CSVFieldSink` (fields trimmed of spaces and tabs, every unquoted line
/// end a record end, `-1` for a record the input ends without a line end).
/// A struct conforming is called directly, inlined into the splitter's loop.
protocol CSVEvents {
  mutating func field(_ bytes: UnsafeRawBufferPointer)
  mutating func endRecord(terminator: Int32)
}

/// Splits text that holds no quote character (`"`) into the events libcsv
/// (with `CSV_REPALL_NL`, fed the text and then `csv_fini`) gives for it:
/// without quotes, a field is the text between two separators (the
/// delimiter, `\r`, `\n`) trimmed of spaces and tabs at both ends, and a
/// line end with no field before it on its line is a record end of its own.
/// With `trims` false (libcsv given a space function that names no byte),
/// nothing is trimmed, and a line of spaces is a record.
/// Quoted text goes to libcsv (`CSVTokenizer`); `PlainSplitterTests` and
/// the fuzz target check the two agree on every quote-free input.
///
/// It finds the separators 64 bytes at a time (`luna_separators64`, SSE2)
/// and visits only them, so its cost is per field, not per byte.
enum PlainSplitter {
  @inline(__always)
  static func split<S: CSVEvents>(
    _ bytes: UnsafeRawBufferPointer, delimiter: UInt8, trims: Bool = true, into sink: inout S
  ) {
    let n = bytes.count
    guard n > 0, let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
    var fieldStart = 0
    // A field of the current record was delivered (libcsv's states
    // FIELD_NOT_BEGUN and FIELD_BEGUN rather than ROW_NOT_BEGUN).
    var rowBegun = false

    @inline(__always) func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
    /// The field ending at the separator `s` (or the end), trimmed.
    @inline(__always) func trimmed(_ s: Int) -> UnsafeRawBufferPointer {
      var lo = fieldStart
      var hi = s
      if trims && lo < hi && (isSpace(base[lo]) || isSpace(base[hi &- 1])) {
        while lo < hi && isSpace(base[lo]) { lo &+= 1 }
        while hi > lo && isSpace(base[hi &- 1]) { hi &-= 1 }
      }
      return UnsafeRawBufferPointer(start: base + lo, count: hi &- lo)
    }
    @inline(__always) func separator(_ s: Int) {
      let c = base[s]
      let f = trimmed(s)
      if c == delimiter {
        sink.field(f)
        rowBegun = true
      } else {
        // A line end: a blank line (only spaces) is a record end alone.
        if rowBegun || f.count > 0 { sink.field(f) }
        sink.endRecord(terminator: Int32(c))
        rowBegun = false
      }
      fieldStart = s &+ 1
    }

    var block = 0
    while block &+ 64 <= n {
      var mask = luna_separators64(base + block, delimiter)
      while mask != 0 {
        separator(block &+ mask.trailingZeroBitCount)
        mask &= mask &- 1
      }
      block &+= 64
    }
    if block < n {
      // The last bytes, through a zero-padded copy: never read past the end.
      withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { tmp in
        let rest = n &- block
        tmp.initialize(repeating: 0)
        UnsafeMutableRawPointer(tmp.baseAddress!).copyMemory(from: base + block, byteCount: rest)
        var mask = luna_separators64(tmp.baseAddress!, delimiter) & ((1 << UInt64(rest)) &- 1)
        while mask != 0 {
          separator(block &+ mask.trailingZeroBitCount)
          mask &= mask &- 1
        }
      }
    }
    // The input ends within a record (libcsv's `csv_fini`).
    if fieldStart < n || rowBegun {
      let f = trimmed(n)
      if rowBegun || f.count > 0 {
        sink.field(f)
        sink.endRecord(terminator: -1)
      }
    }
  }
}

extension PlainSplitter {
  /// Whether the CPU classifies 32 bytes a compare (`luna_classify64_avx2`).
  static let hasAVX2 = luna_has_avx2() != 0

  /// `split` into a decoder, a line at a time: a line with the decoder's
  /// field count, no space or TAB to trim and not too long goes to
  /// `DecoderState.fastRecord` whole (its fields decoded in one loop,
  /// short ones through the field caches); any other line, and the last
  /// if no line end ends it, is split field by field by `split`. Lines are
  /// independent in quote-free text, so the events are `split`'s exactly.
  ///
  /// Returns whether `bytes` are known to be ASCII only (no byte above
  /// 0x7F): then their `TextStats` are empty.
  static func splitRecords(
    _ bytes: UnsafeRawBufferPointer, delimiter: UInt8, trims: Bool, into state: inout DecoderState
  ) -> Bool {
    let n = bytes.count
    guard n > 0, let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return true }
    let fieldCount = state.fastFieldCount
    if fieldCount == 0 {
      split(bytes, delimiter: delimiter, trims: trims, into: &state)
      return false
    }
    let ends = state.fieldEnds
    let maxLine = state.fastLineLimit
    let avx2 = hasAVX2
    var lineStart = 0
    var k = 0
    // The last space or TAB before the separator in hand (-1: none).
    var lastBlank = -1
    var high: UInt64 = 0
    var block = 0
    /// Notes the delimiters `d` of the line in hand. `ends` has room for
    /// `fieldCount` + 65: a line with more delimiters than fields goes
    /// field by field whatever their places, so `k` is held at
    /// `fieldCount` before each block's (at most 64) are noted, not at
    /// each delimiter.
    @inline(__always) func delimiters(_ d: UInt64, _ block: Int) {
      var d = d
      if k > fieldCount { k = fieldCount }
      while d != 0 {
        ends[k] = block &+ d.trailingZeroBitCount
        k &+= 1
        d &= d &- 1
      }
    }
    while block &+ 64 <= n {
      var lineEnds: UInt64 = 0
      var blanks: UInt64 = 0
      var h: UInt64 = 0
      var delims =
        avx2
        ? luna_classify64_avx2(base + block, delimiter, &lineEnds, &blanks, &h)
        : luna_classify64(base + block, delimiter, &lineEnds, &blanks, &h)
      high |= h
      if !trims { blanks = 0 }
      while lineEnds != 0 {
        let bit = lineEnds.trailingZeroBitCount
        lineEnds &= lineEnds &- 1
        let below: UInt64 = (1 << UInt64(truncatingIfNeeded: bit)) &- 1
        delimiters(delims & below, block)
        delims &= ~below
        let s = block &+ bit
        let before = blanks & below
        let blank = before != 0 ? block &+ 63 &- before.leadingZeroBitCount : lastBlank
        // The field caches read two words at each field's start: a line
        // ending within 16 bytes of the end goes field by field.
        if k &+ 1 == fieldCount && blank < lineStart && s &- lineStart <= maxLine && (s > lineStart || k > 0)
          && s &+ 16 <= n
        {
          ends[k] = s
          state.fastRecord(base, lineStart, s, terminator: Int32(base[s]))
        } else {
          split(
            UnsafeRawBufferPointer(start: base + lineStart, count: s &+ 1 &- lineStart), delimiter: delimiter,
            trims: trims, into: &state)
        }
        lineStart = s &+ 1
        k = 0
      }
      delimiters(delims, block)
      if blanks != 0 { lastBlank = block &+ 63 &- blanks.leadingZeroBitCount }
      block &+= 64
    }
    if lineStart < n {
      split(
        UnsafeRawBufferPointer(start: base + lineStart, count: n &- lineStart), delimiter: delimiter, trims: trims,
        into: &state)
    }
    var rest: UInt8 = 0
    while block < n {
      rest |= base[block]
      block &+= 1
    }
    return high == 0 && rest & 0x80 == 0
  }
}

/// One record's fields (its bytes, without the line end) split by
/// `PlainSplitter`: for text with no quoting (`CSVDialect.Quote.none`). The
/// fields are views of `bytes`.
enum PlainFields {
  private struct Collect: CSVEvents {
    var fields: [UnsafeRawBufferPointer] = []
    mutating func field(_ bytes: UnsafeRawBufferPointer) { fields.append(bytes) }
    mutating func endRecord(terminator: Int32) {}
  }

  static func split(_ bytes: UnsafeRawBufferPointer, delimiter: UInt8, trims: Bool) -> [UnsafeRawBufferPointer] {
    var c = Collect()
    PlainSplitter.split(bytes, delimiter: delimiter, trims: trims, into: &c)
    return c.fields
  }
}
