import Foundation
import LunaPipeCore

extension HTMLReport {
  /// The words the report's cover and printed pages write themselves;
  /// English by default.
  public struct Words: Sendable, Equatable {
    /// The cover's summary heading: "Summary".
    public var summary: String
    /// Before the run's id and date: "Run" in "Run 12, 2026-11-27".
    public var run: String
    /// After the number of tables: "tables" in "54 tables and 2 figures".
    public var tables: String
    /// After the number of figures: "figures".
    public var figures: String
    /// Between the two: "and".
    public var and: String
    /// The inputs table's first column: "File".
    public var file: String
    /// The inputs table's total row: "Total".
    public var total: String
    /// Before a page's number: "Page" in "Page 3 of 40".
    public var page: String
    /// Between a page's number and the number of pages: "of".
    public var of: String

    /// The words; each defaults to its English word.
    public init(
      summary: String = "Summary", run: String = "Run", tables: String = "tables", figures: String = "figures",
      and: String = "and", file: String = "File", total: String = "Total", page: String = "Page", of: String = "of"
    ) {
      self.summary = summary
      self.run = run
      self.tables = tables
      self.figures = figures
      self.and = and
      self.file = file
      self.total = total
      self.page = page
      self.of = of
    }
  }

  /// A line of the cover's summary given by whoever composes the report
  /// ("Region": "Region Nordjylland", "Years": "2019–2023").
  public struct Fact: Sendable, Equatable {
    /// What the line is about.
    public var label: String
    /// Its value, as printed.
    public var value: String

    /// The line `label`: `value`.
    public init(_ label: String, _ value: String) {
      self.label = label
      self.value = value
    }
  }

  /// How a table is fitted to the printed page: on an A4 page upright or on
  /// its side (`landscape`), in the normal or a smaller type (`small`); a
  /// table too wide even for that (`wrapped`) lets its headers and cells
  /// wrap rather than be cut. Decided from the width of its longest texts.
  public enum PrintFit: String, Sendable, CaseIterable {
    case portrait, portraitSmall, landscape, landscapeSmall, wrapped

    /// Whether the table is printed on a landscape page.
    public var isLandscape: Bool { self != .portrait && self != .portraitSmall }

    /// Whether the table is printed in the smaller type.
    public var isSmall: Bool { self != .portrait && self != .landscape }
  }

  /// The printed type and the page's text width in points, kept in step
  /// with `printCSS`: 9 pt and 7 pt type, cells padded 6 pt and 3 pt on
  /// each side, A4 less 14 mm margins left and right (182 mm upright, 269 mm
  /// on its side).
  static let printType = (normal: 9.0, small: 7.0, padNormal: 6.0, padSmall: 3.0)
  static let printWidth = (portrait: 182.0 * 72 / 25.4, landscape: 269.0 * 72 / 25.4)
  /// The printed pages' fonts: Arial's metrics, which `printFit` assumes
  /// (Windows and macOS have Arial, Debian's fonts-liberation its twin).
  static let printFonts = "Arial, \"Liberation Sans\", Helvetica, \"DejaVu Sans\", sans-serif"

  /// The fit of `table` printed in `style`: the narrowest of upright,
  /// upright small, landscape, landscape small whose estimated width (its
  /// widest text per column at 0.5 em a character, header text a tenth
  /// wider for bold, plus padding) stays within 95% of the page's text
  /// width. The print type is Arial or its metric twin Liberation Sans
  /// (`printFonts`); measured in it on the praksisplan's tables, the
  /// estimate is 1 to 13% above the width Chromium prints (the widest
  /// tables, whose long headers set their width, about 10%).
  public static func printFit(_ table: Table, style: TableStyle) -> PrintFit {
    var chars = table.header.indices.map { Double(style.columnLabel(of: table, at: $0).count) * 1.1 }
    for row in table.rows {
      for (c, cell) in row.enumerated() where c < chars.count {
        chars[c] = max(chars[c], Double(style.text(of: cell, kind: style.kind(of: table, at: c)).count))
      }
    }
    func width(_ type: Double, _ pad: Double) -> Double {
      chars.reduce(0) { $0 + $1 * 0.5 * type + 2 * pad + 1 }
    }
    let t = printType
    let normal = width(t.normal, t.padNormal)
    let small = width(t.small, t.padSmall)
    let (p, l) = (printWidth.portrait * 0.95, printWidth.landscape * 0.95)
    if normal <= p { return .portrait }
    if small <= p { return .portraitSmall }
    if normal <= l { return .landscape }
    if small <= l { return .landscapeSmall }
    return .wrapped
  }

  /// The cover: title, intro and a summary of the run (the composer's
  /// facts, the run's id and date, the number of tables and figures, and
  /// each input file by name with its records read, accepted and rejected).
  func cover(_ tables: [Table], run: RunReport?, runID: Int64?) -> String {
    var o = "<div class=\"cover\">\n<header>\n<h1>\(HTMLText.escape(title))</h1>\n"
    if let intro { o += "<p class=\"intro\">\(HTMLText.escape(intro))</p>\n" }
    o += "</header>\n"
    let n = { (v: Int) in style.number(Rational(Int64(v)), decimals: 0) }
    let figures = tables.filter { $0.presentation == .figure }.count
    var facts = self.facts
    if let line = Self.runLine(run: run, runID: runID, words: words) { facts.append(Fact(words.run, line)) }
    var contents = "\(n(tables.count - figures)) \(words.tables)"
    if figures > 0 { contents += " \(words.and) \(n(figures)) \(words.figures)" }
    facts.append(Fact(style.labels.contents, contents))
    o += "<div class=\"summary\">\n<h2>\(HTMLText.escape(words.summary))</h2>\n<dl>\n"
    for f in facts {
      o += "<div><dt>\(HTMLText.escape(f.label))</dt><dd>\(HTMLText.escape(f.value))</dd></div>\n"
    }
    o += "</dl>\n"
    if let run, !run.inputs.isEmpty {
      let w = style.labels
      let heads = [words.file, w.recordsRead, w.recordsAccepted, w.recordsRejected].map(Self.capitalized)
      o += "<table class=\"inputs\">\n<thead>\n<tr>"
      for (i, h) in heads.enumerated() {
        o += "<th scope=\"col\"\(i > 0 ? " class=\"num\"" : "")>\(HTMLText.escape(h))</th>"
      }
      o += "</tr>\n</thead>\n<tbody>\n"
      func row(_ name: String, _ counts: [Int], total: Bool) -> String {
        var r = total ? "<tr class=\"total\">" : "<tr>"
        r += "<th scope=\"row\">\(HTMLText.escape(name))</th>"
        for c in counts { r += "<td class=\"num\">\(HTMLText.escape(n(c)))</td>" }
        return r + "</tr>\n"
      }
      for f in run.inputs {
        // The file's name alone: where it lay on the machine that ran is
        // no reader's business and would change the bytes.
        let name = f.path.split(separator: "/").last.map(String.init) ?? f.path
        o += row(name, [f.read, f.accepted, f.rejected], total: false)
      }
      if run.inputs.count > 1 {
        o += row(words.total, [run.totals.read, run.totals.accepted, run.totals.rejected], total: true)
      }
      o += "</tbody>\n</table>\n"
    }
    return o + "</div>\n</div>\n"
  }

  /// "12, 2026-11-27": the run's id and the date it started (in this
  /// machine's time zone; no time of day); nil when neither is known.
  static func runLine(run: RunReport?, runID: Int64?, words: Words) -> String? {
    var parts: [String] = []
    if let runID { parts.append(String(runID)) }
    if let date = runDate(run?.started ?? "") { parts.append(date) }
    return parts.isEmpty ? nil : parts.joined(separator: ", ")
  }

  /// The day of an ISO 8601 time (`2026-11-27T02:00:01Z`) in this machine's
  /// time zone, `2026-11-27`; nil for an empty or malformed one.
  static func runDate(_ started: String) -> String? {
    guard let date = ISO8601DateFormatter().date(from: started) else { return nil }
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone.current
    f.dateFormat = "yyyy-MM-dd"
    return f.string(from: date)
  }

  static func capitalized(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }

  /// `s` as a CSS string literal: quoted, with `"`, `\`, line breaks and
  /// `<` (which could close the style element) as CSS escapes.
  static func cssString(_ s: String) -> String {
    var o = "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"", "\\", "<", ">", "&", "\n", "\r", "\u{0C}":
        o += "\\" + String(u.value, radix: 16, uppercase: true) + " "
      default:
        if u.value < 0x20 || u.value == 0x7F { continue }
        o.unicodeScalars.append(u)
      }
    }
    return o + "\""
  }

  /// The print styles: A4 pages with margins; a running header (`running`
  /// at the left, the run's id and date at the right) and "Page n of N" at
  /// the foot of every page; landscape pages for the tables `printFit` puts
  /// there; a table kept whole on a page with its heading and source line
  /// when it fits, its header repeated when it does not; a chart kept whole
  /// but free to follow its table on the next page (it has its own title),
  /// so that pages fill; nothing scrolled or cut.
  static func printCSS(running: String, runLine: String?, words: Words, sourceClass: String) -> String {
    let font = printFonts
    let page = "\(cssString(words.page + " ")) counter(page) \(cssString(" " + words.of + " ")) counter(pages)"
    let right = runLine.map { cssString(words.run + " " + $0) } ?? "none"
    let t = printType
    return """
      @page { size: A4; margin: 16mm 14mm 14mm;
        @top-left { content: \(cssString(running)); font: 8pt \(font); color: #595959; vertical-align: bottom; padding-bottom: 2mm; }
        @top-right { content: \(right); font: 8pt \(font); color: #595959; vertical-align: bottom; padding-bottom: 2mm; white-space: nowrap; }
        @bottom-right { content: \(page); font: 8pt \(font); color: #595959; vertical-align: top; padding-top: 2mm; white-space: nowrap; } }
      @page wide { size: A4 landscape; }
      @page cover { @top-left { content: none; } @top-right { content: none; } }
      @media print {
        html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
        body { background: #ffffff; font-size: 10pt; font-family: \(font); }
        main { max-width: none; padding: 0; }
        .cover { page: cover; break-after: page; }
        .cover h1 { font-size: 22pt; margin-top: 30mm; }
        nav { break-after: page; }
        nav h2 { margin-top: 0; }
        nav ul { font-size: 8.5pt; }
        section { margin-top: 6mm; padding-top: 3mm; }
        section.landscape { page: wide; }
        h2 { font-size: 12pt; break-after: avoid; break-inside: avoid; }
        .keep { break-inside: avoid; }
        .scroll { overflow: visible; break-inside: avoid; }
        .\(sourceClass), .empty, .tiny-note { break-before: avoid; }
        table { font-size: \(t.normal)pt; min-width: 0; }
        th, td { padding: 1.5pt \(t.padNormal)pt; }
        table.small { font-size: \(t.small)pt; }
        table.small th, table.small td { padding: 1pt \(t.padSmall)pt; }
        table.wrapped th, table.wrapped td { white-space: normal; }
        thead { display: table-header-group; }
        tr { break-inside: avoid; }
        figure.chart { margin: 4mm 0 0; break-inside: avoid; }
        svg.chart { width: auto; height: auto; max-width: 100%; max-height: 80mm; }
        .empty, footer { font-size: 8.5pt; }
      }

      """
  }
}
