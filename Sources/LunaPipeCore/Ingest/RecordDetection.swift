/// Detection on the first records, not the header alone (what a user did
/// not state): the delimiter among `;`, `,`, TAB, `|` and space, decided by
/// how consistently it splits the first lines into the same number of
/// fields; the quote character (`"` or `'`); and preamble lines before the
/// header (a title: at most one non-empty field where the lines after it
/// agree on more). A file the header-only detection read consistently is
/// read as before: only where it was inconsistent does this decide.
enum RecordDetection {
  /// The candidates, in the order that breaks ties (`;` first: the Danish
  /// default).
  static let candidates: [UInt8] = [UInt8(ascii: ";"), 9, UInt8(ascii: ","), UInt8(ascii: "|"), 0x20]
  /// Lines looked at.
  static let sampleLines = 20

  /// The first lines of `text` (raw line ends; blank lines left out), at
  /// most `sampleLines` and 64 KiB.
  static func lines(_ text: UnsafeRawBufferPointer) -> [Range<Int>] {
    var out: [Range<Int>] = []
    let n = min(text.count, 64 << 10)
    var start = 0
    var k = 0
    while k < n && out.count < sampleLines {
      let c = text[k]
      if c == 0x0A || c == 0x0D {
        if text[start..<k].contains(where: { $0 != 0x20 && $0 != 9 }) { out.append(start..<k) }
        k += c == 0x0D && k + 1 < n && text[k + 1] == 0x0A ? 2 : 1
        start = k
        continue
      }
      k += 1
    }
    // A last line without a line end counts only when the text ends there.
    if out.count < sampleLines && start < text.count && text.count <= n { out.append(start..<text.count) }
    return out
  }

  /// Fields of `line` split at `delimiter` outside `quote`s (all of them
  /// when a quote is left open: a stray quote is text), and how many are
  /// not empty.
  static func fields(_ line: UnsafeRawBufferPointer, delimiter: UInt8, quote: UInt8?) -> (count: Int, nonEmpty: Int) {
    func split(quoted: Bool) -> (Int, Int, Bool) {
      var count = 1
      var nonEmpty = 0
      var filled = false
      var inQuote = false
      for c in line {
        if quoted, c == quote {
          inQuote.toggle()
          filled = true
        } else if c == delimiter && !inQuote {
          count += 1
          if filled { nonEmpty += 1 }
          filled = false
        } else if c != 0x20 && c != 9 {
          filled = true
        }
      }
      if filled { nonEmpty += 1 }
      return (count, nonEmpty, inQuote)
    }
    let (c, e, open) = split(quoted: quote != nil)
    if !open { return (c, e) }
    let (c2, e2, _) = split(quoted: false)
    return (c2, e2)
  }

  /// What the first records say, for a file whose user stated neither the
  /// delimiter nor (for `skip`) lines to skip.
  struct Finding {
    var delimiter: UInt8
    var quote: UInt8?
    /// Preamble lines before the header.
    var skip: Int
    /// The detection was not sure: no candidate split the lines
    /// consistently into more than one field.
    var unsure: Bool
    /// No candidate splits any line: a file of one column.
    var oneColumn = false
  }

  /// Decides on `text` (from where the header may start). `headerOnly` is
  /// the delimiter the header alone gives: kept whenever it splits the
  /// lines consistently into more than one field.
  static func detect(
    _ text: UnsafeRawBufferPointer, headerOnly: UInt8, quote stated: UInt8??, delimiter statedDelimiter: UInt8?,
    findPreamble: Bool
  ) -> Finding {
    let lines = lines(text).map { UnsafeRawBufferPointer(rebasing: text[$0]) }
    // The quote: `'` only when no `"` opens a field and `'` does.
    var quote: UInt8? = 0x22
    if let s = stated {
      quote = s
    } else if opensFields(lines, 0x22) == 0 && opensFields(lines, 0x27) > 0 {
      quote = 0x27
    }
    guard lines.count > 0 else { return Finding(delimiter: statedDelimiter ?? headerOnly, quote: quote, skip: 0, unsure: false) }
    /// From line `from` on, every line has as many fields as line `from`
    /// (the last may be cut short): that count, or nil.
    func consistent(_ d: UInt8, from: Int) -> Int? {
      let counts = lines[from...].map { fields($0, delimiter: d, quote: quote).count }
      guard let h = counts.first, h > 1 else { return nil }
      let agree = counts.dropLast().allSatisfy { $0 == h } && (counts.last! == h || counts.count > 2)
      return agree ? h : nil
    }
    let maxSkip = findPreamble ? min(5, lines.count - 2) : 0
    /// Leading title lines (one non-empty field at most) before a line of
    /// several: a preamble even when it has the header's field count
    /// (`Extract of 2024-01-05,,`).
    func titles(_ d: UInt8) -> Int {
      guard findPreamble else { return 0 }
      var k = 0
      while k < min(maxSkip, lines.count - 1) && fields(lines[k], delimiter: d, quote: quote).nonEmpty <= 1 { k += 1 }
      return k > 0 && fields(lines[k], delimiter: d, quote: quote).nonEmpty >= 2 ? k : 0
    }
    for skip in 0...max(0, maxSkip) {
      // A line is preamble only if it holds at most one non-empty field.
      if skip > 0 {
        let d = statedDelimiter ?? headerOnly
        let line = lines[skip - 1]
        guard candidates.allSatisfy({ fields(line, delimiter: $0, quote: quote).nonEmpty <= 1 })
          || fields(line, delimiter: d, quote: quote).nonEmpty <= 1
        else { break }
      }
      if let d = statedDelimiter {
        if consistent(d, from: skip) != nil {
          return Finding(delimiter: d, quote: quote, skip: skip == 0 ? titles(d) : skip, unsure: false)
        }
        continue
      }
      if consistent(headerOnly, from: skip) != nil {
        return Finding(delimiter: headerOnly, quote: quote, skip: skip == 0 ? titles(headerOnly) : skip, unsure: false)
      }
      // Another delimiter only where it splits the header at least as
      // finely as the header's own: a damaged line among the first must
      // not turn a `;` file with decimal commas into a `,` file.
      let headerFields = fields(lines[skip], delimiter: headerOnly, quote: quote).count
      var best: (d: UInt8, h: Int)?
      for d in candidates {
        if let h = consistent(d, from: skip), h > (best?.h ?? 1), h >= headerFields { best = (d, h) }
      }
      if let best { return Finding(delimiter: best.d, quote: quote, skip: skip == 0 ? titles(best.d) : skip, unsure: false) }
    }
    // No delimiter splits the header, and none but the space any line
    // (values may hold spaces): one column, for sure (no delimiter to
    // report).
    if statedDelimiter == nil,
      candidates.allSatisfy({ fields(lines[0], delimiter: $0, quote: quote).count == 1 }),
      lines.allSatisfy({ l in candidates.dropLast().allSatisfy { fields(l, delimiter: $0, quote: quote).count == 1 } })
    {
      return Finding(delimiter: headerOnly, quote: quote, skip: 0, unsure: false, oneColumn: true)
    }
    return Finding(delimiter: statedDelimiter ?? headerOnly, quote: quote, skip: 0, unsure: true)
  }

  /// How many fields of `lines` open with `q` right after a line start or
  /// a candidate delimiter and close with it before the next.
  static func opensFields(_ lines: [UnsafeRawBufferPointer], _ q: UInt8) -> Int {
    var n = 0
    for line in lines {
      var k = 0
      while k < line.count {
        if line[k] == q && (k == 0 || candidates.contains(line[k - 1])) {
          // Closed before the line ends?
          var j = k + 1
          while j < line.count && line[j] != q { j += 1 }
          if j < line.count && (j + 1 == line.count || candidates.contains(line[j + 1]) || line[j + 1] == q) { n += 1 }
          k = j + 1
          continue
        }
        k += 1
      }
    }
    return n
  }
}
