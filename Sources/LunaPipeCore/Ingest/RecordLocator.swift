import Foundation

/// Finds record boundaries in raw bytes, aware of quoting, without parsing
/// fields: where a chunk may end, which records need care, and where a
/// rejected record stands.
///
/// Quotes are read exactly as libcsv reads them (non-strict), so that a
/// boundary found here is a boundary for the parser too: a `"` opens a
/// quoted field only at the start of a field (after optional spaces); in a
/// quoted field, a `"` followed by optional spaces and the delimiter or a
/// line end closes it, `""` is a quote, and a `"` followed by anything else
/// is kept as text. A `"` inside an unquoted field (`ab"cd`) is text.
///
/// One difference, so that a damaged record costs that record only: a
/// quote whose field does not close within `maxQuoted` bytes (or before the
/// end of the data, when the data is known to end there) is *stray*. It
/// opens nothing: the record holding it ends at the first line end after
/// it, and is rejected whole (`unterminated-quote`) without reaching libcsv,
/// so the records after it read as usual.
enum RecordLocator {
  /// The quoting and trimming the records are written with (libcsv's
  /// settings, `CSVTokenizer`): `"` and trimming by default.
  struct Syntax: Equatable {
    /// The quote character, nil when nothing is quoted.
    var quote: UInt8? = 0x22
    /// Spaces around unquoted fields are trimmed (libcsv's default).
    var trims = true
    /// How a quote is escaped in a quoted field: doubled (libcsv's way, and
    /// this locator's), or by a backslash or not at all, which the scan
    /// reads with `EscapedFields` instead.
    var escape = CSVDialect.Escape.doubling
  }

  /// The bytes libcsv takes as spaces (around unquoted fields, and between
  /// a closing quote and the delimiter): space and TAB less the delimiter,
  /// none when nothing is trimmed.
  struct Spaces {
    let space: Bool
    let tab: Bool
    init(delimiter: UInt8, trims: Bool) {
      space = trims && delimiter != 0x20
      tab = trims && delimiter != 9
    }
    @inline(__always) func contains(_ c: UInt8) -> Bool { (c == 0x20 && space) || (c == 9 && tab) }
  }

  /// What the scan of `forEachUnquotedStretch` meets besides unquoted text.
  enum Quote {
    /// A quoted field from its opening quote to the byte after its closing
    /// quote; `lineBreak` when it holds a `\r` or `\n`.
    case closed(open: Int, end: Int, lineBreak: Bool)
    /// A quote that opened a field that never closed (within the bound).
    case stray(at: Int)
  }

  /// Calls `body(from, to)` for each stretch of `data` outside quoted
  /// fields, in order, and `quote` for each quoted field or stray quote
  /// between them, until one returns false. `data` must start at a record
  /// boundary. Jumps from quote to quote with `memchr`, so a block without
  /// quotes costs one scan at memory speed.
  ///
  /// - Parameters:
  ///   - maxQuoted: a quoted field longer than this is stray.
  ///   - atEnd: the data end where the input ends (a chunk, a file); a
  ///     field still open there is stray. Otherwise the scan stops before
  ///     a field whose end is not yet known.
  static func forEachUnquotedStretch(
    _ data: UnsafeRawBufferPointer, delimiter: UInt8, maxQuoted: Int = .max, atEnd: Bool = false,
    syntax: Syntax = Syntax(), quote: (Quote) -> Bool = { _ in true }, _ body: (Int, Int) -> Bool
  ) {
    guard let base = data.baseAddress, data.count > 0 else { return }
    let n = data.count
    guard let qc = syntax.quote else {
      _ = body(0, n)  // no quoting: all of it is outside quotes
      return
    }
    let bytes = base.assumingMemoryBound(to: UInt8.self)
    // libcsv's spaces: space and TAB, less the delimiter; none when
    // nothing is trimmed.
    let spaces = Spaces(delimiter: delimiter, trims: syntax.trims)
    @inline(__always) func isSpace(_ c: UInt8) -> Bool { spaces.contains(c) }
    @inline(__always) func endsField(_ c: UInt8) -> Bool { c == delimiter || c == 0x0A || c == 0x0D }

    var from = 0  // start of the current unquoted stretch
    var pos = 0  // where to look for the next quote
    while pos < n {
      guard let p = memchr(base + pos, Int32(qc), n - pos) else { break }
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
      // In the quoted field: find the quote that closes it, within the
      // bound.
      let limit = maxQuoted >= n - q - 1 ? n : q + 1 + maxQuoted
      var i = q + 1
      var closedAt = -1
      var undecided = false
      inside: while i < limit {
        guard let p2 = memchr(base + i, Int32(qc), limit - i) else { break }
        var j = base.distance(to: UnsafeRawPointer(p2)) + 1
        var spacesSeen = 0
        while j < n {
          let c = bytes[j]
          if endsField(c) {
            closedAt = j
            break inside
          } else if isSpace(c) {
            spacesSeen += 1
          } else if c == qc && spacesSeen > 0 {
            spacesSeen = 0  // a lone quote after spaces: text, the field may still end
          } else {
            // `""`, or a quote followed by text: the field goes on.
            i = j + 1
            continue inside
          }
          j += 1
        }
        // The data end right after a closing quote: closed at the end of
        // the input, or not yet known.
        if atEnd { closedAt = n } else { undecided = true }
        break
      }
      if closedAt < 0 && !undecided && limit == n && !atEnd { undecided = true }
      if undecided { return }  // the rest of the data may still be quoted
      if !body(from, q) { return }
      if closedAt < 0 {
        // Stray: the quote is text, the scan goes on after it.
        if !quote(.stray(at: q)) { return }
        from = q
        pos = q + 1
        continue
      }
      // Most quoted fields are short: a loop beats two `memchr` calls.
      var lineBreak = false
      let inner = closedAt - q - 1
      if inner > 64 {
        lineBreak = memchr(base + q + 1, 0x0A, inner) != nil || memchr(base + q + 1, 0x0D, inner) != nil
      } else {
        var k = q + 1
        while k < closedAt {
          let c = bytes[k]
          if c == 0x0A || c == 0x0D {
            lineBreak = true
            break
          }
          k += 1
        }
      }
      if !quote(.closed(open: q, end: closedAt, lineBreak: lineBreak)) { return }
      from = closedAt
      pos = closedAt
    }
    _ = body(from, n)
  }

  /// The length of the longest prefix of `data` that ends right after a line
  /// end outside quotes (0 if there is none): after a `\n`, or after a `\r`
  /// that is known not to be followed by `\n`. `data` must start at a record
  /// boundary.
  ///
  /// `irregular` is set to the offset of the first quote that makes a
  /// record irregular (see `firstIrregular`), if the scan met one: a chunk
  /// ending before it holds regular records only.
  static func lastRecordEnd(
    in data: UnsafeRawBufferPointer, delimiter: UInt8, maxQuoted: Int = .max, atEnd: Bool = false,
    syntax: Syntax = Syntax(), irregular: inout Int?
  ) -> Int {
    irregular = nil
    if syntax.escape != .doubling {
      return EscapedFields.lastRecordEnd(
        data, delimiter: delimiter, quote: syntax.quote, backslash: syntax.escape == .backslash, trims: syntax.trims)
    }
    guard let base = data.baseAddress, data.count > 0 else { return 0 }
    let n = data.count
    // Forward: the stretches outside quotes. Backward: the last line end in
    // the last stretch that has one (usually within a line of the end).
    var outside: [(Int, Int)] = []
    var first: Int?
    forEachUnquotedStretch(
      data, delimiter: delimiter, maxQuoted: maxQuoted, atEnd: atEnd, syntax: syntax,
      quote: { q in
        if first == nil {
          switch q {
          case .closed(let open, _, let lineBreak): if lineBreak { first = open }
          case .stray(let at): first = at
          }
        }
        return true
      }
    ) { from, to in
      if to > from { outside.append((from, to)) }
      return true
    }
    irregular = first
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

  /// `lastRecordEnd` of text with no quote character: after its last line
  /// end (a `\r` counts only when the byte after it is in `data` and is
  /// no `\n`), or 0 when it has none.
  static func lastLineEnd(in data: UnsafeRawBufferPointer) -> Int {
    let n = data.count
    var i = n - 1
    while i >= 0 {
      if data[i] == 0x0A { return i + 1 }
      if data[i] == 0x0D && i + 1 < n && data[i + 1] != 0x0A { return i + 1 }
      i -= 1
    }
    return 0
  }

  /// The offset of the first line end outside quotes, or `data.count`.
  static func firstLineEnd(
    in data: UnsafeRawBufferPointer, delimiter: UInt8, maxQuoted: Int = .max, syntax: Syntax = Syntax()
  ) -> Int {
    var end = data.count
    forEachUnquotedStretch(data, delimiter: delimiter, maxQuoted: maxQuoted, atEnd: true, syntax: syntax) { from, to in
      for i in from..<to where data[i] == 0x0A || data[i] == 0x0D {
        end = i
        return false
      }
      return true
    }
    return end
  }

  /// A record that libcsv alone cannot be trusted with: one holding a
  /// quoted line break (it may be a legitimate multi-line field, or a
  /// stray quote closed by another one lines later), or a stray quote.
  struct Irregular: Equatable {
    /// The record's first byte.
    var start: Int
    /// Its text's end, before its line end.
    var contentEnd: Int
    /// After its line end (the next record's start).
    var end: Int
    /// The record holds a stray quote.
    var stray: Bool
  }

  /// The first irregular record of `data` (which starts at a record
  /// boundary and ends where the input of the scan ends), or nil. Costs one
  /// `memchr` for a block without quotes, and a jump from quote to quote
  /// otherwise: no byte is looked at one by one before the first irregular
  /// quote.
  static func firstIrregular(
    in data: UnsafeRawBufferPointer, delimiter: UInt8, maxQuoted: Int, syntax: Syntax = Syntax()
  ) -> Irregular? {
    guard let qc = syntax.quote, let base = data.baseAddress, memchr(base, Int32(qc), data.count) != nil else {
      return nil
    }
    let n = data.count
    var first: Int?  // the first irregular quote
    var stray = false
    var contentEnd: Int?
    forEachUnquotedStretch(
      data, delimiter: delimiter, maxQuoted: maxQuoted, atEnd: true, syntax: syntax,
      quote: { q in
        switch q {
        case .closed(let open, _, let lineBreak): if lineBreak && first == nil { first = open }
        case .stray(let at):
          if first == nil { first = at }
          stray = true
        }
        return true
      },
      { from, to in
        // Until an irregular quote, nothing to do; after it, the record
        // ends at the first line end outside quotes.
        guard first != nil, to > from else { return true }
        let lf = memchr(base + from, 0x0A, to - from)
        let cr = memchr(base + from, 0x0D, to - from)
        guard let end = [lf, cr].compactMap({ $0 }).map({ base.distance(to: UnsafeRawPointer($0)) }).min() else {
          return true
        }
        contentEnd = end
        return false
      })
    guard let q = first else { return nil }
    // Every line end before the first irregular quote is outside quotes
    // (the quoted fields before it hold none): the record starts after the
    // last one.
    var start = 0
    var k = q - 1
    while k >= 0 {
      let c = data[k]
      if c == 0x0A || c == 0x0D {
        start = k + 1
        break
      }
      k -= 1
    }
    guard let e = contentEnd else { return Irregular(start: start, contentEnd: n, end: n, stray: stray) }
    let end = data[e] == 0x0D && e + 1 < n && data[e + 1] == 0x0A ? e + 2 : e + 1
    return Irregular(start: start, contentEnd: e, end: end, stray: stray)
  }

  /// The byte ranges of the records with the given 0-based ordinals (sorted
  /// ascending), counting records as libcsv does: lines that hold anything
  /// but spaces, split at `\r` or `\n` outside quotes. A range spans the
  /// record's text without its line end. `data` holds regular records only
  /// (see `firstIrregular`).
  static func locate(
    ordinals: [Int], in data: UnsafeRawBufferPointer, delimiter: UInt8, syntax: Syntax = Syntax()
  ) -> [Range<Int>] {
    var out: [Range<Int>] = []
    out.reserveCapacity(ordinals.count)
    let n = data.count
    let spaces = Spaces(delimiter: delimiter, trims: syntax.trims)
    var want = 0
    var ordinal = 0
    var lineStart = 0
    /// Counts the line [start, end); false once every ordinal is found.
    func line(_ start: Int, _ end: Int) -> Bool {
      var blank = true
      for k in start..<end {
        let c = data[k]
        if !spaces.contains(c) {
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
      let base = data.baseAddress!
      forEachUnquotedStretch(data, delimiter: delimiter, atEnd: true, syntax: syntax) { from, to in
        // Line ends by `memchr`, not byte by byte: a reject far into a
        // chunk costs a scan at memory speed.
        var i = from
        while i < to {
          let lf = memchr(base + i, 0x0A, to - i).map { base.distance(to: UnsafeRawPointer($0)) } ?? to
          let cr = memchr(base + i, 0x0D, lf - i).map { base.distance(to: UnsafeRawPointer($0)) } ?? lf
          let e = min(lf, cr)
          if e >= to { break }
          more = line(lineStart, e)
          lineStart = e + 1
          if !more { return false }
          i = e + 1
        }
        return true
      }
      // The last record, without a line end.
      if more && lineStart < n { _ = line(lineStart, n) }
    }
    while out.count < ordinals.count { out.append(n..<n) }
    return out
  }

  /// In one pass: the physical lines of `data` (line ends, plus a last
  /// line without one that holds more than spaces), the blank ones among
  /// them (ending with a line end and holding nothing but spaces, and tabs
  /// unless TAB delimits: the lines libcsv reads as no record; meaningful
  /// only where `data` holds no quoted line break), and whether any byte is
  /// above 0x7F.
  static func linesAndHighBits(
    _ data: UnsafeRawBufferPointer, delimiter: UInt8, trims: Bool = true
  ) -> (lines: Int, blank: Int, nonASCII: Bool) {
    guard let base = data.baseAddress, data.count > 0 else { return (0, 0, false) }
    let n = data.count
    let spaces = Spaces(delimiter: delimiter, trims: trims)
    var lines = 0
    var blank = 0
    var start = 0  // the current line's first byte
    /// A line end at `e` (`\n`, or `\r` not followed by `\n`; the `\n` of
    /// a `\r\n` ends the line the `\r` began to end).
    @inline(__always) func lineEnd(_ e: Int, contentEnd: Int) {
      lines += 1
      if start == contentEnd {
        blank += 1
      } else {
        if spaces.contains(data[start]) {
          var k = start + 1
          while k < contentEnd && spaces.contains(data[k]) { k += 1 }
          if k == contentEnd { blank += 1 }
        }
      }
      start = e + 1
    }
    @inline(__always) func at(_ p: Int) {
      if data[p] == 0x0A {
        // `\r\n`: the line's content ends before the `\r`.
        lineEnd(p, contentEnd: p > start && data[p - 1] == 0x0D ? p - 1 : p)
      } else if p + 1 >= n || data[p + 1] != 0x0A {
        lineEnd(p, contentEnd: p)  // a `\r` alone
      }
    }
    // Eight bytes at a time: the exact mask of `\n` and `\r` bytes, each
    // set bit visited once.
    let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
    @inline(__always) func equalMask(_ w: UInt64, _ byte: UInt64) -> UInt64 {
      let x = w ^ (byte &* 0x0101_0101_0101_0101)
      return ~(((x & low7) &+ low7) | x | low7)
    }
    var i = 0
    var high: UInt64 = 0
    while i + 8 <= n {
      let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
      high |= w
      var m = equalMask(w, 0x0A) | equalMask(w, 0x0D)
      while m != 0 {
        at(i + m.trailingZeroBitCount >> 3)
        m &= m &- 1
      }
      i += 8
    }
    while i < n {
      high |= UInt64(data[i])
      if data[i] == 0x0A || data[i] == 0x0D { at(i) }
      i += 1
    }
    // A last line without a line end counts when it holds more than spaces.
    if start < n {
      var k = start
      while k < n && spaces.contains(data[k]) { k += 1 }
      if k < n { lines += 1 }
    }
    return (lines, blank, high & 0x8080_8080_8080_8080 != 0)
  }

  /// `data` (whole records from a record boundary, every quote closed) cut
  /// after line ends into runs of records, each with whether the TABs its
  /// fields keep are all quoted text: false for a run of records that hold
  /// a TAB outside quotes inside a field (not at a field's edge, where
  /// libcsv trims it), which is a control character. Only for data that
  /// holds a TAB, delimited by another byte.
  static func tabRuns(
    _ data: UnsafeRawBufferPointer, delimiter: UInt8, syntax: Syntax = Syntax()
  ) -> [(range: Range<Int>, quotedTabs: Bool)] {
    var runs: [(range: Range<Int>, quotedTabs: Bool)] = []
    let n = data.count
    var recordStart = 0
    var unquotedTab = false
    /// The record ending after `end` joins the last run, or starts one.
    func close(_ end: Int) {
      let ok = !unquotedTab
      if let last = runs.last, last.quotedTabs == ok {
        runs[runs.count - 1].range = last.range.lowerBound..<end
      } else {
        runs.append((recordStart..<end, ok))
      }
      recordStart = end
      unquotedTab = false
    }
    @inline(__always) func separates(_ c: UInt8) -> Bool { c == delimiter || c == 0x0A || c == 0x0D }
    forEachUnquotedStretch(data, delimiter: delimiter, atEnd: true, syntax: syntax) { from, to in
      var k = from
      while k < to {
        let c = data[k]
        if c == 0x0A || c == 0x0D {
          close(k + 1)
        } else if c == 0x09 && !unquotedTab {
          // Inside its field: text other than spaces on both sides.
          var l = k - 1
          var before = false
          while l >= from && !separates(data[l]) {
            if data[l] != 0x20 && data[l] != 0x09 { before = true; break }
            l -= 1
          }
          var r = k + 1
          var after = false
          while r < to && !separates(data[r]) {
            if data[r] != 0x20 && data[r] != 0x09 { after = true; break }
            r += 1
          }
          if (before && after) || !syntax.trims { unquotedTab = true }
        }
        k += 1
      }
      return true
    }
    if recordStart < n { close(n) }
    return runs
  }

  /// Line ends in `data`: `\n`, `\r\n` or a `\r` alone, each once.
  static func lineEnds(_ data: UnsafeRawBufferPointer) -> Int {
    guard let base = data.baseAddress, data.count > 0 else { return 0 }
    let n = data.count
    var count = 0
    var i = 0
    while i < n, let p = memchr(base + i, 0x0A, n - i) {
      count += 1
      i = base.distance(to: UnsafeRawPointer(p)) + 1
    }
    i = 0
    while i < n, let p = memchr(base + i, 0x0D, n - i) {
      let at = base.distance(to: UnsafeRawPointer(p))
      if at + 1 >= n || data[at + 1] != 0x0A { count += 1 }
      i = at + 1
    }
    return count
  }

  /// Physical lines in `data`: line ends (`\n`, `\r\n`, or a `\r` alone),
  /// plus a last line without one that holds more than spaces (a blank last
  /// line without a line end is no line for libcsv either).
  static func lineCount(_ data: UnsafeRawBufferPointer, delimiter: UInt8, trims: Bool = true) -> Int {
    linesAndHighBits(data, delimiter: delimiter, trims: trims).lines
  }
}
