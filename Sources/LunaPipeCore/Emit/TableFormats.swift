import Foundation

/// The formats a table is written in.
public enum TableFormat: String, Sendable, CaseIterable, Codable {
  /// `tables/ID.csv`: comma-separated, decimal point, no thousands
  /// separator, UTF-8: the published tables' own schema, for machines.
  case csv
  /// `tables-da/ID.csv`: for Excel users in Denmark: `;`, decimal comma,
  /// `.` between thousands, UTF-8 with BOM.
  case danishCSV
  /// `tables-md/ID.md`: a Markdown table with its title.
  case markdown
  /// `tables-json/ID.json`: `{"id", "title", "header", "rows"}`, numbers as
  /// JSON numbers with the table's decimals, empty cells as null.
  case json

  public var directory: String {
    switch self {
    case .csv: return "tables"
    case .danishCSV: return "tables-da"
    case .markdown: return "tables-md"
    case .json: return "tables-json"
    }
  }

  public var fileExtension: String {
    switch self {
    case .csv, .danishCSV: return "csv"
    case .markdown: return "md"
    case .json: return "json"
    }
  }

  /// The bytes of `table` in this format.
  public func render(_ table: Table) -> [UInt8] {
    switch self {
    case .csv:
      var s = CSVText.row(table.header, delimiter: ",")
      for row in table.rows { s += CSVText.row(row.map { Self.cell($0, mark: ".", group: nil) }, delimiter: ",") }
      return Array(s.utf8)
    case .danishCSV:
      var s = CSVText.row(table.header, delimiter: ";")
      for row in table.rows { s += CSVText.row(row.map { Self.cell($0, mark: ",", group: ".") }, delimiter: ";") }
      return [0xEF, 0xBB, 0xBF] + Array(s.utf8)
    case .markdown:
      var s = "### \(table.title)\n\n"
      s += "| " + table.header.map(Self.escapeMarkdown).joined(separator: " | ") + " |\n"
      s += "|" + table.header.indices.map { $0 == 0 ? "---|" : "---:|" }.joined() + "\n"
      for row in table.rows {
        s += "| " + row.map { Self.escapeMarkdown(Self.cell($0, mark: ",", group: ".")) }.joined(separator: " | ") + " |\n"
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

  static func escapeMarkdown(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
}
