import Foundation

/// The formats a table is written in. The machine formats (`csv`, `json`)
/// are the same in every style; the ones for people (`localizedCSV`,
/// `markdown`) write numbers in the style's format, a code column's digits
/// ungrouped, and headers and text cells as given, but made safe to open:
/// in CSV a text cell that begins like a formula (`=`, `+`, `-`, `@`, TAB,
/// CR) gets a leading `'` (`CSVText`), numbers never; Markdown escapes
/// `\`, `|`, `<`, `>`, the backtick and `*` in cells and titles.
public enum TableFormat: String, Sendable, CaseIterable, Codable {
  /// `tables/ID.csv`: comma-separated, decimal point, no thousands
  /// separator, UTF-8: the published tables' own schema, for machines.
  case csv
  /// `tables-LANG/ID.csv` (`LANG` the style's language, `tables-da` for
  /// Danish): for spreadsheet users of the style's locale: the style's
  /// list separator between fields (`;` for Danish), its decimal mark and
  /// thousands grouping (`1.234,5`), UTF-8 with BOM.
  case localizedCSV
  /// `tables-md/ID.md`: a Markdown table with its title, numbers in the
  /// style's format, text escaped (`\<script>`, `a \| b`).
  case markdown
  /// `tables-json/ID.json`: `{"id", "title", "header", "rows"}`, numbers as
  /// JSON numbers with the table's decimals, empty cells as null.
  case json

  /// The directory of this format's files in a run's output; only
  /// `localizedCSV`'s depends on the style (its language).
  public func directory(_ style: TableStyle = .standard) -> String {
    switch self {
    case .csv: return "tables"
    case .localizedCSV: return "tables-\(style.language)"
    case .markdown: return "tables-md"
    case .json: return "tables-json"
    }
  }

  /// The extension of this format's files.
  public var fileExtension: String {
    switch self {
    case .csv, .localizedCSV: return "csv"
    case .markdown: return "md"
    case .json: return "json"
    }
  }

  /// The bytes of `table` in this format; `style` matters only to the
  /// formats for people (`localizedCSV`, `markdown`).
  public func render(_ table: Table, style: TableStyle = .standard) -> [UInt8] {
    /// A cell as people read it in `style`, without the `%` of a
    /// percentage (the header says it), a code column's digits ungrouped.
    func localized(_ c: Table.Cell, _ column: Int) -> String {
      style.text(of: c, kind: style.kind(of: table, at: column) == .code ? .code : .plain)
    }
    switch self {
    case .csv:
      var out: [UInt8] = []
      CSVText.append(row: table.header.lazy.map { ($0, .text) }, delimiter: ",", to: &out)
      for row in table.rows {
        CSVText.append(
          row: row.lazy.map { (Self.cell($0, mark: ".", group: nil), $0.csvKind) }, delimiter: ",", to: &out)
      }
      return out
    case .localizedCSV:
      let d = style.listSeparator
      var out: [UInt8] = [0xEF, 0xBB, 0xBF]
      CSVText.append(row: table.header.lazy.map { ($0, .text) }, delimiter: d, to: &out)
      for row in table.rows {
        CSVText.append(row: row.enumerated().lazy.map { (localized($1, $0), $1.csvKind) }, delimiter: d, to: &out)
      }
      return out
    case .markdown:
      var s = "### \(Self.escapeMarkdown(table.title))\n\n"
      s += "| " + table.header.map(Self.escapeMarkdown).joined(separator: " | ") + " |\n"
      s += "|" + table.header.indices.map { $0 == 0 ? "---|" : "---:|" }.joined() + "\n"
      for row in table.rows {
        s += "| " + row.enumerated().map { Self.escapeMarkdown(localized($1, $0)) }.joined(separator: " | ") + " |\n"
      }
      return Array(s.utf8)
    case .json:
      func str(_ t: String) -> String {
        var o = "\""
        for u in t.unicodeScalars {
          switch u {
          case "\"": o += "\\\""
          case "\\": o += "\\\\"
          case "\n": o += "\\n"
          case "\r": o += "\\r"
          case "\t": o += "\\t"
          default:
            if u.value < 0x20 { o += String(format: "\\u%04x", u.value) } else { o.unicodeScalars.append(u) }
          }
        }
        return o + "\""
      }
      func value(_ c: Table.Cell) -> String {
        switch c {
        case .text(let t): return str(t)
        case .empty: return "null"
        case .number(let r, let d): return r.formatted(decimals: d)
        }
      }
      var s = "{\"id\": \(str(table.id)), \"title\": \(str(table.title)),\n"
      s += " \"header\": [" + table.header.map(str).joined(separator: ", ") + "],\n \"rows\": [\n"
      s += table.rows.map { "  [" + $0.map(value).joined(separator: ", ") + "]" }.joined(separator: ",\n")
      return Array((s + "\n ]}\n").utf8)
    }
  }

  static func cell(_ c: Table.Cell, mark: Character, group: Character?) -> String {
    switch c {
    case .text(let t): return t
    case .empty: return ""
    case .number(let r, let d): return r.formatted(decimals: d, mark: mark, group: group)
    }
  }

  /// `s` as Markdown text: a backslash before each `\\`, `|`, `<`, `>`,
  /// `` ` `` and `*`, so that a cell or title can neither end its table
  /// cell nor be read as HTML (`<script>`), code or emphasis.
  static func escapeMarkdown(_ s: String) -> String {
    guard s.utf8.contains(where: { markdownSpecial($0) }) else { return s }
    var out: [UInt8] = []
    out.reserveCapacity(s.utf8.count + 8)
    for b in s.utf8 {
      if markdownSpecial(b) { out.append(0x5C) }
      out.append(b)
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// `\\`, `|`, `<`, `>`, `` ` `` or `*`.
  private static func markdownSpecial(_ b: UInt8) -> Bool {
    b == 0x5C || b == 0x7C || b == 0x3C || b == 0x3E || b == 0x60 || b == 0x2A
  }
}

extension Table.Cell {
  /// What the cell is to a CSV writer: a text cell is text (never written
  /// as a formula), a number or an empty cell a value.
  var csvKind: CSVText.Kind {
    if case .text = self { return .text }
    return .value
  }
}
