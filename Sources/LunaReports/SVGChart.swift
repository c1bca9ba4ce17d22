import LunaPipeCore
/// A bar chart drawn as inline SVG: one series as horizontal bars (one bar
/// per row label, long labels read well), or several series as vertical
/// grouped bars with a legend.
///
/// The SVG is plain text with coordinates rounded to 0.1, so the same chart
/// gives the same bytes; every text is escaped. Tick labels are written in
/// the chart's number format (`numbers`).
///
///     let c = BarChart(title: "Spending 2023", categories: ["North", "South"],
///                      series: [.init(name: "2023", values: [163_684, 13_643_534])],
///                      categoryAxis: "Region", valueAxis: "kr.")
///     c.svg()   // "<svg class=\"chart\" role=\"img\" …>…</svg>"
public struct BarChart: Sendable, Equatable {
  /// One series of bars: a value per category.
  public struct Series: Sendable, Equatable {
    /// The series' name, in the legend of grouped bars.
    public var name: String
    /// One value per category; nil draws no bar.
    public var values: [Double?]
    /// The text written at each bar's end (the table's own formatting).
    public var labels: [String]

    /// A series; without `labels`, each value is written with as many
    /// decimals as it has (up to four) in `numbers`.
    public init(name: String, values: [Double?], labels: [String]? = nil, numbers: NumberFormat = .plain) {
      self.name = name
      self.values = values
      self.labels = labels ?? values.map { $0.map { BarChart.tickText($0, step: 1, numbers: numbers) } ?? "" }
    }
  }

  /// The chart's title, wrapped to its width.
  public var title: String
  /// The bars' labels, one per category.
  public var categories: [String]
  /// One series: horizontal bars; several: grouped vertical bars.
  public var series: [Series]
  /// The categories' axis label ("Region").
  public var categoryAxis: String
  /// The values' axis label ("kr.", "Share (%)").
  public var valueAxis: String
  /// Tick labels end in `%`.
  public var percent: Bool
  /// How tick labels write numbers: `.plain` (`2500000`, `2.5`) by
  /// default, `.danish` (`2.500.000`, `2,5`).
  public var numbers: NumberFormat

  /// A chart of `series` over `categories`.
  public init(
    title: String, categories: [String], series: [Series], categoryAxis: String, valueAxis: String,
    percent: Bool = false, numbers: NumberFormat = .plain
  ) {
    self.title = title
    self.categories = categories
    self.series = series
    self.categoryAxis = categoryAxis
    self.valueAxis = valueAxis
    self.percent = percent
    self.numbers = numbers
  }

  /// Dark blue, light blue, then more.
  static let colors = ["#1f4e79", "#9dc3e6", "#c55a11", "#70ad47", "#7f6000", "#7030a0"]

  /// The chart as an `<svg>` element.
  public func svg() -> String {
    series.count == 1 ? horizontal() : grouped()
  }

  // MARK: - Scale

  /// A "nice" axis from `lo` to `hi` (both include 0): about five steps of
  /// 1, 2 or 5 times a power of ten.
  static func axis(_ values: [Double]) -> (lo: Double, hi: Double, step: Double) {
    let lo = min(0, values.min() ?? 0)
    var hi = max(0, values.max() ?? 0)
    if hi == lo { hi = lo + 1 }
    let raw = (hi - lo) / 5
    var p = 1.0
    while p * 10 <= raw { p *= 10 }
    while p > raw { p /= 10 }
    let step = [1.0, 2, 5, 10].map { $0 * p }.first { $0 >= raw } ?? p * 10
    return ((lo / step).rounded(.down) * step, (hi / step).rounded(.up) * step, step)
  }

  /// A tick value in `numbers`' digits, with as many decimals as the step
  /// needs.
  static func tickText(_ v: Double, step: Double, percent: Bool = false, numbers: NumberFormat) -> String {
    var decimals = 0
    var s = step
    while decimals < 4 && (s - s.rounded()).magnitude > 1e-9 {
      s *= 10
      decimals += 1
    }
    var scaled = v
    for _ in 0..<decimals { scaled *= 10 }
    let r = Rational(exactly: Int128(scaled.rounded()), over: Int128(pow10(decimals)))
    return r.formatted(decimals: decimals, mark: numbers.decimalSeparator, group: numbers.groupingSeparator)
      + (percent ? "%" : "")
  }

  private static func pow10(_ n: Int) -> Int64 { (0..<n).reduce(Int64(1)) { a, _ in a * 10 } }

  /// A coordinate, rounded to 0.1 and written without a trailing `.0`.
  static func n(_ x: Double) -> String {
    let t = Int64((x * 10).rounded())
    let sign = t < 0 ? "-" : ""
    let a = t.magnitude
    return a % 10 == 0 ? "\(sign)\(a / 10)" : "\(sign)\(a / 10).\(a % 10)"
  }

  /// Text approximately `chars` characters wide at 12 px.
  static func width(_ s: String, size: Double = 12) -> Double { Double(s.count) * size * 0.56 }

  /// The title, wrapped to the chart's width: its lines and their height.
  private func titleLines(width w: Double) -> [String] {
    let maxChars = max(20, Int((w - 20) / (15 * 0.56)))
    var lines: [String] = []
    var line = ""
    for word in title.split(separator: " ") {
      if !line.isEmpty && line.count + 1 + word.count > maxChars {
        lines.append(line)
        line = ""
      }
      line += (line.isEmpty ? "" : " ") + word
    }
    if !line.isEmpty || lines.isEmpty { lines.append(line) }
    return lines
  }

  private func header(width w: Double, height h: Double, title lines: [String]) -> String {
    let t = HTMLText.escape(title)
    var o = "<svg class=\"chart\" role=\"img\" aria-label=\"\(t)\" "
      + "viewBox=\"0 0 \(Self.n(w)) \(Self.n(h))\" width=\"\(Self.n(w))\" height=\"\(Self.n(h))\">\n"
      + "<title>\(t)</title>\n"
      + "<rect x=\"0\" y=\"0\" width=\"\(Self.n(w))\" height=\"\(Self.n(h))\" fill=\"#ffffff\"/>\n"
    for (i, line) in lines.enumerated() {
      o += "<text x=\"\(Self.n(w / 2))\" y=\"\(Self.n(22 + 19 * Double(i)))\" text-anchor=\"middle\" class=\"chart-title\" font-size=\"15\" font-weight=\"bold\">\(HTMLText.escape(line))</text>\n"
    }
    return o
  }

  // MARK: - One series: horizontal bars

  private func horizontal() -> String {
    let s = series[0]
    let bar = 22.0
    let gap = 8.0
    let labelWidth = min(220, max(60, categories.map { Self.width($0) }.max() ?? 60) + 12)
    let valueLabelWidth = max(40, s.labels.map { Self.width($0) }.max() ?? 40) + 10
    let plotX = labelWidth + 40
    let plotW = 760.0 - plotX - valueLabelWidth
    let totalW = 760.0
    let lines = titleLines(width: totalW)
    let top = 26.0 + 19 * Double(lines.count)
    let plotH = Double(categories.count) * (bar + gap) + gap
    let totalH = top + plotH + 56
    let ax = Self.axis(s.values.compactMap { $0 })
    func x(_ v: Double) -> Double { plotX + (v - ax.lo) / (ax.hi - ax.lo) * plotW }

    var o = header(width: totalW, height: totalH, title: lines)
    // Grid and ticks.
    var t = ax.lo
    while t <= ax.hi + ax.step / 2 {
      let px = x(t)
      o += "<line x1=\"\(Self.n(px))\" y1=\"\(Self.n(top))\" x2=\"\(Self.n(px))\" y2=\"\(Self.n(top + plotH))\" stroke=\"#d9d9d9\"/>\n"
      o += "<text x=\"\(Self.n(px))\" y=\"\(Self.n(top + plotH + 16))\" text-anchor=\"middle\" font-size=\"11\" fill=\"#404040\">\(HTMLText.escape(Self.tickText(t, step: ax.step, percent: percent, numbers: numbers)))</text>\n"
      t += ax.step
    }
    // Bars, category labels, value labels.
    for (i, c) in categories.enumerated() {
      let y = top + gap + Double(i) * (bar + gap)
      o += "<text x=\"\(Self.n(plotX - 8))\" y=\"\(Self.n(y + bar / 2 + 4))\" text-anchor=\"end\" font-size=\"12\">\(HTMLText.escape(c))</text>\n"
      guard i < s.values.count, let v = s.values[i] else { continue }
      let x0 = x(min(0, v))
      let x1 = x(max(0, v))
      o += "<rect x=\"\(Self.n(x0))\" y=\"\(Self.n(y))\" width=\"\(Self.n(max(0.5, x1 - x0)))\" height=\"\(Self.n(bar))\" fill=\"\(Self.colors[0])\"><title>\(HTMLText.escape(c)): \(HTMLText.escape(s.labels[i]))</title></rect>\n"
      o += "<text x=\"\(Self.n(x1 + 5))\" y=\"\(Self.n(y + bar / 2 + 4))\" font-size=\"11\" fill=\"#262626\">\(HTMLText.escape(s.labels[i]))</text>\n"
    }
    // Axes and their labels.
    o += "<line x1=\"\(Self.n(x(0)))\" y1=\"\(Self.n(top))\" x2=\"\(Self.n(x(0)))\" y2=\"\(Self.n(top + plotH))\" stroke=\"#404040\"/>\n"
    o += "<line x1=\"\(Self.n(plotX))\" y1=\"\(Self.n(top + plotH))\" x2=\"\(Self.n(plotX + plotW))\" y2=\"\(Self.n(top + plotH))\" stroke=\"#404040\"/>\n"
    o += "<text x=\"\(Self.n(plotX + plotW / 2))\" y=\"\(Self.n(top + plotH + 40))\" text-anchor=\"middle\" font-size=\"12\" class=\"axis-label\">\(HTMLText.escape(valueAxis))</text>\n"
    o += "<text transform=\"translate(14 \(Self.n(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\" class=\"axis-label\">\(HTMLText.escape(categoryAxis))</text>\n"
    return o + "</svg>"
  }

  // MARK: - Several series: vertical grouped bars

  private func grouped() -> String {
    let k = Double(series.count)
    let groupW = max(28, min(110, 640 / Double(max(1, categories.count))))
    let barW = (groupW - 8) / k
    let longest = categories.map { Self.width($0, size: 11) }.max() ?? 0
    let rotate = longest > groupW - 4
    let plotX = 78.0
    let plotW = groupW * Double(categories.count)
    let totalW = max(640, plotX + plotW + 24)
    let lines = titleLines(width: totalW)
    let legendY = 18.0 + 19 * Double(lines.count)
    let top = legendY + 30
    let plotH = 300.0
    let below = rotate ? min(120, longest * 0.75 + 20) : 26
    let totalH = top + plotH + below + 40
    let ax = Self.axis(series.flatMap { $0.values.compactMap { $0 } })
    func y(_ v: Double) -> Double { top + plotH - (v - ax.lo) / (ax.hi - ax.lo) * plotH }

    var o = header(width: totalW, height: totalH, title: lines)
    // Legend.
    var lx = plotX
    for (j, s) in series.enumerated() {
      o += "<rect x=\"\(Self.n(lx))\" y=\"\(Self.n(legendY))\" width=\"12\" height=\"12\" fill=\"\(Self.colors[j % Self.colors.count])\"/>\n"
      o += "<text x=\"\(Self.n(lx + 17))\" y=\"\(Self.n(legendY + 10))\" font-size=\"12\">\(HTMLText.escape(s.name))</text>\n"
      lx += 17 + Self.width(s.name) + 22
    }
    // Grid and ticks.
    var t = ax.lo
    while t <= ax.hi + ax.step / 2 {
      let py = y(t)
      o += "<line x1=\"\(Self.n(plotX))\" y1=\"\(Self.n(py))\" x2=\"\(Self.n(plotX + plotW))\" y2=\"\(Self.n(py))\" stroke=\"#d9d9d9\"/>\n"
      o += "<text x=\"\(Self.n(plotX - 6))\" y=\"\(Self.n(py + 4))\" text-anchor=\"end\" font-size=\"11\" fill=\"#404040\">\(HTMLText.escape(Self.tickText(t, step: ax.step, percent: percent, numbers: numbers)))</text>\n"
      t += ax.step
    }
    // Bars and category labels.
    for (i, c) in categories.enumerated() {
      let gx = plotX + Double(i) * groupW + 4
      for (j, s) in series.enumerated() {
        guard i < s.values.count, let v = s.values[i] else { continue }
        let y0 = y(max(0, v))
        let y1 = y(min(0, v))
        o += "<rect x=\"\(Self.n(gx + Double(j) * barW))\" y=\"\(Self.n(y0))\" width=\"\(Self.n(max(0.5, barW - 1)))\" height=\"\(Self.n(max(0.5, y1 - y0)))\" fill=\"\(Self.colors[j % Self.colors.count])\"><title>\(HTMLText.escape(c)), \(HTMLText.escape(s.name)): \(HTMLText.escape(s.labels[i]))</title></rect>\n"
      }
      let cx = gx + (groupW - 8) / 2
      let cy = top + plotH + 16
      if rotate {
        o += "<text transform=\"translate(\(Self.n(cx + 4)) \(Self.n(cy - 4))) rotate(-45)\" text-anchor=\"end\" font-size=\"11\">\(HTMLText.escape(c))</text>\n"
      } else {
        o += "<text x=\"\(Self.n(cx))\" y=\"\(Self.n(cy))\" text-anchor=\"middle\" font-size=\"11\">\(HTMLText.escape(c))</text>\n"
      }
    }
    // Axes and their labels.
    o += "<line x1=\"\(Self.n(plotX))\" y1=\"\(Self.n(top))\" x2=\"\(Self.n(plotX))\" y2=\"\(Self.n(top + plotH))\" stroke=\"#404040\"/>\n"
    o += "<line x1=\"\(Self.n(plotX))\" y1=\"\(Self.n(y(0)))\" x2=\"\(Self.n(plotX + plotW))\" y2=\"\(Self.n(y(0)))\" stroke=\"#404040\"/>\n"
    o += "<text x=\"\(Self.n(plotX + plotW / 2))\" y=\"\(Self.n(top + plotH + below + 24))\" text-anchor=\"middle\" font-size=\"12\" class=\"axis-label\">\(HTMLText.escape(categoryAxis))</text>\n"
    o += "<text transform=\"translate(16 \(Self.n(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\" class=\"axis-label\">\(HTMLText.escape(valueAxis))</text>\n"
    return o + "</svg>"
  }
}

extension BarChart {
  /// The charts a table gets by default:
  ///
  /// - a figure (`Table.Presentation.figure`: a figure's data, one row per
  ///   category, one numeric column per series): grouped bars of its
  ///   percentage columns (`_pct`) if it has any, else of every numeric
  ///   column;
  /// - a table with year columns and at least two rows besides totals: bars
  ///   of the latest year, one per row, totals left out;
  /// - any other table: none.
  ///
  /// `unit` names what the values are ("kr.", "patients"); it goes on the
  /// value axis. `style` gives the labels, the totals and the numbers'
  /// format.
  public static func standard(for table: Table, unit: String? = nil, style: TableStyle = .standard) -> [BarChart] {
    let rows = table.rows.filter { !style.isTotal($0) }
    guard !rows.isEmpty, !table.header.isEmpty else { return [] }
    let categories = rows.map { style.text(of: $0[0], kind: style.kind(of: table, at: 0)) }
    let categoryAxis = style.columnLabel(of: table, at: 0)
    if table.presentation == .figure {
      let numeric = table.header.indices.dropFirst().filter { c in
        rows.contains { c < $0.count && TableDisplay.value(of: $0[c]) != nil }
          && rows.allSatisfy { c >= $0.count || $0[c] == .empty || TableDisplay.value(of: $0[c]) != nil }
      }
      let shares = numeric.filter { TableDisplay.isPercent(table.header[$0]) }
      let columns = shares.isEmpty ? numeric : shares
      guard !columns.isEmpty else { return [] }
      let percent = !shares.isEmpty
      let series = columns.map { c in
        Series(
          name: percent
            ? String(style.columnLabel(of: table, at: c).dropLast(" (%)".count))
            : style.columnLabel(of: table, at: c),
          values: rows.map { c < $0.count ? TableDisplay.value(of: $0[c]) : nil },
          labels: rows.map { c < $0.count ? style.text(of: $0[c], kind: style.kind(of: table, at: c)) : "" })
      }
      let valueAxis = unit ?? (percent ? style.labels.shareAxis : style.labels.countAxis)
      return [
        BarChart(
          title: table.title, categories: categories, series: series, categoryAxis: categoryAxis,
          valueAxis: valueAxis, percent: percent, numbers: style.numbers)
      ]
    }
    guard let last = TableDisplay.yearColumns(table).last, rows.count >= 2 else { return [] }
    let year = table.header[last]
    let series = Series(
      name: year, values: rows.map { last < $0.count ? TableDisplay.value(of: $0[last]) : nil },
      labels: rows.map { last < $0.count ? style.text(of: $0[last], kind: style.kind(of: table, at: last)) : "" })
    guard series.values.contains(where: { $0 != nil }) else { return [] }
    return [
      BarChart(
        title: "\(TableDisplay.shortName(table)), \(year): \(TableDisplay.caption(table))", categories: categories,
        series: [series], categoryAxis: categoryAxis, valueAxis: unit.map { "\(year) (\($0))" } ?? year,
        numbers: style.numbers)
    ]
  }
}
