import Foundation

/// The text encoding of an input file, as detected (never assumed).
public enum TextEncoding: String, Sendable, Codable {
  /// UTF-8 without a byte order mark (also plain ASCII).
  case utf8 = "UTF-8"
  /// UTF-8 starting with the byte order mark EF BB BF, which is skipped.
  case utf8BOM = "UTF-8 with BOM"
  /// Windows-1252 (Latin-1 with the printable characters Windows puts at
  /// 0x80...0x9F), as Excel saves "CSV" on a Western European Windows.
  case windows1252 = "Windows-1252"
}

/// How one input file is written: found from its first bytes and header.
public struct Dialect: Sendable, Codable, Equatable {
  /// The field delimiter's byte: `;`, `,` or TAB when detected, or the
  /// delimiter `ScanOptions.delimiter` forces.
  public var delimiter: UInt8
  /// The file's text encoding, decided on all of its bytes (``TextStats``).
  public var encoding: TextEncoding
  /// "LF", "CRLF" or "CR", from the header line's end.
  public var lineEnd: String
  /// How the file writes numbers: the schema's `numberFormat`, or the scan's
  /// override (`ScanOptions.numberFormat`); never guessed from the data.
  public var numberFormat: NumberFormat
  /// The quote character (`"` unless stated), nil when nothing is quoted.
  public var quote: UInt8? = 0x22
  /// How a quote is escaped inside a quoted field.
  public var escape: CSVDialect.Escape = .doubling
  /// Spaces around unquoted fields are trimmed.
  public var trimsSpaces = true
  /// Lines of header read (0: the column names were stated).
  public var headerRows = 1
  /// Lines skipped before the header (stated, and comment lines).
  public var skippedLines = 0
  /// Lines starting with this are comments, skipped.
  public var commentPrefix: String?
  /// Field values read as empty.
  public var absentMarkers: [String] = []
  /// What the user stated (`CSVDialect.stated`); the rest was detected.
  public var stated: [String: String] = [:]
  /// Detection was not sure (no delimiter split the first records
  /// consistently): a message about the header says what to state.
  var unsure = false

  /// The quoting and trimming, as `RecordLocator` reads them.
  var syntax: RecordLocator.Syntax { RecordLocator.Syntax(quote: quote, trims: trimsSpaces, escape: escape) }

  /// What was used, for the log: `delimiter ; (detected), quote ", ...`.
  public var summary: String {
    func how(_ key: String) -> String { stated[key] != nil ? "stated" : "detected" }
    var parts = ["\(encoding.rawValue) (\(how("encoding")))", "delimiter \(delimiterName) (\(how("delimiter")))"]
    parts.append("quote \(quote.map { String(UnicodeScalar($0)) } ?? "none")")
    if escape != .doubling { parts.append("escape \(escape.rawValue)") }
    if !trimsSpaces { parts.append("no trimming") }
    if headerRows != 1 { parts.append("\(headerRows) header rows") }
    if skippedLines > 0 { parts.append("\(skippedLines) lines skipped before the header") }
    if !absentMarkers.isEmpty { parts.append("absent: \(absentMarkers.joined(separator: " "))") }
    return parts.joined(separator: ", ")
  }

  /// The delimiter as the run report and the log write it: `;`, `,`, `TAB`,
  /// or the character itself for a forced one.
  public var delimiterName: String { oneColumn ? "none" : Self.name(ofDelimiter: delimiter) }
  /// No delimiter was found because none splits the first lines: a file of
  /// one column (`delimiterName` is `none`).
  public var oneColumn = false

  /// A delimiter as the run report and the log write it: `;`, `,`, `TAB`,
  /// `space`, or the character itself.
  public static func name(ofDelimiter delimiter: UInt8) -> String {
    switch delimiter {
    case UInt8(ascii: ";"): return ";"
    case UInt8(ascii: ","): return ","
    case 9: return "TAB"
    case 32: return "space"
    default: return String(UnicodeScalar(delimiter))
    }
  }
}

/// What a reader must know of a file before splitting it into chunks.
struct FileLayout {
  var dialect: Dialect
  var header: [String]
  /// Bytes before the first data record: BOM, header, its line end.
  var dataStart: Int
  /// For each field position in a record: the schema column it fills, or -1.
  var columnOfField: [Int]
}

enum DialectDetection {
  /// How much of a file's start is checked for valid UTF-8.
  static let sniffBytes = 1 << 20

  /// Reads the encoding, delimiter and header of a file from its first bytes.
  ///
  /// - Parameters:
  ///   - start: the first bytes of the file (up to `sniffBytes`, or the whole
  ///     header if longer).
  ///   - delimiter: a configured delimiter, or nil to detect one among `;`,
  ///     `,` and TAB (the one that splits the header into most fields).
  /// - Throws: `PipelineError.input` for an empty file, a header that names
  ///   no columns, or a file that is not text in a supported encoding
  ///   (UTF-16, compressed, binary).
  static func detect(
    _ start: UnsafeRawBufferPointer, path: String, delimiter: UInt8?, numberFormat: NumberFormat,
    encoding forced: TextEncoding? = nil
  ) throws -> (Dialect, header: [String], dataStart: Int) {
    try detect(start, path: path, stated: CSVDialect(delimiter: delimiter), numberFormat: numberFormat, encoding: forced)
  }

  /// `detect` with a dialect as its user states it: what is stated is
  /// used, the rest detected. `trimsSpaces` is the reader's default when
  /// the dialect states none.
  static func detect(
    _ start: UnsafeRawBufferPointer, path: String, stated: CSVDialect, numberFormat: NumberFormat,
    encoding forced: TextEncoding? = nil, trimsSpaces: Bool = true
  ) throws -> (Dialect, header: [String], dataStart: Int) {
    if let kind = unsupportedKind(start) {
      throw PipelineError.input("\(path): \(kind); a CSV file in UTF-8 or Windows-1252 is expected")
    }
    try stated.check()
    var offset = 0
    var encoding = TextEncoding.utf8
    if start.count >= 3 && start[0] == 0xEF && start[1] == 0xBB && start[2] == 0xBF {
      encoding = .utf8BOM
      offset = 3
    } else if let e = stated.encoding ?? forced {
      encoding = e == .utf8BOM ? .utf8 : e
    } else {
      // A first guess from the window; the scan checks it against the
      // whole file (`TextStats`) and reads the file again if it was wrong.
      encoding = TextStats.of(start, cutOffAtEnd: true).encoding
    }
    /// The offset after the line end of the line starting at `from`.
    func nextLine(_ from: Int) -> Int {
      var k = from
      while k < start.count && start[k] != 10 && start[k] != 13 { k += 1 }
      if k < start.count && start[k] == 13 && k + 1 < start.count && start[k + 1] == 10 { return k + 2 }
      return min(k + 1, start.count)
    }
    let comment = stated.commentPrefix.map { Array($0.utf8) } ?? []
    func isComment(_ from: Int) -> Bool {
      !comment.isEmpty && start.count - from >= comment.count && zip(start[from...], comment).allSatisfy { $0 == $1 }
    }
    // Lines before the header: as many as stated, and comment lines.
    var skipped = 0
    for _ in 0..<(stated.skipLines ?? 0) where offset < start.count {
      offset = nextLine(offset)
      skipped += 1
    }
    while offset < start.count && isComment(offset) {
      offset = nextLine(offset)
      skipped += 1
    }
    var quote = stated.quoteByte
    let trims = stated.trimSpaces ?? trimsSpaces
    // The delimiter, from the first line, checked on the first records
    // (`RecordDetection`) with the quote and any preamble; the header ends
    // at the first line end outside quotes, read as libcsv reads them.
    var firstLineEnd = offset
    while firstLineEnd < start.count && start[firstLineEnd] != 10 && start[firstLineEnd] != 13 { firstLineEnd += 1 }
    var delim =
      stated.delimiter ?? detectDelimiter(UnsafeRawBufferPointer(rebasing: start[offset..<firstLineEnd]), quote: quote)
    var unsure = false
    var oneColumn = false
    let findPreamble = stated.skipLines == nil && stated.commentPrefix == nil && (stated.headerRows ?? 1) > 0
    if stated.delimiter == nil || stated.quote == nil || findPreamble {
      let found = RecordDetection.detect(
        UnsafeRawBufferPointer(rebasing: start[offset...]), headerOnly: delim,
        quote: stated.quote.map { $0.byte }, delimiter: stated.delimiter, findPreamble: findPreamble)
      delim = found.delimiter
      quote = found.quote
      unsure = found.unsure
      oneColumn = found.oneColumn
      for _ in 0..<found.skip where offset < start.count {
        // Blank lines were not counted among the sample's lines.
        while offset < start.count, start[offset] == 10 || start[offset] == 13 { offset += 1 }
        offset = nextLine(offset)
        skipped += 1
      }
    }
    let syntax = RecordLocator.Syntax(quote: quote, trims: trims)
    var headerRows = stated.headerRows ?? 1
    if stated.headerRows == nil,
      twoHeaderRows(UnsafeRawBufferPointer(rebasing: start[offset...]), delimiter: delim, encoding: encoding, syntax: syntax)
    {
      headerRows = 2
    }
    var rows: [[String]] = []
    var lineEnd = "LF"
    var dataStart = offset
    for row in 0..<headerRows {
      let from = dataStart
      let i = from + RecordLocator.firstLineEnd(
        in: UnsafeRawBufferPointer(rebasing: start[from...]), delimiter: delim, maxQuoted: 1 << 16, syntax: syntax)
      let headerBytes = UnsafeRawBufferPointer(rebasing: start[from..<i])
      if headerBytes.allSatisfy({ $0 == 32 || $0 == 9 }) {
        throw PipelineError.input(
          row == 0
            ? "\(path): the file is empty or its first line is blank; a header is expected"
            : "\(path): header row \(row + 1) of \(headerRows) is blank or missing")
      }
      if let k = headerBytes.firstIndex(where: { ($0 < 32 && $0 != 9 && $0 != 10 && $0 != 13) || $0 == 0x7F }) {
        throw PipelineError.input(
          "\(path): not a text file (control byte 0x\(String(headerBytes[k], radix: 16, uppercase: true)) at byte \(from + k) of the header line); a CSV file is expected"
        )
      }
      dataStart = i
      if i < start.count && start[i] == 13 {
        dataStart += 1
        if dataStart < start.count && start[dataStart] == 10 {
          dataStart += 1
          if row == 0 { lineEnd = "CRLF" }
        } else if row == 0 {
          lineEnd = "CR"
        }
      } else if i < start.count {
        dataStart += 1
      }
      // A quote in the header that never closes there is text (a stray
      // quote, `"id,name`): the header is split as if nothing were quoted.
      var strayQuote = false
      RecordLocator.forEachUnquotedStretch(
        headerBytes, delimiter: delim, atEnd: true, syntax: syntax,
        quote: { q in
          if case .stray = q { strayQuote = true }
          return !strayQuote
        }, { _, _ in true })
      let headerSyntax = strayQuote ? RecordLocator.Syntax(quote: nil, trims: trims) : syntax
      rows.append(try splitHeader(headerBytes, delimiter: delim, encoding: encoding, syntax: headerSyntax))
    }
    var header: [String]
    if headerRows == 0 {
      header = stated.columnNames ?? []
      // The line ends as the first record has them.
      var k = offset
      while k < start.count && start[k] != 10 && start[k] != 13 { k += 1 }
      if k < start.count && start[k] == 13 { lineEnd = k + 1 < start.count && start[k + 1] == 10 ? "CRLF" : "CR" }
    } else if rows.count == 1 {
      header = rows[0]
    } else {
      // N rows: each column's name is its rows' fields joined by a space.
      let width = rows.map(\.count).max() ?? 0
      header = (0..<width).map { c in
        rows.compactMap { c < $0.count && !$0[c].isEmpty ? $0[c] : nil }.joined(separator: " ")
      }
    }
    var dialect = Dialect(delimiter: delim, encoding: encoding, lineEnd: lineEnd, numberFormat: numberFormat)
    dialect.quote = quote
    dialect.escape = stated.escape ?? .doubling
    dialect.trimsSpaces = trims
    dialect.headerRows = headerRows
    dialect.skippedLines = skipped
    dialect.commentPrefix = stated.commentPrefix
    dialect.absentMarkers = stated.absentMarkers ?? []
    dialect.stated = stated.stated
    dialect.unsure = unsure
    dialect.oneColumn = oneColumn
    return (dialect, header, dataStart)
  }

  /// Whether the file's header is two rows, told by the rows themselves
  /// when nothing is stated: the first names no column alone (a name empty
  /// or twice, `Kommune;Udgift;Udgift`), the two joined name every column
  /// once (`Udgift 2022`), and the second is no record: a field of it is
  /// empty where every record of the sample has a value, or is text where
  /// every one has a number. A file that shows less keeps one header row.
  static func twoHeaderRows(
    _ data: UnsafeRawBufferPointer, delimiter: UInt8, encoding: TextEncoding, syntax: RecordLocator.Syntax
  ) -> Bool {
    var rows: [[String]] = []
    var from = 0
    while rows.count < 8 && from < data.count {
      let end = from + RecordLocator.firstLineEnd(
        in: UnsafeRawBufferPointer(rebasing: data[from...]), delimiter: delimiter, maxQuoted: 1 << 16, syntax: syntax)
      let line = UnsafeRawBufferPointer(rebasing: data[from..<end])
      if !line.allSatisfy({ $0 == 32 || $0 == 9 }) {
        guard let fields = try? splitHeader(line, delimiter: delimiter, encoding: encoding, syntax: syntax) else { return false }
        rows.append(fields)
      }
      from = end
      while from < data.count && (data[from] == 10 || data[from] == 13) { from += 1 }
    }
    guard rows.count >= 4 else { return false }
    let (first, second, sample) = (rows[0], rows[1], rows[2...])
    let width = first.count
    guard width > 1, second.count == width, sample.allSatisfy({ $0.count == width }) else { return false }
    let names = first.map { HeaderName.normalize($0) }
    let namesNoColumnAlone = names.contains("") || Set(names).count != names.count
    return namesNoColumnAlone && joinedNamesUnique(first, second) && secondIsNoRecord(second, sample)
  }

  private static func joinedNamesUnique(_ a: [String], _ b: [String]) -> Bool {
    let joined = zip(a, b).map { HeaderName.normalize([$0, $1].filter { !$0.isEmpty }.joined(separator: " ")) }
    return !joined.contains("") && Set(joined).count == joined.count
  }

  private static func secondIsNoRecord(_ second: [String], _ sample: ArraySlice<[String]>) -> Bool {
    func isNumber(_ s: String) -> Bool {
      let t = s.trimmingCharacters(in: .whitespaces)
      return !t.isEmpty && t.allSatisfy { $0.isNumber || $0 == "." || $0 == "," || $0 == "-" }
    }
    for c in second.indices {
      let values = sample.map { $0[c] }
      if second[c].trimmingCharacters(in: .whitespaces).isEmpty && values.allSatisfy({ !$0.isEmpty }) { return true }
      if !isNumber(second[c]) && values.allSatisfy(isNumber) { return true }
    }
    return false
  }

  /// What a file that cannot be a CSV extract is, told by its first bytes.
  static func unsupportedKind(_ b: UnsafeRawBufferPointer) -> String? {
    func starts(_ magic: [UInt8]) -> Bool { b.count >= magic.count && zip(b, magic).allSatisfy { $0 == $1 } }
    if starts([0xFF, 0xFE, 0, 0]) || starts([0, 0, 0xFE, 0xFF]) { return "UTF-32 text (it starts with a UTF-32 byte order mark)" }
    if starts([0xFF, 0xFE]) || starts([0xFE, 0xFF]) { return "UTF-16 text (it starts with a UTF-16 byte order mark)" }
    if starts([0x1F, 0x8B]) { return "gzip-compressed; decompress it first" }
    if starts([0x50, 0x4B, 0x03, 0x04]) { return "a ZIP archive (an Excel workbook?); export it as CSV" }
    return nil
  }

  static func detectDelimiter(_ header: UnsafeRawBufferPointer, quote: UInt8? = 0x22) -> UInt8 {
    var counts: [UInt8: Int] = [UInt8(ascii: ";"): 0, UInt8(ascii: ","): 0, 9: 0]
    var inQuote = false
    for c in header {
      if c == quote { inQuote.toggle() } else if !inQuote, counts[c] != nil { counts[c]! += 1 }
    }
    // Ties go to `;`, the Danish default.
    let order: [UInt8] = [UInt8(ascii: ";"), 9, UInt8(ascii: ",")]
    return order.max { counts[$0]! < counts[$1]! } ?? UInt8(ascii: ";")
  }

  static func splitHeader(
    _ bytes: UnsafeRawBufferPointer, delimiter: UInt8, encoding: TextEncoding,
    syntax: RecordLocator.Syntax = RecordLocator.Syntax()
  ) throws -> [String] {
    final class Collect: CSVFieldSink {
      var fields: [String] = []
      let encoding: TextEncoding
      init(_ e: TextEncoding) { encoding = e }
      override func field(_ bytes: UnsafeRawBufferPointer) {
        fields.append(Transcoding.string(bytes, encoding: encoding))
      }
    }
    let sink = Collect(encoding)
    guard let quote = syntax.quote else {
      return PlainFields.split(bytes, delimiter: delimiter, trims: syntax.trims).map {
        Transcoding.string($0, encoding: encoding)
      }
    }
    let tokenizer = try CSVTokenizer(delimiter: delimiter, quote: quote, trims: syntax.trims)
    try tokenizer.parse(bytes, into: sink)
    try tokenizer.finish(into: sink)
    return sink.fields
  }
}

/// What the non-ASCII bytes of some text are: well-formed UTF-8 sequences
/// or bytes that cannot be UTF-8. A file's encoding is decided on all its
/// bytes from these counts, so which records are accepted never depends on
/// where its first non-ASCII byte sits.
public struct TextStats: Sendable, Equatable, Codable {
  /// Offset of the first byte above 0x7F, if any.
  public var firstNonASCII: Int?
  /// Well-formed multi-byte UTF-8 sequences.
  public var utf8Sequences = 0
  /// Bytes that are not part of a well-formed UTF-8 sequence.
  public var invalidBytes = 0

  /// No bytes counted: ASCII so far.
  public init() {}

  /// UTF-8 when no byte breaks it, Windows-1252 when no multi-byte
  /// sequence is well-formed; otherwise the majority: a UTF-8 file with a
  /// few damaged sequences stays UTF-8 (those records are rejected as
  /// `invalid-encoding`), a Windows-1252 file in which a letter pair
  /// happens to form a UTF-8 sequence stays Windows-1252.
  public var encoding: TextEncoding {
    invalidBytes == 0 || utf8Sequences >= invalidBytes ? .utf8 : .windows1252
  }

  /// Adds the counts of text that follows, `offset` bytes further on.
  public mutating func add(_ other: TextStats, at offset: Int) {
    if firstNonASCII == nil, let f = other.firstNonASCII { firstNonASCII = offset + f }
    utf8Sequences += other.utf8Sequences
    invalidBytes += other.invalidBytes
  }

  /// The counts of `b`. With `cutOffAtEnd`, a sequence cut off by the end
  /// of `b` counts as neither (a window of a longer file).
  public static func of(_ b: UnsafeRawBufferPointer, cutOffAtEnd: Bool = false) -> TextStats {
    var stats = TextStats()
    guard let base = b.baseAddress, b.count > 0 else { return stats }
    let n = b.count
    // ASCII only (the common case): one pass, eight bytes at a time.
    var high: UInt64 = 0
    var i = 0
    while i + 32 <= n {
      high |= base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        | base.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)
        | base.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self)
        | base.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self)
      i += 32
    }
    while i < n {
      high |= UInt64(b[i])
      i += 1
    }
    if high & 0x8080_8080_8080_8080 == 0 { return stats }
    i = 0
    while i < n {
      if i + 8 <= n && base.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
        i += 8
        continue
      }
      let c = b[i]
      if c < 0x80 {
        i += 1
        continue
      }
      if stats.firstNonASCII == nil { stats.firstNonASCII = i }
      let len: Int
      var lo: UInt8 = 0x80
      var hi: UInt8 = 0xBF
      switch c {
      case 0xC2...0xDF: len = 2
      case 0xE0: (len, lo) = (3, 0xA0)
      case 0xE1...0xEC, 0xEE, 0xEF: len = 3
      case 0xED: (len, hi) = (3, 0x9F)
      case 0xF0: (len, lo) = (4, 0x90)
      case 0xF1...0xF3: len = 4
      case 0xF4: (len, hi) = (4, 0x8F)
      default: len = 0
      }
      if len == 0 {
        stats.invalidBytes += 1
        i += 1
        continue
      }
      var k = 1
      var ok = true
      while k < len {
        if i + k >= n {
          if cutOffAtEnd { return stats }
          ok = false
          break
        }
        let d = b[i + k]
        if k == 1 ? (d < lo || d > hi) : (d & 0xC0 != 0x80) {
          ok = false
          break
        }
        k += 1
      }
      if ok {
        stats.utf8Sequences += 1
        i += len
      } else {
        stats.invalidBytes += 1
        i += 1
      }
    }
    return stats
  }
}

/// Text from bytes in a detected encoding.
public enum Transcoding {
  /// Windows-1252's 0x80...0x9F; the rest of 0xA0...0xFF is Latin-1.
  static let cp1252High: [UInt32] = [
    0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
    0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
  ]

  /// `bytes` decoded as `encoding`. Ill-formed UTF-8 becomes U+FFFD; in
  /// Windows-1252 the five bytes it leaves unassigned (0x81, 0x8D, 0x8F,
  /// 0x90, 0x9D) become the control characters of the same value.
  public static func string(_ bytes: UnsafeRawBufferPointer, encoding: TextEncoding) -> String {
    switch encoding {
    case .utf8, .utf8BOM:
      return String(decoding: bytes, as: UTF8.self)
    case .windows1252:
      var s = String.UnicodeScalarView()
      for c in bytes {
        let v: UInt32 = c < 0x80 ? UInt32(c) : c < 0xA0 ? cp1252High[Int(c - 0x80)] : UInt32(c)
        s.append(UnicodeScalar(v) ?? "?")
      }
      return String(s)
    }
  }

  /// UTF-8 bytes of Windows-1252 `bytes`.
  static func utf8(fromWindows1252 bytes: UnsafeRawBufferPointer) -> [UInt8] {
    Array(string(bytes, encoding: .windows1252).utf8)
  }
}
