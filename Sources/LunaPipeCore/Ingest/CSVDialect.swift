/// How a CSV file is written, as its user states it. Every item is
/// optional: what is not stated is detected (delimiter, encoding) or takes
/// the reader's default (the rest), and what was used is reported
/// (`Dialect`, the run report's per-file entries, the log).
///
///     var d = CSVDialect()
///     d.delimiter = UInt8(ascii: " ")
///     d.quote = .apostrophe
///     d.skipLines = 1
///     let file = try TextRecords.read("preamble.csv", dialect: d)
///
/// Both read paths take it: `TextRecords.read(_:dialect:numberFormat:)`
/// and the record scan (`ScanOptions.dialect`). The scan takes every item
/// but an escape other than doubling, which only `TextRecords` reads (the
/// scan refuses it, rather than read the files otherwise than stated).
public struct CSVDialect: Sendable, Codable, Equatable, Hashable {
  /// The quote character of quoted fields.
  public enum Quote: String, Sendable, Codable, CaseIterable {
    /// `"` (RFC 4180).
    case double = "\""
    /// `'`.
    case apostrophe = "'"
    /// No quoting: a quote character is text.
    case none

    /// The quote's byte, nil for `none`.
    public var byte: UInt8? {
      switch self {
      case .double: return 0x22
      case .apostrophe: return 0x27
      case .none: return nil
      }
    }
  }

  /// How a quote character is written inside a quoted field.
  public enum Escape: String, Sendable, Codable, CaseIterable {
    /// Doubled (`""`), as RFC 4180.
    case doubling
    /// After a backslash (`\"`); a backslash escapes any character.
    case backslash
    /// Not at all: a quote inside a quoted field ends it.
    case none
  }

  /// The field delimiter, any byte (space included); nil: detected.
  public var delimiter: UInt8?
  /// The quote character; nil: `"`.
  public var quote: Quote?
  /// How quotes are escaped inside quoted fields; nil: doubling.
  public var escape: Escape?
  /// The text encoding; nil: detected on all of the file's bytes.
  public var encoding: TextEncoding?
  /// Lines of header: 0 (then `columnNames` names the columns), 1, or N,
  /// each column's name the N rows' fields joined by a space (empty ones
  /// left out); nil: 1.
  public var headerRows: Int?
  /// The column names of a file without a header (`headerRows` 0).
  public var columnNames: [String]?
  /// Lines before the header (a title, a preamble), skipped whole; nil: 0.
  public var skipLines: Int?
  /// Lines starting with this text are skipped (before and after the
  /// header; after it, counted with the skipped empty lines); nil: none.
  public var commentPrefix: String?
  /// Spaces (and TABs, unless TAB delimits) around unquoted fields are
  /// removed; nil: the reader's default (`TextRecords`: none; the scan:
  /// trimmed, as libcsv has always read the extracts, so that a stated
  /// `false` is the opt-out there).
  public var trimSpaces: Bool?
  /// Field values that mean "no value" (`NA`, `..`, `-`), read as empty;
  /// nil: none.
  public var absentMarkers: [String]?

  /// A dialect with nothing stated: everything detected or default.
  public init(
    delimiter: UInt8? = nil, quote: Quote? = nil, escape: Escape? = nil, encoding: TextEncoding? = nil,
    headerRows: Int? = nil, columnNames: [String]? = nil, skipLines: Int? = nil, commentPrefix: String? = nil,
    trimSpaces: Bool? = nil, absentMarkers: [String]? = nil
  ) {
    self.delimiter = delimiter
    self.quote = quote
    self.escape = escape
    self.encoding = encoding
    self.headerRows = headerRows
    self.columnNames = columnNames
    self.skipLines = skipLines
    self.commentPrefix = commentPrefix
    self.trimSpaces = trimSpaces
    self.absentMarkers = absentMarkers
  }

  /// Nothing is stated.
  public var isEmpty: Bool { self == CSVDialect() }

  /// The quote byte in effect (`"` unless stated), nil for none.
  var quoteByte: UInt8? { (quote ?? .double).byte }

  /// What is stated, as options a run's key and its log show
  /// (`delimiter=;`, `quote='`), in a fixed order; empty when nothing is.
  public var stated: [String: String] {
    var o: [String: String] = [:]
    if let delimiter { o["delimiter"] = Dialect.name(ofDelimiter: delimiter) }
    if let quote { o["quote"] = quote == .none ? "none" : quote.rawValue }
    if let escape { o["escape"] = escape.rawValue }
    if let encoding { o["encoding"] = encoding.rawValue }
    if let headerRows { o["header-rows"] = String(headerRows) }
    if let columnNames { o["column-names"] = columnNames.joined(separator: ",") }
    if let skipLines { o["skip-lines"] = String(skipLines) }
    if let commentPrefix { o["comment-prefix"] = commentPrefix }
    if let trimSpaces { o["trim-spaces"] = trimSpaces ? "yes" : "no" }
    if let absentMarkers { o["absent-markers"] = absentMarkers.joined(separator: ",") }
    return o
  }

  /// Checks what is stated holds together: header rows 0 need column
  /// names, column names need header rows 0, counts are not negative.
  public func check() throws {
    if let h = headerRows, h < 0 { throw PipelineError.input("header rows must be 0 or more (stated \(h))") }
    if let s = skipLines, s < 0 { throw PipelineError.input("lines to skip must be 0 or more (stated \(s))") }
    if headerRows == 0 && (columnNames ?? []).isEmpty {
      throw PipelineError.input("a file without a header (header rows 0) needs its column names stated")
    }
    if let names = columnNames, !names.isEmpty, (headerRows ?? 1) != 0 {
      throw PipelineError.input("column names are stated for a file without a header only (header rows 0)")
    }
    if let d = delimiter, d == 0x0A || d == 0x0D || d == quoteByte {
      throw PipelineError.input("the delimiter cannot be a line end or the quote character")
    }
  }

  /// Parses a delimiter as a user writes it: one character, or `TAB`,
  /// `\t`, `space`, `pipe`, `semicolon`, `comma`.
  public static func delimiter(named s: String) -> UInt8? {
    switch s.lowercased() {
    case "tab", "\\t", "\t": return 9
    case "space", " ": return 32
    case "pipe": return UInt8(ascii: "|")
    case "semicolon": return UInt8(ascii: ";")
    case "comma": return UInt8(ascii: ",")
    default:
      let u = Array(s.utf8)
      return u.count == 1 && u[0] < 0x80 ? u[0] : nil
    }
  }
}
