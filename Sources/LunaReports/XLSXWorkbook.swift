import LunaPipeCore
internal import CXLSXWriter
import Foundation

/// An Excel workbook of all tables, one sheet per table after a contents
/// sheet, written with libxlsxwriter (the only file that imports it).
///
/// **The contents sheet** (`TableStyle.Labels.contents`, "Indhold") comes
/// first: the workbook's title, then each table's short name as a link to
/// its sheet and its caption.
///
/// **Each table's sheet**: a link back to the contents in row 1, the title
/// in row 2, the column labels in row 3 (frozen, with the first column, so
/// they stay in view), the rows, then the source line; a native chart under
/// it for a figure and for the tables `charted` picks.
///
/// **Ready to print.** Every sheet is set up for A4, fitted to one page
/// wide (as many pages down as it needs), landscape when wide (more than
/// `wideColumns` columns, or wider than a portrait page's printable width),
/// with the title and column labels repeated on every page, margins of
/// 1.27 cm at the sides and 1.9 cm above and below, a page header with the
/// workbook's title and the sheet's name, and the page number ("2/3") in
/// the footer.
///
/// Numbers are stored as numbers, rounded as the table prints them;
/// percentages (`_pct` columns) as fractions (5 % = 0.05), so that Excel
/// computes with them as percentages. A difference of percentages
/// (`Table.percentagePointColumns`, the growth of a share) is stored in
/// points (5 for 5 percentage points) and shown with the style's word for
/// them (`5 pp`, Danish `5 pct.-point`), never as `5%`. Text is always
/// stored as text, even when it begins with `=`: nothing becomes a formula.
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
  /// The column labels, total rows, code columns, the contents sheet's
  /// name and the fallback sheet name; neutral English by default.
  public var style: TableStyle
  /// Whether a table that is not a figure gets a chart of its year columns
  /// (a figure always gets one); none by default.
  public var charted: @Sendable (Table) -> Bool
  /// What a table's values are ("kr."), for its chart's value axis.
  public var unit: @Sendable (Table) -> String?

  /// 2025-01-01T00:00:00Z: any fixed time gives the same bytes run after run.
  public static let fixedCreated = Date(timeIntervalSince1970: 1_735_689_600)

  /// A sheet with more columns than this is printed landscape.
  public static let wideColumns = 8

  /// A workbook titled `title`; every other part is optional.
  public init(
    title: String, source: @escaping @Sendable (Table) -> String? = { _ in nil }, created: Date = Self.fixedCreated,
    order: @escaping @Sendable ([Table]) -> [Table] = { $0 }, style: TableStyle = .standard,
    charted: @escaping @Sendable (Table) -> Bool = { _ in false },
    unit: @escaping @Sendable (Table) -> String? = { _ in nil }
  ) {
    self.title = title
    self.source = source
    self.created = created
    self.order = order
    self.style = style
    self.charted = charted
    self.unit = unit
  }

  struct Failure: Error, CustomStringConvertible {
    let description: String
  }

  /// The sheet names for `tables`: each table's short name ("Table 19"),
  /// without the characters Excel forbids (`[]:*?/\`), at most 31
  /// characters, unique regardless of case (a repeat gets " (2)", and so
  /// does a name in `reserved`); `fallback` where nothing of the name is left.
  public static func sheetNames(
    _ tables: [Table], fallback: String = TableStyle.standard.labels.sheet, reserved: [String] = []
  ) -> [String] {
    var used = Set(reserved.map { $0.lowercased() })
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

  /// The contents sheet's name: the style's word ("Contents"), made a
  /// valid sheet name.
  public static func contentsName(_ style: TableStyle) -> String {
    let name = String(style.labels.contents.filter { !"[]:*?/\\'".contains($0) && $0 >= " " }.prefix(31))
      .trimmingCharacters(in: .whitespaces)
    return name.isEmpty ? "Contents" : name
  }

  /// The sheet names of the workbook of `tables` (in the order written):
  /// the contents sheet's, then one per table.
  public func sheetNames(_ tables: [Table]) -> [String] {
    let contents = Self.contentsName(style)
    return [contents] + Self.sheetNames(order(tables), fallback: style.labels.sheet, reserved: [contents])
  }

  /// The number format code of a numeric cell (see the type's notes);
  /// `points` is the word after a difference of percentages (`pp`).
  public static func numberFormat(decimals: Int, kind: TableDisplay.ColumnKind, points: String? = nil) -> String {
    let frac = decimals > 0 ? "." + String(repeating: "0", count: decimals) : ""
    if let points {
      let word = points.filter { $0 != "\"" && $0 != "\\" }
      return "0" + frac + (word.isEmpty ? "" : "\" \(word)\"")
    }
    switch kind {
    case .plain: return "#,##0" + frac
    case .percent: return "0" + frac + "%"
    case .code: return "0" + frac
    }
  }

  /// A link's target inside the workbook: cell A1 of sheet `name`.
  static func link(to name: String) -> String {
    "internal:'" + name.replacingOccurrences(of: "'", with: "''") + "'!A1"
  }

  /// Where a table sheet's parts are (rows from 0, as libxlsxwriter counts).
  enum Layout {
    static let backLink: lxw_row_t = 0
    static let title: lxw_row_t = 1
    static let header: lxw_row_t = 2
    static let firstRow: lxw_row_t = 3
  }

  /// A4 portrait's printable width in pixels at 96 dpi (8.27 in less the
  /// side margins); a wider sheet is printed landscape.
  static let portraitWidth = Int((8.27 - 2 * Margins.side) * 96)

  /// The page margins in inches.
  enum Margins {
    static let side = 0.5
    static let topBottom = 0.75
  }

  /// A column of `width` characters in pixels, as Excel draws it (Calibri 11).
  static func pixels(_ width: Double) -> Int { Int(width * 7 + 5) }

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
    let contentsName = Self.contentsName(style)
    let qualityPage = QualityPage(style: style)
    let names = Self.sheetNames(
      tables, fallback: style.labels.sheet, reserved: [contentsName] + (quality == nil ? [] : [qualityPage.title]))
    guard let contents = workbook_add_worksheet(wb, contentsName) else {
      throw Failure(description: "cannot add sheet \(contentsName)")
    }
    try contentsSheet(
      contents, tables: tables, names: names, quality: quality == nil ? nil : qualityPage.title, styles)
    let marks = TinyBaseMarks(quality?.tinyBases)
    for (table, name) in zip(tables, names) {
      guard let ws = workbook_add_worksheet(wb, name) else {
        throw Failure(description: "cannot add sheet \(name)")
      }
      try sheet(ws, name: name, table, contents: contentsName, wb, styles, marks: marks)
    }
    if let quality {
      let ws = try QualitySheet(page: qualityPage).add(to: wb, quality)
      try check(
        worksheet_write_url_opt(ws, 1, 0, Self.link(to: contentsName), styles.link, "← " + style.labels.contents, nil),
        qualityPage.title)
      try pageSetup(ws, name: qualityPage.title, wide: false, titleRows: 0...0)
    }
    closed = true
    try check(workbook_close(wb), "writing \(path)")
  }

  /// The contents sheet: the title, then a link to each table's sheet and
  /// the table's caption, and last a link to the data-quality sheet
  /// `quality` when there is one.
  private func contentsSheet(
    _ ws: UnsafeMutablePointer<lxw_worksheet>, tables: [Table], names: [String], quality: String?,
    _ styles: Styles
  ) throws {
    let what = "contents"
    try check(worksheet_write_string(ws, 1, 0, style.labels.contents, styles.header), what)
    try check(worksheet_write_blank(ws, 1, 1, styles.header), what)
    var nameWidth = Double(style.labels.contents.count) * 1.1 + 2
    var captionWidth = 20.0
    for (i, (table, name)) in zip(tables, names).enumerated() {
      let r = lxw_row_t(i + 2)
      let short = TableDisplay.shortName(table)
      try check(worksheet_write_url_opt(ws, r, 0, Self.link(to: name), styles.link, short, nil), what)
      try check(worksheet_write_string(ws, r, 1, TableDisplay.caption(table), styles.wrap), what)
      nameWidth = max(nameWidth, min(30, Double(short.count) * 1.1 + 2))
      captionWidth = max(captionWidth, min(85, Double(TableDisplay.caption(table).count) * 1.05 + 2))
    }
    if let quality {
      let r = lxw_row_t(tables.count + 2)
      try check(worksheet_write_url_opt(ws, r, 0, Self.link(to: quality), styles.link, quality, nil), what)
      nameWidth = max(nameWidth, Double(quality.count) * 1.1 + 2)
    }
    try check(worksheet_set_column(ws, 0, 0, nameWidth, nil), what)
    try check(worksheet_set_column(ws, 1, 1, captionWidth, nil), what)
    try paragraph(ws, 0, title, columns: 2, span: nameWidth + captionWidth, lineHeight: 17, styles.title, what)
    worksheet_freeze_panes(ws, 2, 1)
    try pageSetup(ws, name: style.labels.contents, wide: false, titleRows: 0...1)
  }

  private func sheet(
    _ ws: UnsafeMutablePointer<lxw_worksheet>, name: String, _ table: Table, contents: String,
    _ wb: UnsafeMutablePointer<lxw_workbook>, _ styles: Styles, marks: TinyBaseMarks = TinyBaseMarks(nil)
  ) throws {
    try check(
      worksheet_write_url_opt(
        ws, Layout.backLink, 0, Self.link(to: contents), styles.link, "← " + style.labels.contents, nil), table.id)
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
        worksheet_write_string(ws, Layout.header, lxw_col_t(c), label, numeric[c] ? styles.headerRight : styles.header),
        table.id)
      fit(c, label)
    }
    for (i, row) in table.rows.enumerated() {
      let r = Layout.firstRow + lxw_row_t(i)
      let total = style.isTotal(row)
      for (c, cell) in row.enumerated() {
        let kind = style.kind(of: table, at: c)
        let points = table.percentagePointColumns.contains(c)
        switch cell {
        case .empty:
          continue
        case .text(let t):
          try check(worksheet_write_string(ws, r, lxw_col_t(c), t, total ? styles.boldText : nil), table.id)
          fit(c, t)
        case .number(let x, let d):
          // The value as printed, as the nearest double to its decimal
          // digits; a percentage as the fraction (two more places), a
          // difference of percentages in points.
          let v =
            kind == .percent && !points
            ? Double(Rational(exactly: x.num, over: x.den * 100).formatted(decimals: d + 2))
            : TableDisplay.value(of: cell)
          guard let v else { continue }
          let f = styles.number(
            decimals: d, kind: kind, points: points ? style.labels.percentagePoints : nil, bold: total)
          try check(worksheet_write_number(ws, r, lxw_col_t(c), v, f), table.id)
          fit(c, style.text(of: cell, kind: kind) + (points ? " " + style.labels.percentagePoints : ""))
        }
      }
    }
    for (c, w) in widths.enumerated() {
      try check(worksheet_set_column(ws, lxw_col_t(c), lxw_col_t(c), w, nil), table.id)
    }
    // The title and the source line wrap within the table's width, so that
    // the page, fitted to the table, prints them whole.
    let span = widths.reduce(0, +)
    try paragraph(
      ws, Layout.title, table.title, columns: widths.count, span: span, lineHeight: 17, styles.title, table.id)
    let sourceRow = Layout.firstRow + lxw_row_t(table.rows.count) + 1
    if let s = source(table) {
      try paragraph(ws, sourceRow, s, columns: widths.count, span: span, lineHeight: 15, styles.source, table.id)
    }
    // Growth on a tiny base: a comment on each such cell and the footnote
    // under the source line (the chart starts a row further down).
    let flagged = marks.cells(in: table)
    if !flagged.isEmpty {
      let note = TinyBaseMarks.marker + " " + marks.note(style)
      for cell in flagged.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
        try check(
          worksheet_write_comment(ws, Layout.firstRow + lxw_row_t(cell[0]), lxw_col_t(cell[1]), note), table.id)
      }
      try paragraph(ws, sourceRow + 1, note, columns: widths.count, span: span, lineHeight: 15, styles.source, table.id)
    }
    worksheet_freeze_panes(ws, Layout.firstRow, 1)
    let tableWidth = widths.map(Self.pixels).reduce(0, +)
    var printed: (rows: lxw_row_t, columns: Int)? = nil
    if table.presentation == .figure || charted(table) {
      let chartRow = sourceRow + 2
      if let size = try chart(wb, ws, name: name, table, at: chartRow, width: tableWidth) {
        // The chart's columns (default width 64 px past the table's) and rows (20 px).
        var columns = widths.count
        var covered = tableWidth
        while covered < size.width {
          covered += 64
          columns += 1
        }
        printed = (chartRow + lxw_row_t((size.height + 19) / 20), columns)
      }
    }
    if let printed {
      try check(worksheet_print_area(ws, 0, 0, printed.rows, lxw_col_t(printed.columns - 1)), table.id)
    }
    let wide = table.header.count > Self.wideColumns || Double(tableWidth) > Double(Self.portraitWidth) * 1.15
    try pageSetup(ws, name: name, wide: wide, titleRows: Layout.title...Layout.header)
  }

  /// `text` in row `row` across the first `columns` columns (`span`
  /// characters wide), wrapped, the row as high as its lines.
  private func paragraph(
    _ ws: UnsafeMutablePointer<lxw_worksheet>, _ row: lxw_row_t, _ text: String, columns: Int, span: Double,
    lineHeight: Double, _ format: UnsafeMutablePointer<lxw_format>?, _ what: String
  ) throws {
    if columns > 1 {
      try check(worksheet_merge_range(ws, row, 0, row, lxw_col_t(columns - 1), text, format), what)
    } else {
      try check(worksheet_write_string(ws, row, 0, text, format), what)
    }
    // Bold 13 pt runs about 1.25 column characters a letter.
    let lines = max(1, Int((Double(text.count) * (lineHeight > 15 ? 1.25 : 1.0) / max(span, 1)).rounded(.up)))
    worksheet_set_row(ws, row, Double(lines) * lineHeight + 4, nil)
  }

  /// A4, one page wide, landscape when `wide`, `titleRows` on every page,
  /// the margins, the page header (title, sheet name) and footer (page
  /// number of pages).
  func pageSetup(_ ws: UnsafeMutablePointer<lxw_worksheet>, name: String, wide: Bool, titleRows: ClosedRange<lxw_row_t>)
    throws
  {
    worksheet_set_paper(ws, 9)  // A4
    if wide { worksheet_set_landscape(ws) } else { worksheet_set_portrait(ws) }
    worksheet_fit_to_pages(ws, 1, 0)
    worksheet_set_margins(ws, Margins.side, Margins.side, Margins.topBottom, Margins.topBottom)
    try check(worksheet_repeat_rows(ws, titleRows.lowerBound, titleRows.upperBound), name)
    // `&` starts a code in a page header: a literal one is `&&`.
    func literal(_ s: String) -> String { s.replacingOccurrences(of: "&", with: "&&") }
    var header = "&L" + literal(title) + "&R&A"
    if header.utf8.count > 255 { header = "&R&A" }
    try check(worksheet_set_header(ws, header), name)
    try check(worksheet_set_footer(ws, "&C&P/&N"), name)
  }

  /// A native column chart under the table: a figure's percentage columns
  /// (or every numeric column when it has none) by its rows, or a table's
  /// year columns by its rows; totals left out. Returns its size in
  /// pixels, or nil when there is nothing to chart.
  private func chart(
    _ wb: UnsafeMutablePointer<lxw_workbook>, _ ws: UnsafeMutablePointer<lxw_worksheet>, name: String,
    _ table: Table, at row: lxw_row_t, width tableWidth: Int
  ) throws -> (width: Int, height: Int)? {
    // The rows before the first total, as one range of cells.
    let count = table.rows.firstIndex { style.isTotal($0) } ?? table.rows.count
    guard count > 0, !table.header.isEmpty else { return nil }
    let rows = table.rows[..<count]
    func hasValues(_ c: Int) -> Bool { rows.contains { c < $0.count && TableDisplay.value(of: $0[c]) != nil } }
    let columns: [Int]
    var percent = false
    if table.presentation == .figure {
      let numeric = table.header.indices.dropFirst().filter(hasValues)
      let shares = numeric.filter {
        TableDisplay.isPercent(table.header[$0]) && !table.percentagePointColumns.contains($0)
      }
      percent = !shares.isEmpty
      columns = percent ? shares : numeric
    } else {
      columns = TableDisplay.yearColumns(table).filter(hasValues)
    }
    guard !columns.isEmpty, let chart = workbook_add_chart(wb, UInt8(LXW_CHART_COLUMN.rawValue)) else { return nil }
    let first = Layout.firstRow
    let last = Layout.firstRow + lxw_row_t(count - 1)
    for c in columns {
      guard let series = chart_add_series(chart, nil, nil) else { continue }
      chart_series_set_categories(series, name, first, 0, last, 0)
      chart_series_set_values(series, name, first, lxw_col_t(c), last, lxw_col_t(c))
      chart_series_set_name_range(series, name, Layout.header, lxw_col_t(c))
    }
    // The title from its cell: a chart's title given as text is a formula
    // when it begins with `=`.
    chart_title_set_name_range(chart, name, Layout.title, 0)
    var font = lxw_chart_font()
    font.size = 11
    font.bold = 1
    chart_title_set_name_font(chart, &font)
    chart_legend_set_position(chart, UInt8(LXW_CHART_LEGEND_BOTTOM.rawValue))
    chart_axis_set_num_format(chart.pointee.y_axis, percent ? "0%" : "#,##0")
    if let unit = unit(table), !unit.hasPrefix("=") {
      chart_axis_set_name(chart.pointee.y_axis, unit)
    }
    let size = (width: max(600, min(tableWidth, 960)), height: 360)
    var options = lxw_chart_options()
    options.x_scale = Double(size.width) / 480
    options.y_scale = Double(size.height) / 288
    try check(worksheet_insert_chart_opt(ws, row, 0, chart, &options), table.id)
    return size
  }

  private func check(_ e: lxw_error, _ what: String) throws {
    guard e == LXW_NO_ERROR else {
      throw Failure(description: "xlsx: \(what): \(String(cString: lxw_strerror(e)))")
    }
  }

  /// The workbook's cell formats, made once each.
  private final class Styles {
    let wb: UnsafeMutablePointer<lxw_workbook>
    let title, header, headerRight, boldText, source, link, wrap: UnsafeMutablePointer<lxw_format>?
    private var numbers: [String: UnsafeMutablePointer<lxw_format>?] = [:]

    init(_ wb: UnsafeMutablePointer<lxw_workbook>) {
      self.wb = wb
      title = workbook_add_format(wb)
      format_set_bold(title)
      format_set_font_size(title, 13)
      format_set_font_color(title, 0x1F4E79)
      format_set_text_wrap(title)
      format_set_align(title, UInt8(LXW_ALIGN_VERTICAL_TOP.rawValue))
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
      format_set_text_wrap(source)
      format_set_align(source, UInt8(LXW_ALIGN_VERTICAL_TOP.rawValue))
      link = workbook_add_format(wb)
      format_set_underline(link, UInt8(LXW_UNDERLINE_SINGLE.rawValue))
      format_set_font_color(link, 0x0563C1)
      wrap = workbook_add_format(wb)
      format_set_text_wrap(wrap)
      format_set_align(wrap, UInt8(LXW_ALIGN_VERTICAL_TOP.rawValue))
    }

    func number(decimals: Int, kind: TableDisplay.ColumnKind, points: String?, bold: Bool)
      -> UnsafeMutablePointer<lxw_format>?
    {
      let code = XLSXWorkbook.numberFormat(decimals: decimals, kind: kind, points: points)
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
