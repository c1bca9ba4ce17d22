/// CSV as every LunaPipe writer writes it (RFC 4180): the tables
/// (`tables/`, `tables-LANG/`), tidy rows (`EmitRows`, the tidy
/// aggregates) and `rejects.csv`. Two rules hold for every field:
///
/// - **Quoting is decided on the field's bytes**: a field holding a CR, an
///   LF, a `"` or the delimiter, or beginning or ending with a space or a
///   TAB, is quoted, its quotes doubled. So every field reads back as it
///   was written (`"\r\n"`, one `Character`, cannot slip through), also in
///   readers that trim unquoted fields.
/// - **A text field never starts a formula**: one that begins with `=`,
///   `+`, `-`, `@`, TAB or CR is written with a leading `'`, which a
///   spreadsheet shows as text rather than running the field as a formula
///   (OWASP's advice against CSV injection). Values (numbers, counts,
///   dates) are written as they are: `-12` and `-12,5` stay. Whether a
///   field is text comes from its type (`Table.Cell`, `GroupValue`, the
///   column), never from how it looks.
///
///     var out: [UInt8] = []
///     CSVText.append("=SUM(1)", .text, delimiter: ",", to: &out)   // '=SUM(1)
///     CSVText.append("-12", .value, delimiter: ",", to: &out)      // -12
///     CSVText.append("a\r\nb", .text, delimiter: ",", to: &out)    // "a\r\nb"
public enum CSVText {
  /// What a field holds, which decides whether it may be read as a formula.
  public enum Kind: Sendable, Equatable {
    /// Text: a label, a name, a code as given, a header, a raw record.
    /// Written with a leading `'` when it begins like a formula.
    case text
    /// A value written by LunaPipe itself: a number (`-12`, `1.234,5`), a
    /// count, a date. Written as it is.
    case value
  }

  /// Appends `s` as one field of `kind` to `out`, in UTF-8: with a leading
  /// `'` when it is text that begins with `=`, `+`, `-`, `@`, TAB or CR;
  /// quoted, its quotes doubled, when it holds CR, LF, `"` or `delimiter`,
  /// or begins or ends with a space or a TAB.
  public static func append(_ s: String, _ kind: Kind, delimiter: Character, to out: inout [UInt8]) {
    let bytes = s.utf8
    guard let first = bytes.first else { return }
    let guarded = kind == .text && startsFormula(first)
    var quoted = false
    // With the `'` in front, the field no longer begins with a space or TAB.
    if !guarded && (first == 0x20 || first == 0x09) { quoted = true }
    if let last = bytes.last, last == 0x20 || last == 0x09 { quoted = true }
    if !quoted {
      let d = delimiter.utf8
      if d.count == 1, let db = d.first {
        quoted = bytes.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0x22 || $0 == db }
      } else {
        quoted = bytes.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0x22 } || holds(bytes, Array(d))
      }
    }
    if quoted { out.append(0x22) }
    if guarded { out.append(0x27) }
    if quoted {
      for b in bytes {
        if b == 0x22 { out.append(0x22) }
        out.append(b)
      }
      out.append(0x22)
    } else {
      out.append(contentsOf: bytes)
    }
  }

  /// Appends `fields` as one CSV line to `out`: each written as
  /// `append(_:_:delimiter:to:)` writes it, joined by `delimiter`, ended by
  /// LF.
  public static func append<Fields: Sequence>(
    row fields: Fields, delimiter: Character, to out: inout [UInt8]
  ) where Fields.Element == (String, Kind) {
    var first = true
    for (s, kind) in fields {
      if !first { out.append(contentsOf: delimiter.utf8) }
      first = false
      append(s, kind, delimiter: delimiter, to: &out)
    }
    out.append(0x0A)
  }

  /// `s` as one CSV field, written as `append(_:_:delimiter:to:)` writes it.
  public static func field(_ s: String, _ kind: Kind = .text, delimiter: Character) -> String {
    var out: [UInt8] = []
    append(s, kind, delimiter: delimiter, to: &out)
    return String(decoding: out, as: UTF8.self)
  }

  /// `fields`, each of them text, as one CSV line: written as
  /// `append(row:delimiter:to:)` writes it.
  public static func row(_ fields: [String], delimiter: Character) -> String {
    var out: [UInt8] = []
    append(row: fields.lazy.map { ($0, Kind.text) }, delimiter: delimiter, to: &out)
    return String(decoding: out, as: UTF8.self)
  }

  /// Whether a text field beginning with `byte` would be read as a formula
  /// by a spreadsheet: `=`, `+`, `-`, `@`, TAB or CR.
  @inline(__always)
  static func startsFormula(_ byte: UInt8) -> Bool {
    byte == 0x3D || byte == 0x2B || byte == 0x2D || byte == 0x40 || byte == 0x09 || byte == 0x0D
  }

  /// Whether `bytes` hold `needle` (a delimiter of more than one byte).
  private static func holds(_ bytes: String.UTF8View, _ needle: [UInt8]) -> Bool {
    let b = Array(bytes)
    guard b.count >= needle.count else { return false }
    return (0...(b.count - needle.count)).contains { b[$0..<($0 + needle.count)].elementsEqual(needle) }
  }
}
