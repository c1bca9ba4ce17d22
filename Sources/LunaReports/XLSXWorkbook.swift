import LunaPipeCore
internal import CXLSXWriter
import Foundation

/// An Excel workbook of all tables, one sheet per table, written with
/// libxlsxwriter (the only file that imports it).
///
/// Each sheet: the title in row 1, the column labels in row 2 (frozen, with
/// the first column, so they stay in view), the rows, then the source line.
/// Numbers are stored as numbers, rounded as the table prints them;
/// percentages (`_pct` columns) as fractions (5 % = 0.05), so that Excel
/// computes with them as percentages.
///
/// **Display formats in the reader's locale.** A number format in an xlsx
/// file is stored in Excel's locale-independent code, where `,` means
/// "group thousands" and `.` means "decimal mark": `#,##0`, `#,##0.00`,
/// `0%`. Excel and LibreOffice show these with the reader's own
/// separators, so a Danish reader sees `2.851.115`, `7,20` and `5%`, and a
/// reader elsewhere their own convention, for the same stored number.
/// Writing a locale's characters literally (`#.##0` or `0,00`) would
/// instead make an Excel of another locale misread the code and break the
/// numbers. So the style's number format enters the workbook only as the
/// column widths (fitted to the numbers as the style writes them); its
/// labels, totals and code columns enter as they are. Codes (a year, a
/// postal code; see `TableStyle.CodeColumns`) get `0`, never grouped.
///
/// **Same bytes for the same tables.** libxlsxwriter stamps the document's
/// creation time into `docProps/core.xml`; the workbook sets `created` to a
/// fixed moment instead (the zip entries already carry a fixed date).
///
///     try XLSXWorkbook(title: "Plan").write(tables, to: "out/plan.xlsx")
public struct XLSXWorkbook: Sendable {
  /// The document title (File › Properties).
  public var title: String
  /// The line under a table ("Source: registry"), if any.
  public var source: @Sendable (Table) -> String?
  /// The creation time written into the document properties.
  public var created: Date
  /// The order of the sheets; as given by default.
  public var order: @Sendable ([Table]) -> [Table]
  /// The column labels, total rows, code columns and the fallback sheet
  /// name; neutral English by default.
  public var style: TableStyle

  /// 2025-01-01T00:00:00Z: any fixed time gives the same bytes run after run.
  public static let fixedCreated = Date(timeIntervalSince1970: 1_735_689_600)

  /// A workbook titled `title`; every other part is optional.
  public init(
    title: String, source: @escaping @Sendable (Table) -> String? = { _ in nil }, created: Date = Self.fixedCreated,
    order: @escaping @Sendable ([Table]) -> [Table] = { $0 }, style: TableStyle = .standard
  ) {
    self.title = title
    self.source = source
    self.created = created
    self.order = order
    self.style = style
  }

  struct Failure: Error, CustomStringConvertible {
    let description: String
  }

  /// The sheet names for `tables`: each table's short name ("Table 19"),
  /// without the characters Excel forbids (`[]:*?/\`), at most 31
  /// characters, unique regardless of case (a repeat gets " (2)");
  /// `fallback` where nothing of the name is left.
  public static func sheetNames(_ tables: [Table], fallback: String = TableStyle.standard.labels.sheet) -> [String] {
    var used = Set<String>()
    return tables.map { t in
      var base = String(TableDisplay.shortName(t).filter { !"[]:*?/\\".contains($0) && $0 >= " " })
      base = base.trimmingCharacters(in: CharacterSet(charactersIn: "' "))
      if base.isEmpty { base = fallback }
      base = String(base.prefix(31))
      var name = base
      var k = 2
      while used.contains(name.lowercased()) {
        let suffix = " (\(k))"
        name = String(base.prefix(31 - suffix.count)) + suffix
        k += 1
      }
      used.insert(name.lowercased())
      return name
    }
  }

  /// The number format code of a numeric cell (see the type's notes).
  public static func numberFormat(decimals: Int, kind: TableDisplay.ColumnKind) -> String {
    let frac = decimals > 0 ? "." + String(repeating: "0", count: decimals) : ""
    switch kind {
    case .plain: return "#,##0" + frac
    case .percent: return "0" + frac + "%"
    case .code: return "0" + frac
    }
  }

  /// Writes the workbook to `path`; with `quality`, a last sheet of the
  /// run's data-quality facts (`QualitySheet`).
  public func write(_ tables: [Table], to path: String, quality: DataQuality? = nil) throws {
    let tables = order(tables)
    guard let wb = workbook_new(path) else { throw Failure(description: "cannot create \(path)") }
    var closed = false
    defer { if !closed { workbook_close(wb) } }

    // Document properties; libxlsxwriter copies the strings.
    var props = lxw_doc_properties()
    let cTitle = strdup(title)
    defer { free(cTitle) }
    props.title = cTitle
    props.created = time_t(created.timeIntervalSince1970)
    try check(workbook_set_properties(wb, &props), "document properties")

    let styles = Styles(wb)
    for (table, name) in zip(tables, Self.sheetNames(tables, fallback: style.labels.sheet)) {
      guard let ws = workbook_add_worksheet(wb, name) else {
        throw Failure(description: "cannot add sheet \(name)")
      }
      try sheet(ws, table, styles)
    }
    if let quality { try QualitySheet(page: QualityPage(style: style)).add(to: wb, quality) }
    closed = true
    try check(workbook_close(wb), "writing \(path)")
  }

  private func sheet(_ ws: UnsafeMutablePointer<lxw_worksheet>, _ table: Table, _ styles: Styles) throws {
    try check(worksheet_write_string(ws, 0, 0, table.title, styles.title), table.id)
    worksheet_set_row(ws, 0, 21, nil)
    var widths = [Double](repeating: 8, count: max(1, table.header.count))
    func fit(_ c: Int, _ text: String) {
      while widths.count <= c { widths.append(8) }
      widths[c] = max(widths[c], min(60, Double(text.count) * 1.1 + 2))
    }
    let numeric = table.header.indices.map { c in
      table.rows.contains { c < $0.count && TableDisplay.value(of: $0[c]) != nil }
    }
    for c in table.header.indices {
      let label = style.columnLabel(of: table, at: c)
      try check(
        worksheet_write_string(ws, 1, lxw_col_t(c), label, numeric[c] ? styles.headerRight : styles.header), table.id)
      fit(c, label)
    }
    for (i, row) in table.rows.enumerated() {
      let r = lxw_row_t(i + 2)
      let total = style.isTotal(row)
      for (c, cell) in row.enumerated() {
        let kind = style.kind(of: table, at: c)
        switch cell {
        case .empty:
          continue
        case .text(let t):
          try check(worksheet_write_string(ws, r, lxw_col_t(c), t, total ? styles.boldText : nil), table.id)
          fit(c, t)
        case .number(let x, let d):
          // The value as printed, as the nearest double to its decimal
          // digits; a percentage as the fraction (two more places).
          let v =
            kind == .percent
            ? Double(Rational(exactly: x.num, over: x.den * 100).formatted(decimals: d + 2))
            : TableDisplay.value(of: cell)
          guard let v else { continue }
          let f = styles.number(decimals: d, kind: kind, bold: total)
          try check(worksheet_write_number(ws, r, lxw_col_t(c), v, f), table.id)
          fit(c, style.text(of: cell, kind: kind))
        }
      }
    }
    if let s = source(table) {
      try check(worksheet_write_string(ws, lxw_row_t(table.rows.count + 3), 0, s, styles.source), table.id)
    }
    for (c, w) in widths.enumerated() {
      try check(worksheet_set_column(ws, lxw_col_t(c), lxw_col_t(c), w, nil), table.id)
    }
    worksheet_freeze_panes(ws, 2, 1)
  }

  private func check(_ e: lxw_error, _ what: String) throws {
    guard e == LXW_NO_ERROR else {
      throw Failure(description: "xlsx: \(what): \(String(cString: lxw_strerror(e)))")
    }
  }

  /// The workbook's cell formats, made once each.
  private final class Styles {
    let wb: UnsafeMutablePointer<lxw_workbook>
    let title, header, headerRight, boldText, source: UnsafeMutablePointer<lxw_format>?
    private var numbers: [String: UnsafeMutablePointer<lxw_format>?] = [:]

    init(_ wb: UnsafeMutablePointer<lxw_workbook>) {
      self.wb = wb
      title = workbook_add_format(wb)
      format_set_bold(title)
      format_set_font_size(title, 13)
      format_set_font_color(title, 0x1F4E79)
      header = workbook_add_format(wb)
      headerRight = workbook_add_format(wb)
      for h in [header, headerRight] {
        format_set_bold(h)
        format_set_font_color(h, 0xFFFFFF)
        format_set_bg_color(h, 0x1F4E79)
      }
      format_set_align(headerRight, UInt8(LXW_ALIGN_RIGHT.rawValue))
      boldText = workbook_add_format(wb)
      format_set_bold(boldText)
      format_set_top(boldText, UInt8(LXW_BORDER_THIN.rawValue))
      source = workbook_add_format(wb)
      format_set_italic(source)
      format_set_font_color(source, 0x404040)
    }

    func number(decimals: Int, kind: TableDisplay.ColumnKind, bold: Bool) -> UnsafeMutablePointer<lxw_format>? {
      let code = XLSXWorkbook.numberFormat(decimals: decimals, kind: kind)
      let key = code + (bold ? " bold" : "")
      if let f = numbers[key] { return f }
      let f = workbook_add_format(wb)
      format_set_num_format(f, code)
      if bold {
        format_set_bold(f)
        format_set_top(f, UInt8(LXW_BORDER_THIN.rawValue))
      }
      numbers[key] = f
      return f
    }
  }
}

/// Stage: writes the Excel workbook of all tables into the run's output
/// directory and passes the tables on.
public struct EmitWorkbook: Stage {
  /// Logs and errors name the stage `workbook`.
  public let label = "workbook"
  /// The workbook to write.
  public var workbook: XLSXWorkbook
  /// The workbook's path within the output directory (`plan.xlsx`).
  public var file: String

  /// Writes `workbook` of the tables it is given to `file`.
  public init(_ workbook: XLSXWorkbook, file: String) {
    self.workbook = workbook
    self.file = file
  }

  /// Writes the workbook of `tables` and returns them unchanged; writes
  /// nothing when the run has no output directory. Throws
  /// `PipelineError.output` when libxlsxwriter cannot write it.
  public func run(_ tables: [Table], in context: RunContext) throws -> [Table] {
    guard let out = context.output else { return tables }
    do {
      try workbook.write(tables, to: try out.path(for: file), quality: context.reportWithQuality().quality)
    } catch let e as XLSXWorkbook.Failure {
      throw PipelineError.output(e.description)
    }
    return tables
  }
}

extension Pipeline where Output == [Table] {
  /// Appends `EmitWorkbook`: one xlsx file, a sheet per table.
  public func workbook(_ workbook: XLSXWorkbook, file: String) -> Pipeline<Input, [Table]> {
    then(EmitWorkbook(workbook, file: file))
  }
}
