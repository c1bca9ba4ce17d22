import LunaPipeCore
/// One self-contained HTML page with every table of a run: titles as
/// given, numbers and words in the report's style (`1234567`, `7.20`, `5%`
/// with the standard style; `1.234.567`, `7,20` with a Danish one), its
/// language as the page's `lang`, a source line under each table, and bar
/// charts as inline SVG.
///
/// The page opens with a cover: the title, the intro and a summary of the
/// run (the composer's `facts`, the run's id and date, the number of tables
/// and figures, the records of each input). It prints on A4 (see
/// `printCSS`): a running header with `running` and the run, page numbers,
/// each table whole on a page when it fits, wide tables in smaller type or
/// on landscape pages (`printFit`), never cut.
///
/// The page needs nothing from anywhere: the CSS is inline, the charts are
/// inline SVG, there are no scripts, fonts or images to fetch. It holds the
/// run's date but no time of day, so the same run gives the same bytes.
///
///     let report = HTMLReport(title: "Plan", source: { _ in "Source: registry" })
///     let bytes = report.render(tables)   // "<!DOCTYPE html>\n<html lang=\"en\">…"
public struct HTMLReport: Sendable {
  /// The page's heading and `<title>`.
  public var title: String
  /// A paragraph under the heading.
  public var intro: String?
  /// The line under a table ("Source: registry"), if any.
  public var source: @Sendable (Table) -> String?
  /// What a table's values are ("kr.", "patients"), for chart axes.
  public var unit: @Sendable (Table) -> String?
  /// The charts drawn for a table, given its unit and the report's style;
  /// `BarChart.standard` by default.
  public var charts: @Sendable (Table, String?, TableStyle) -> [BarChart]
  /// The order the tables are shown in; as given by default.
  public var order: @Sendable ([Table]) -> [Table]
  /// The page's language, number format and words; neutral English by
  /// default.
  public var style: TableStyle
  /// The CSS class of the source line under a table: `source` by default.
  public var sourceClass: String
  /// Lines of the cover's summary before the run's own ("Region", "Years").
  public var facts: [Fact]
  /// The running header at the top left of every printed page but the
  /// cover; the title by default.
  public var running: String?
  /// The words of the cover and the printed pages; English by default.
  public var words: Words

  /// A report titled `title`; every other part is optional.
  public init(
    title: String, intro: String? = nil, source: @escaping @Sendable (Table) -> String? = { _ in nil },
    unit: @escaping @Sendable (Table) -> String? = { _ in nil },
    charts: @escaping @Sendable (Table, String?, TableStyle) -> [BarChart] = {
      BarChart.standard(for: $0, unit: $1, style: $2)
    },
    order: @escaping @Sendable ([Table]) -> [Table] = { $0 }, style: TableStyle = .standard,
    sourceClass: String = "source", facts: [Fact] = [], running: String? = nil, words: Words = Words()
  ) {
    self.title = title
    self.intro = intro
    self.source = source
    self.unit = unit
    self.charts = charts
    self.order = order
    self.style = style
    self.sourceClass = sourceClass
    self.facts = facts
    self.running = running
    self.words = words
  }

  /// The page for `tables`, in their order. With `run`, the cover lists
  /// each input file by name (not its path) with its records, the
  /// data-quality section (`QualityPage`, from `RunReport.quality`), and a
  /// closing paragraph gives the records read, accepted and rejected (counts
  /// only: no paths, no times, no thread count, so the bytes stay the same),
  /// and when some accepted records fall outside every table
  /// (`RunReport.outsideTables`) a paragraph lists them by volume cell (year
  /// and speciale). `runID` and the day `run` started (`RunReport.started`)
  /// are shown on the cover and in the printed pages' header.
  public func render(_ tables: [Table], run: RunReport? = nil, runID: Int64? = nil) -> [UInt8] {
    let tables = order(tables)
    let print = Self.printCSS(
      running: running ?? title, runLine: Self.runLine(run: run, runID: runID, words: words), words: words,
      sourceClass: sourceClass)
    var o = "<!DOCTYPE html>\n<html lang=\"\(HTMLText.escape(style.language))\">\n<head>\n<meta charset=\"utf-8\">\n"
    o += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    o += "<title>\(HTMLText.escape(title))</title>\n<style>\n\(Self.css(sourceClass: sourceClass))\(print)</style>\n</head>\n<body>\n<main>\n"
    o += cover(tables, run: run, runID: runID)
    if tables.count > 1 {
      let contents = HTMLText.escape(style.labels.contents)
      o += "<nav aria-label=\"\(contents)\">\n<h2>\(contents)</h2>\n<ul>\n"
      for t in tables {
        o += "<li><a href=\"#\(HTMLText.escape(t.id))\">\(HTMLText.escape(t.title))</a></li>\n"
      }
      o += "</ul>\n</nav>\n"
    }
    let marks = TinyBaseMarks(run?.quality.tinyBases)
    for t in tables { o += section(t, marks: marks) }
    if let run, run.totals.read > 0 { o += QualityPage(style: style).html(run.quality) }
    if let run, run.totals.read > 0 {
      let n = { (v: Int) in style.number(Rational(Int64(v)), decimals: 0) }
      let w = style.labels
      let summary = "\(w.runSummary): \(n(run.totals.read)) \(w.recordsRead), \(n(run.totals.accepted)) \(w.recordsAccepted), "
        + "\(n(run.totals.rejected)) \(w.recordsRejected), \(n(run.totals.skippedEmpty)) \(w.emptyLinesSkipped) "
      o += "<footer>\n<p>\(HTMLText.escape(summary))"
      o += "(\(HTMLText.escape(run.pipeline)) \(HTMLText.escape(run.version))).</p>\n"
      if let outside = run.outsideTables, outside.records > 0 {
        // "Aar=2024,Speciale=51" as "Aar 2024, Speciale 51".
        let cells = outside.volumes.keys.sorted().map { name in
          name.split(separator: ",").map { $0.split(separator: "=", maxSplits: 1).joined(separator: " ") }
            .joined(separator: ", ") + ": " + n(outside.volumes[name]!)
        }.joined(separator: "; ")
        let line = "\(w.outsideTables): \(n(outside.records)) \(w.records) (\(cells))."
        o += "<p class=\"outside\">\(HTMLText.escape(line))</p>\n"
      }
      o += "</footer>\n"
    }
    o += "</main>\n</body>\n</html>\n"
    return Array(o.utf8)
  }

  /// One table's section: heading, table, source line, charts. A figure
  /// (`Table.Presentation.figure`) shows its chart first, then the numbers
  /// behind it. The heading and the part under it are one `keep` block,
  /// printed whole when it fits a page. Growth figures on a tiny base
  /// (`marks`) carry a marker and a footnote under the table.
  func section(_ table: Table, marks: TinyBaseMarks = TinyBaseMarks(nil)) -> String {
    let figure = table.presentation == .figure
    let fit = Self.printFit(table, style: style)
    var o = "<section id=\"\(HTMLText.escape(table.id))\" class=\"\(figure ? "figure" : "table")"
    o += "\(fit.isLandscape ? " landscape" : "")\">\n"
    let charts = self.charts(table, unit(table), style).map {
      "<figure class=\"chart\">\n\($0.svg())\n</figure>\n"
    }.joined()
    let flagged = marks.cells(in: table)
    var numbers = htmlTable(table, fit: fit, flagged: flagged)
    if !flagged.isEmpty {
      numbers += "<p class=\"tiny-note\"><sup class=\"tiny\">\(HTMLText.escape(TinyBaseMarks.marker))</sup> "
        + "\(HTMLText.escape(marks.note(style)))</p>\n"
    }
    if table.rows.isEmpty { numbers += "<p class=\"empty\">\(HTMLText.escape(style.labels.noRows))</p>\n" }
    if let s = source(table) { numbers += "<p class=\"\(HTMLText.escape(sourceClass))\">\(HTMLText.escape(s))</p>\n" }
    // The heading and what comes first under it stay together on paper
    // (`keep`); what follows may start the next page.
    o += "<div class=\"keep\">\n<h2>\(HTMLText.escape(table.title))</h2>\n"
    o += figure ? charts + "</div>\n" + numbers : numbers + "</div>\n" + charts
    return o + "</section>\n"
  }

  /// The `<table>`: a header row, numbers right-aligned, totals in bold; in
  /// the smaller type when `fit` says so; the cells `flagged` (`[row,
  /// column]`) followed by `TinyBaseMarks.marker`.
  func htmlTable(_ table: Table, fit: PrintFit = .portrait, flagged: Set<[Int]> = []) -> String {
    let numeric = table.header.indices.map { c in
      table.rows.contains { c < $0.count && TableDisplay.value(of: $0[c]) != nil }
    }
    let cls = fit == .wrapped ? " class=\"small wrapped\"" : fit.isSmall ? " class=\"small\"" : ""
    var o = "<div class=\"scroll\">\n<table\(cls)>\n<thead>\n<tr>"
    for c in table.header.indices {
      let cls = numeric[c] ? " class=\"num\"" : ""
      o += "<th scope=\"col\"\(cls)>\(HTMLText.escape(style.columnLabel(of: table, at: c)))</th>"
    }
    o += "</tr>\n</thead>\n<tbody>\n"
    let mark = "<sup class=\"tiny\">\(HTMLText.escape(TinyBaseMarks.marker))</sup>"
    for (r, row) in table.rows.enumerated() {
      o += style.isTotal(row) ? "<tr class=\"total\">" : "<tr>"
      for (c, cell) in row.enumerated() {
        var text = HTMLText.escape(style.text(of: cell, kind: style.kind(of: table, at: c)))
        if !flagged.isEmpty && flagged.contains([r, c]) { text += mark }
        if c == 0 && !numeric[0] {
          o += "<th scope=\"row\">\(text)</th>"
        } else if case .number = cell {
          o += "<td class=\"num\">\(text)</td>"
        } else {
          o += c < numeric.count && numeric[c] ? "<td class=\"num\">\(text)</td>" : "<td>\(text)</td>"
        }
      }
      o += "</tr>\n"
    }
    return o + "</tbody>\n</table>\n</div>\n"
  }

  /// The page's fonts, the first one installed.
  static let fonts = "\"Segoe UI\", \"Helvetica Neue\", Arial, \"Liberation Sans\", \"DejaVu Sans\", sans-serif"

  /// The page's CSS, the source line's rule under `sourceClass`.
  static func css(sourceClass: String) -> String {
    """
    :root { color-scheme: light; }
    body { margin: 0; background: #f4f6f8; color: #1a1a1a; font-family: \(fonts);
      font-size: 15px; line-height: 1.45; }
    main { max-width: 1040px; margin: 0 auto; padding: 24px 32px 48px; background: #ffffff; }
    h1 { font-size: 28px; color: #1f4e79; margin: 8px 0 4px; }
    .intro { color: #404040; margin: 0 0 12px; }
    .summary { margin: 16px 0 8px; padding: 12px 16px 14px; background: #f2f6fa; border-left: 4px solid #1f4e79; }
    .summary h2 { font-size: 17px; margin: 0 0 8px; }
    .summary dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0 0 12px; }
    .summary dl div { display: contents; }
    .summary dt { font-weight: 600; }
    .summary dd { margin: 0; }
    .summary table { font-size: 13px; min-width: 0; background: #ffffff; }
    nav h2 { font-size: 17px; margin: 16px 0 4px; }
    nav ul { margin: 0; padding: 0; list-style: none; columns: 2; column-gap: 32px; font-size: 13px; }
    nav li { break-inside: avoid; margin-bottom: 2px; }
    nav a { color: #1f4e79; text-decoration: none; }
    section { margin-top: 36px; padding-top: 12px; border-top: 1px solid #d9d9d9; }
    h2 { font-size: 18px; color: #1f4e79; margin: 0 0 10px; }
    .scroll { overflow-x: auto; }
    table { border-collapse: collapse; font-size: 14px; min-width: 60%; }
    th, td { padding: 4px 12px; border-bottom: 1px solid #e6e6e6; white-space: nowrap; }
    thead th { background: #1f4e79; color: #ffffff; font-weight: 600; text-align: left;
      border-bottom: 2px solid #1f4e79; }
    tbody th { text-align: left; font-weight: normal; }
    .num { text-align: right; font-variant-numeric: tabular-nums; }
    tbody tr:nth-child(even) { background: #f2f6fa; }
    tr.total th, tr.total td { font-weight: bold; border-top: 2px solid #1f4e79; background: #e8eef5; }
    .empty { font-size: 13px; color: #595959; margin: 6px 0 0; }
    .\(sourceClass) { font-size: 13px; font-style: italic; color: #404040; margin: 6px 0 0; }
    sup.tiny { color: #a04000; font-weight: bold; padding-left: 1px; }
    .tiny-note { font-size: 13px; color: #404040; margin: 6px 0 0; }
    figure.chart { margin: 18px 0 0; }
    svg.chart { max-width: 100%; height: auto; font-family: inherit; }
    footer { margin-top: 40px; font-size: 13px; color: #595959; }

    """
  }
}

/// Escaping for HTML and SVG text and attribute values.
public enum HTMLText {
  /// `&`, `<`, `>`, `"` and `'` as entities; control characters other than
  /// tab and line breaks dropped (they are not allowed in HTML).
  public static func escape(_ s: String) -> String {
    var o = ""
    o.reserveCapacity(s.utf8.count)
    for u in s.unicodeScalars {
      switch u {
      case "&": o += "&amp;"
      case "<": o += "&lt;"
      case ">": o += "&gt;"
      case "\"": o += "&quot;"
      case "'": o += "&#39;"
      case "\t", "\n", "\r": o.unicodeScalars.append(u)
      default:
        if u.value < 0x20 || u.value == 0x7F { continue }
        o.unicodeScalars.append(u)
      }
    }
    return o
  }
}

/// Stage: writes an HTML report of all tables into the run's output
/// directory and passes the tables on.
public struct EmitReport: Stage {
  /// Logs and errors name the stage `report`.
  public let label = "report"
  /// The report to render.
  public var report: HTMLReport
  /// The page's path within the output directory.
  public var file: String

  /// Writes `report` of the tables it is given to `file`.
  public init(_ report: HTMLReport, file: String = "report.html") {
    self.report = report
    self.file = file
  }

  /// Renders the page of `tables` (with the run's counts and start from
  /// `context.report`, its id from `context.output`) and returns the tables
  /// unchanged; writes nothing when
  /// the run has no output directory. Throws `PipelineError.output` when the
  /// file cannot be written.
  public func run(_ tables: [Table], in context: RunContext) throws -> [Table] {
    guard let out = context.output else { return tables }
    try out.write(file, report.render(tables, run: context.reportWithQuality(), runID: out.runID))
    return tables
  }
}

extension Pipeline where Output == [Table] {
  /// Appends `EmitReport`: one HTML page of all tables.
  public func report(_ report: HTMLReport, file: String = "report.html") -> Pipeline<Input, [Table]> {
    then(EmitReport(report, file: file))
  }
}
