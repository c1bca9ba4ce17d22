import Foundation
import LunaPipeCore

/// The data-quality page ("Datakvalitet") of a run's report and workbook:
/// the facts of `RunReport.quality` (`DataQuality`) as blocks of a title,
/// a header row and rows, which the HTML report prints as a section
/// (`html`) and the workbook as a sheet (`QualitySheet`).
///
/// Only what stays the same for the same inputs is shown: no run date, no
/// absolute path (files by name), of the history only the revised cells of
/// closed years, which the same inputs never have (no volume against the
/// last run), so that the report's bytes are those of its inputs;
/// `run-report.json` holds those facts too.
public struct QualityPage: Sendable {
  /// Words and numbers the way this style writes them.
  public var style: TableStyle

  /// The page in `style`: Danish words for a Danish style, else English.
  public init(style: TableStyle) { self.style = style }

  /// One block of the page: a heading, perhaps lines of text, perhaps a
  /// table.
  public struct Block: Sendable, Equatable {
    /// The block's heading.
    public var title: String
    /// Sentences before the table.
    public var lines: [String] = []
    /// The table's column labels (empty: no table).
    public var header: [String] = []
    /// Its rows, as text.
    public var rows: [[String]] = []
  }

  var danish: Bool { style.language == "da" }
  func w(_ da: String, _ en: String) -> String { danish ? da : en }
  func n(_ v: Int) -> String { style.number(Rational(Int64(v)), decimals: 0) }
  func name(_ path: String) -> String { (path as NSString).lastPathComponent }

  /// The page's title: "Datakvalitet".
  public var title: String { w("Datakvalitet", "Data quality") }

  /// The blocks of `q`, most useful first: tables skipped, rejects by rule
  /// and file, the region's kommuner and years without data, the volume
  /// per year against the year before and the newest year's months against
  /// the same months a year earlier, revised cells of closed years (when
  /// there are some), the inputs, tiny bases.
  public func blocks(_ q: DataQuality) -> [Block] {
    var out: [Block] = []
    var skipped = Block(title: w("Tabeller sprunget over", "Tables skipped"))
    if q.skippedTables.isEmpty {
      skipped.lines = [w("Ingen: alle planens tabeller er lavet.", "None: every table of the plan was made.")]
    } else {
      skipped.header = [w("Tabel", "Table"), w("Hvorfor", "Why")]
      skipped.rows = q.skippedTables.map { [$0.table, $0.reason] }
    }
    out.append(skipped)

    var rejects = Block(title: w("Afviste poster efter fil og regel", "Rejected records by file and rule"))
    if q.rejects.isEmpty {
      rejects.lines = [w("Ingen poster er afvist.", "No record was rejected.")]
    } else {
      let total = q.rejects.reduce(0) { $0 + $1.records }
      rejects.lines = [
        w("\(n(total)) poster afvist i alt; højst \(DataQuality.sampleLimit) eksempler pr. fil og regel (alle i rejects.csv).",
          "\(n(total)) records rejected in all; at most \(DataQuality.sampleLimit) samples per file and rule (all in rejects.csv).")
      ]
      rejects.header = [w("Fil", "File"), w("Regel", "Rule"), w("Poster", "Records"), w("Eksempler", "Samples")]
      rejects.rows = q.rejects.map { [name($0.file), $0.rule, n($0.records), $0.samples.joined(separator: "\n")] }
    }
    out.append(rejects)

    if let c = q.coverage {
      var b = Block(title: w("\(c.region): kommuner og år uden data", "\(c.region): kommuner and years without data"))
      let span = c.years.isEmpty ? "" : "\(c.years.first!)–\(c.years.last!)"
      if c.yearsWithoutClaims.isEmpty {
        b.lines.append(w("Regionen har ydelser i alle planens år (\(span)).", "The region has claims in every year of the plan (\(span))."))
      } else {
        let years = c.yearsWithoutClaims.map(String.init).joined(separator: ", ")
        b.lines.append(
          w("Ingen ydelser for regionen i \(years)\(c.gapsAccepted ? " (offentliggjort med --accept-gaps)" : "").",
            "No claims for the region in \(years)\(c.gapsAccepted ? " (published with --accept-gaps)" : ""). "))
      }
      if c.kommunerWithoutClaims.isEmpty {
        b.lines.append(w("Alle regionens kommuner har ydelser i alle år.", "Every kommune of the region has claims in every year."))
      } else {
        b.header = [w("Kommune", "Kommune"), w("År uden ydelser", "Years without claims")]
        b.rows = c.kommunerWithoutClaims.map { [$0.kommune, $0.years.map(String.init).joined(separator: ", ")] }
      }
      out.append(b)
    }

    // The comparison with the last run stays in run-report.json: the page
    // is the same for the same inputs, whatever the history.
    if let v = q.volume, !v.byYear.isEmpty {
      var y = Block(title: w("Volumen mod året før", "Volume against the year before"))
      y.lines = v.notes.filter { $0.hasPrefix("the volume is counted per year") }.map { danish ? Self.danishNote($0) : $0 }
      y.header = [w("År", "Year"), w("Poster", "Records"), w("Året før", "Year before"), w("Ændring", "Change")]
      y.rows = v.byYear.map { year in
        [
          String(year.year), n(year.records), year.yearBefore.map(n) ?? "",
          year.yearBefore.map { percent(year.records, $0) } ?? "",
        ]
      }
      out.append(y)
    }
    if let s = q.volume?.sameMonths {
      let before = String(s.year - 1)
      let now = String(s.year)
      var m = Block(title: w("Volumen mod samme måneder året før", "Volume against the same months a year earlier"))
      m.lines = [
        w("Poster i de måneder, \(now) har data for, mod de samme måneder i \(before).",
          "Records in the months \(now) has data for, against the same months of \(before).")
      ]
      m.header = [w("Måned", "Month"), before, now, w("Ændring", "Change")]
      m.rows = s.months.map { [monthName($0.month), n($0.yearBefore), n($0.records), percent($0.records, $0.yearBefore)] }
      m.rows.append([w("I alt", "Total"), n(s.yearBefore), n(s.records), percent(s.records, s.yearBefore)])
      out.append(m)
    }

    // Shown only when there are some: over the same inputs there are none,
    // and the page keeps its bytes.
    if let rev = q.revisions, rev.count > 0 {
      var b = Block(title: w("Ændrede tal for afsluttede år", "Changed figures of closed years"))
      let listed = rev.cells.count < rev.count ? w(" (de første \(n(rev.cells.count)))", " (the first \(n(rev.cells.count)))") : ""
      b.lines = [
        w("\(n(rev.count)) celler i tidligere år er ændret siden de sidst offentliggjorte tabeller\(listed): en sen rettelse eller en erstattet levering.",
          "\(n(rev.count)) cells of earlier years changed since the tables last published\(listed): a late correction or a replaced delivery.")
      ]
      b.header = [w("Tabel", "Table"), w("Række", "Row"), w("År", "Year"), w("Før", "Before"), w("Nu", "Now")]
      b.rows = rev.cells.map { [$0.table, $0.row, $0.column, $0.before, $0.after] }
      out.append(b)
    }

    if !q.inputs.isEmpty {
      var b = Block(title: w("Inddata", "Inputs"))
      b.header = [w("Fil", "File"), w("Periode", "Period"), w("Læst", "Read"), w("Godkendt", "Accepted"), w("Afvist", "Rejected")]
      b.rows = q.inputs.map { [name($0.path), Self.period($0.period), n($0.read), n($0.accepted), n($0.rejected)] }
      out.append(b)
    }

    if let t = q.tinyBases, !t.cells.isEmpty {
      var b = Block(title: w("Udvikling på et lille grundlag", "Growth on a tiny base"))
      let pct = style.number(Rational(exactly: Int128((t.threshold * 1000).rounded()), over: 10), decimals: 0)
      b.lines = [
        w("Udvikling, hvor første års værdi er under \(pct) % af sidste års: tallet siger mest, at første år næsten ingen data havde.",
          "Growth where the first year's value is below \(pct) % of the last year's: it mostly says the first year had almost no data.")
      ]
      b.header = [w("Tabel", "Table"), w("Række", "Row"), w("Første år", "First year"), w("Udvikling", "Growth")]
      b.rows = t.cells.map { [$0.table, $0.row, $0.base, $0.growth] }
      out.append(b)
    }
    return out
  }

  /// A month's name (1: "januar" or "January").
  func monthName(_ month: Int) -> String {
    let da = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"]
    let en = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
    guard (1...12).contains(month) else { return String(month) }
    return danish ? da[month - 1] : en[month - 1]
  }

  /// `now` against `before` in percent, one decimal: "+12,5 %".
  func percent(_ now: Int, _ before: Int) -> String {
    guard before != 0 else { return "" }
    let s = style.number(Rational(exactly: Int128(now - before) * 100, over: Int128(before)), decimals: 1)
    return (now >= before ? "+" : "") + s + " %"
  }

  /// Years as a span when they follow each other ("2019–2023"), else listed.
  static func period(_ years: [Int]) -> String {
    guard let first = years.first, let last = years.last else { return "" }
    if years.count == 1 { return String(first) }
    return years == Array(first...last) ? "\(first)–\(last)" : years.map(String.init).joined(separator: ", ")
  }

  /// "Aar=2023,Speciale=51" as "Aar 2023, Speciale 51".
  static func words(_ cell: String) -> String {
    cell.split(separator: ",").map { $0.replacingOccurrences(of: "=", with: " ") }.joined(separator: ", ")
  }

  /// The volume note in Danish.
  static func danishNote(_ note: String) -> String {
    if note.hasPrefix("the volume is counted per year") {
      return "Volumen tælles pr. år og speciale, ikke pr. måned: hvert år sammenlignes med hele året før (samme måneder et år tidligere kun for hele år)."
    }
    return note
  }

  /// The page as an HTML section (`<section id="datakvalitet">`).
  public func html(_ q: DataQuality) -> String {
    let e = HTMLText.escape
    var o = "<section id=\"datakvalitet\" class=\"quality\">\n<h2>\(e(title))</h2>\n"
    for b in blocks(q) {
      o += "<h3>\(e(b.title))</h3>\n"
      for l in b.lines { o += "<p>\(e(l))</p>\n" }
      guard !b.header.isEmpty else { continue }
      o += "<table>\n<thead><tr>" + b.header.map { "<th>\(e($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
      for r in b.rows {
        o += "<tr>" + r.map { "<td>\(e($0).replacingOccurrences(of: "\n", with: "<br>"))</td>" }.joined() + "</tr>\n"
      }
      o += "</tbody>\n</table>\n"
    }
    return o + "</section>\n"
  }
}
