import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A small CSV file read whole, its records as text fields: for reference
/// extracts (a provider register, a population table) whose values are
/// names and labels rather than codes, and which a domain reader checks
/// record by record.
///
/// The file's encoding, delimiter and line ends are detected exactly as for
/// the record scan (`RunContext.scan`); quoting is RFC 4180 (libcsv). Unlike the record scan (`RunContext.scan`),
/// the whole file is held in memory: such files are megabytes, not
/// gigabytes.
///
///     let file = try context.readTextRecords("ydere.csv")
///     let kommune = file.column("Kommune")
///     for r in file.records where r.fields[kommune!].isEmpty {
///       try context.reject(r, of: file, column: "Kommune", rule: "empty")
///     }
public struct TextRecords: Sendable {
  /// One record of the file.
  public struct Record: Sendable {
    /// Record number in the file, the header being record 1.
    public var number: Int
    /// Byte offset of the record's first byte in the file.
    public var byteOffset: Int
    /// The fields, decoded from the file's encoding. A record shorter than
    /// the header is padded with empty fields; `fieldCount` tells.
    public var fields: [String]
    /// How many fields the record had in the file.
    public var fieldCount: Int
    /// The record's text as it stands in the file, in UTF-8.
    public var raw: String

    /// The field at `column`, or "" when the column is absent.
    public subscript(_ column: Int?) -> String {
      guard let column, column < fields.count else { return "" }
      return fields[column]
    }
  }

  /// The file's path, as given to `read(_:numberFormat:)`.
  public var path: String
  /// The file's size in bytes.
  public var bytes: Int
  /// The file's encoding, delimiter, line ends and number format.
  public var dialect: Dialect
  /// The header's fields, as written (not normalized).
  public var header: [String]
  /// The records after the header, in file order, without empty lines and
  /// without the `damaged` ones.
  public var records: [Record]
  /// Records cut short by a stray quote (one that never closes): not in
  /// `records`; `RunContext.readTextRecords` rejects them
  /// (`unterminated-quote`) and `finishTextRecords` counts them.
  public var damaged: [Record] = []
  /// Lines holding nothing but spaces.
  public var skippedEmpty: Int

  /// The position of the header column called `name` or one of `aliases`,
  /// matched as a schema's headers are (case, spaces, Æ/Ø/Å = AE/OE/AA).
  public func column(_ name: String, aliases: [String] = []) -> Int? {
    let keys = Set(([name] + aliases).map(HeaderName.normalize))
    return header.firstIndex { keys.contains(HeaderName.normalize($0)) }
  }

  /// Reads `path`: dialect, header and every record.
  ///
  /// - Parameters:
  ///   - path: the file to read.
  ///   - numberFormat: how the file writes numbers (recorded in its
  ///     dialect; the caller parses fields with `TextField` in that format).
  /// - Throws: `PipelineError.input` when the file is missing, unreadable
  ///   or not text in a supported encoding. An empty (0-byte) file is read
  ///   as no header and no records.
  public static func read(_ path: String, numberFormat: NumberFormat = .plain) throws -> TextRecords {
    try read(path, dialect: CSVDialect(), numberFormat: numberFormat, files: InputFiles())
  }

  /// Reads `path` written in `dialect`: what it states is used, the rest
  /// detected (delimiter, encoding) or the default (`"` quotes doubled
  /// inside, one header row, no trimming, no comments, no absent markers).
  /// `dialect` of the result tells what was used.
  ///
  /// - Throws: `PipelineError.input` as `read(_:numberFormat:)`, and for a
  ///   dialect that does not hold together (`CSVDialect.check`).
  public static func read(_ path: String, dialect: CSVDialect, numberFormat: NumberFormat = .plain) throws
    -> TextRecords
  {
    try read(path, dialect: dialect, numberFormat: numberFormat, files: InputFiles())
  }

  /// `read(_:dialect:numberFormat:)` through `files`: the file opened there
  /// (a regular file only), checked unchanged once read.
  static func read(_ path: String, dialect stated: CSVDialect, numberFormat: NumberFormat, files: InputFiles) throws
    -> TextRecords
  {
    let bytes = try files.readAll(path)
    if bytes.isEmpty {
      // An empty (0-byte) file is an empty input: no header, no records.
      var d = Dialect(
        delimiter: stated.delimiter ?? UInt8(ascii: ";"), encoding: stated.encoding ?? .utf8, lineEnd: "",
        numberFormat: numberFormat)
      d.stated = stated.stated
      return TextRecords(path: path, bytes: 0, dialect: d, header: [], records: [], skippedEmpty: 0)
    }
    return try bytes.withUnsafeBytes { buf in
      // Read whole: its encoding is decided on all its bytes.
      let (dialect, header, dataStart) = try DialectDetection.detect(
        UnsafeRawBufferPointer(rebasing: buf[0..<min(buf.count, DialectDetection.sniffBytes)]),
        path: path, stated: stated, numberFormat: numberFormat,
        encoding: TextStats.of(buf).encoding, trimsSpaces: false)
      var out = TextRecords(
        path: path, bytes: bytes.count, dialect: dialect, header: header, records: [], skippedEmpty: 0)
      try out.split(buf, from: dataStart)
      return out
    }
  }

  /// The longest quoted field a small file's record may hold: a quote
  /// that does not close within it is stray (see `RecordLocator`).
  static let maxQuoted = 64 << 10

  /// Splits the bytes after the header into records, as the record scan (`RunContext.scan`)
  /// does: a line break inside a quoted field does not end a record, a
  /// quote inside an unquoted field is text, and a stray quote (one that
  /// never closes) costs its own line, which goes to `damaged`.
  private mutating func split(_ buf: UnsafeRawBufferPointer, from start: Int) throws {
    let quote = dialect.quote
    let ownSplitter = quote != nil && dialect.escape != .doubling
    let tokenizer = try CSVTokenizer(delimiter: dialect.delimiter, quote: quote ?? 0x22, trims: dialect.trimsSpaces)
    let sink = FieldCollector(encoding: dialect.encoding)
    let comment = dialect.commentPrefix.map { Array($0.utf8) } ?? []
    let absent = Set(dialect.absentMarkers)
    let data = UnsafeRawBufferPointer(rebasing: buf[start...])
    let n = data.count
    let encoding = dialect.encoding
    var number = 1
    var recordStart = 0
    var stray = false
    func record(_ i: Int, _ j: Int) throws {
      let line = UnsafeRawBufferPointer(rebasing: data[i..<j])
      number += 1
      let raw = { Transcoding.string(line, encoding: encoding) }
      if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 })
        || (!comment.isEmpty && line.count >= comment.count && zip(line, comment).allSatisfy { $0 == $1 })
      {
        // A blank line, or a comment: skipped, counted as skipped.
        skippedEmpty += 1
      } else if stray {
        damaged.append(Record(number: number, byteOffset: start + i, fields: [], fieldCount: 0, raw: raw()))
      } else {
        var fields: [String]
        if quote == nil {
          fields = PlainFields.split(line, delimiter: dialect.delimiter, trims: dialect.trimsSpaces).map {
            Transcoding.string($0, encoding: encoding)
          }
        } else if ownSplitter {
          fields = EscapedFields.split(
            line, delimiter: dialect.delimiter, quote: quote!, backslash: dialect.escape == .backslash,
            trims: dialect.trimsSpaces
          ).map { $0.withUnsafeBytes { Transcoding.string($0, encoding: encoding) } }
        } else {
          sink.fields.removeAll(keepingCapacity: true)
          try tokenizer.parse(line, into: sink)
          try tokenizer.finish(into: sink)
          fields = sink.fields
        }
        if !absent.isEmpty {
          for k in fields.indices where absent.contains(fields[k]) { fields[k] = "" }
        }
        let count = fields.count
        if fields.count < header.count { fields += Array(repeating: "", count: header.count - fields.count) }
        records.append(Record(number: number, byteOffset: start + i, fields: fields, fieldCount: count, raw: raw()))
      }
      stray = false
    }
    if ownSplitter {
      // Quotes escaped by a backslash or not at all: records found as the
      // fields are read (`RecordLocator` knows doubled quotes only).
      for r in EscapedFields.records(
        data, delimiter: dialect.delimiter, quote: quote!, backslash: dialect.escape == .backslash,
        trims: dialect.trimsSpaces)
      {
        try record(r.lowerBound, r.upperBound)
      }
      return
    }
    var failure: Error?
    RecordLocator.forEachUnquotedStretch(
      data, delimiter: dialect.delimiter, maxQuoted: Self.maxQuoted, atEnd: true, syntax: dialect.syntax,
      quote: { q in
        if case .stray = q { stray = true }
        return true
      },
      { from, to in
        var k = from
        while k < to {
          let c = data[k]
          if c == 0x0A || c == 0x0D {
            do { try record(recordStart, k) } catch {
              failure = error
              return false
            }
            // One line end: LF, CRLF or a lone CR.
            k += c == 0x0D && k + 1 < n && data[k + 1] == 0x0A ? 2 : 1
            recordStart = k
            continue
          }
          k += 1
        }
        return true
      })
    if let failure { throw failure }
    if recordStart < n { try record(recordStart, n) }
  }

  private final class FieldCollector: CSVFieldSink {
    var fields: [String] = []
    let encoding: TextEncoding
    init(encoding: TextEncoding) { self.encoding = encoding }
    override func field(_ bytes: UnsafeRawBufferPointer) {
      fields.append(Transcoding.string(bytes, encoding: encoding))
    }
  }
}

/// Field checks for text records, with the rule names of the record scan (`RunContext.scan`)
/// (`not-a-number`, `out-of-range`, `too-many-decimals`, ...).
public enum TextField {
  /// `body` over the UTF-8 of `s` less spaces and tabs at both ends, or nil
  /// when nothing is left: no trimmed copy of the text.
  @inline(__always)
  static func withTrimmedUTF8<R>(_ s: String, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
    var s = s
    return s.withUTF8 { u -> R? in
      var lo = 0
      var hi = u.count
      while lo < hi && (u[lo] == 0x20 || u[lo] == 0x09) { lo += 1 }
      while hi > lo && (u[hi - 1] == 0x20 || u[hi - 1] == 0x09) { hi -= 1 }
      return lo == hi ? nil : body(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: u[lo..<hi])))
    }
  }

  /// A whole number in `range`, written as `format` says (plain, the
  /// default: `1234`; Danish: `.` may group thousands, `1.234`).
  public static func integer(
    _ s: String, in range: ClosedRange<Int64>, format: NumberFormat = .plain
  ) -> Result<Int64, FieldRule> {
    guard let r = withTrimmedUTF8(s, { NumberParsing.integer($0, format: format) }) else { return .failure(.empty) }
    switch r {
    case .success(let v): return range.contains(v) ? .success(v) : .failure(.outOfRange)
    case .failure: return .failure(.notANumber)
    }
  }

  /// A decimal number as a count of 10^-scale units (`2.76`, or in Danish
  /// form `2,76`, with scale 2 is 276), not below `minimum`.
  public static func decimal(
    _ s: String, scale: Int, minimum: Int64 = .min, format: NumberFormat = .plain
  ) -> Result<Int64, FieldRule> {
    guard let r = withTrimmedUTF8(s, { NumberParsing.decimal($0, scale: scale, format: format) }) else {
      return .failure(.empty)
    }
    switch r {
    case .success(let v): return v >= minimum ? .success(v) : .failure(.outOfRange)
    case .failure(.tooManyDecimals): return .failure(.tooManyDecimals)
    case .failure: return .failure(.notANumber)
    }
  }
}

extension RunContext {
  /// Reads a small CSV file whole (see `TextRecords`), written in
  /// `dialect` (what it does not state is detected), logging the dialect.
  /// In a dry run (`dryRun`) it reads nothing: it stops the run.
  public func readTextRecords(
    _ path: String, dialect: CSVDialect = CSVDialect(), numberFormat: NumberFormat = .plain
  ) throws -> TextRecords {
    try stopIfDry(before: path)
    let file = try TextRecords.read(path, dialect: dialect, numberFormat: numberFormat, files: files)
    let d = file.dialect
    if file.bytes == 0 {
      note("\(path): the file is empty (0 bytes): read as an empty input, 0 records")
      return file
    }
    let stated = d.stated.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    log(
      "\(path): \(d.encoding.rawValue), delimiter \(d.delimiterName), \(d.lineEnd), \(file.records.count) records"
        + (d.skippedLines > 0 ? ", \(d.skippedLines) lines before the header skipped" : "")
        + (stated.isEmpty ? "" : " (stated: \(stated.joined(separator: ", ")))"))
    for r in file.damaged {
      try reject(r, of: file, column: "", rule: FieldRule.unterminatedQuote.name)
    }
    return file
  }

  /// Sends `record` of `file` to `rejects.csv`, having broken `rule` in
  /// `column`.
  public func reject(_ record: TextRecords.Record, of file: TextRecords, column: String, rule: String) throws {
    try reject(
      RejectedRecord(
        file: file.path, record: record.number, byteOffset: record.byteOffset, column: column, rule: rule,
        raw: record.raw))
  }

  /// Adds a text file's counts to the run report (read = accepted +
  /// rejected + skipped empty), ends the rejects output, and fails like the
  /// record scan when the run's reject share passes `maxRejectShare`.
  public func finishTextRecords(
    _ file: TextRecords, accepted: Int, rejectsByRule: [String: Int]
  ) throws {
    var rejectsByRule = rejectsByRule
    if !file.damaged.isEmpty { rejectsByRule[FieldRule.unterminatedQuote.name, default: 0] += file.damaged.count }
    let rejected = rejectsByRule.values.reduce(0, +)
    var f = FileReport(
      path: file.path, bytes: file.bytes, encoding: file.dialect.encoding,
      delimiter: file.bytes == 0 ? "" : file.dialect.delimiterName,
      lineEnd: file.dialect.lineEnd, read: accepted + rejected + file.skippedEmpty, accepted: accepted,
      rejected: rejected, skippedEmpty: file.skippedEmpty, rejectsByRule: rejectsByRule)
    // A small file's records are its lines (counted by record).
    f.acceptedLines = accepted
    f.rejectedLines = rejected
    f.lines = accepted + rejected + file.skippedEmpty
    report.add([f])
    try closeRejects()
    log("\(file.path): \(accepted) accepted, \(rejected) rejected, \(file.skippedEmpty) empty lines skipped")
    try checkRejectShare()
  }

  /// Adds a note to the run report (a table skipped, rows recognised as
  /// aggregates) and logs it.
  public func note(_ text: String) {
    addNotes([text])
    log(text)
  }
}

/// A broken field rule as the failure of `TextField`'s checks.
extension FieldRule: Error {}
