/// How the emitters present tables to people: the number format, the
/// words they write themselves, the document language, and which columns
/// hold codes and which rows are totals.
///
/// The engine knows no language of its own: every emitter that writes for
/// people (Markdown, the spreadsheet CSV, the HTML report and its charts,
/// the workbook) takes a style from the pipeline. `TableStyle.standard` is
/// neutral: English words, plain numbers (`1234.5`, a decimal point and no
/// thousands separator, as in the machine CSV), so that nothing a reader
/// sees depends on a locale the pipeline did not state. A pipeline for
/// readers elsewhere passes its own (LunaDomain's `TableStyle.danish`
/// writes `1.234,5` and Danish words).
///
///     let style = TableStyle.standard
///     style.text(of: .number(Rational(12345, 10), decimals: 1))   // "1234.5"
///     style.columnLabel(of: table, at: 6)                          // "Growth 2019–23"
///
/// What stays the same in every style, because it is the tables' schema
/// rather than their presentation: a header of four digits (1900–2100) is
/// a year column, a header ending in `_pct` holds percentages, the machine
/// CSV and JSON are plain, and headers and text cells are printed as given.
public struct TableStyle: Sendable, Equatable {
  /// How numbers are written for people: the decimal mark, and whether
  /// thousands are grouped (`.plain`: `1234.5`; `.danish`: `1.234,5`).
  /// Code columns (see `codeColumns`) are never grouped.
  public var numbers: NumberFormat
  /// The document's language as a BCP 47 tag (`en`, `da`): the HTML
  /// report's `lang`, and the suffix of the spreadsheet CSV's directory
  /// (`tables-en`, `tables-da`).
  public var language: String
  /// The field delimiter spreadsheets of this locale expect in a CSV file
  /// (Excel's list separator): `,` where the decimal mark is a point, `;`
  /// where it is a comma.
  public var listSeparator: Character
  /// The words the emitters write themselves.
  public var labels: Labels
  /// The columns whose numbers name something rather than count it.
  public var codeColumns: CodeColumns
  /// The rows that are totals (printed in bold, left out of charts).
  public var totalRows: TotalRows
  /// The name of the growth column, without its `_pct` suffix (`growth`
  /// for a header `growth_pct`): in a table with two or more year columns
  /// it is labelled `labels.growth` and the years it spans, "Growth
  /// 2019–23".
  public var growthColumn: String

  /// A style; every part defaults to the neutral one of `standard`.
  public init(
    numbers: NumberFormat = .plain, language: String = "en", listSeparator: Character = ",",
    labels: Labels = Labels(), codeColumns: CodeColumns = CodeColumns(), totalRows: TotalRows = TotalRows(),
    growthColumn: String = "growth"
  ) {
    self.numbers = numbers
    self.language = language
    self.listSeparator = listSeparator
    self.labels = labels
    self.codeColumns = codeColumns
    self.totalRows = totalRows
    self.growthColumn = growthColumn
  }

  /// The engine's default: English words, plain numbers (`1234.5`),
  /// `lang="en"`, `,` between CSV fields.
  public static let standard = TableStyle()

  /// The words the emitters write themselves (not the tables' titles,
  /// headers or cells, which the pipeline gives).
  public struct Labels: Sendable, Equatable {
    /// The growth column's label before the years it spans: "Growth" for
    /// "Growth 2019–23".
    public var growth: String
    /// A chart's value axis when it shows shares: "Share (%)".
    public var shareAxis: String
    /// A chart's value axis when it shows counts: "Count".
    public var countAxis: String
    /// The HTML report's table of contents: "Contents".
    public var contents: String
    /// Under a table without rows: "No rows in the extract."
    public var noRows: String
    /// A workbook sheet whose table gives no usable name: "Sheet".
    public var sheet: String
    /// The run summary at the end of the HTML report, before its counts:
    /// "Input" in "Input: 10 records read, 9 accepted, 1 rejected, 0 empty
    /// lines skipped (pipeline 1.0)."
    public var runSummary: String
    /// After the number of records read: "records read".
    public var recordsRead: String
    /// After the number of records accepted: "accepted".
    public var recordsAccepted: String
    /// After the number of records rejected: "rejected".
    public var recordsRejected: String
    /// After the number of empty lines skipped: "empty lines skipped".
    public var emptyLinesSkipped: String
    /// Before the accepted records no table counts (`RunReport.outsideTables`),
    /// shown only when there are any: "Outside every table" in "Outside
    /// every table: 12 records (Aar 2024, Speciale 51: 12)."
    public var outsideTables: String
    /// After their number: "records".
    public var records: String
    /// After a difference of percentages in the workbook: "pp" in "5 pp"
    /// (percentage points; see `Table.percentagePointColumns`).
    public var percentagePoints: String

    /// The labels; each defaults to its English word.
    public init(
      growth: String = "Growth", shareAxis: String = "Share (%)", countAxis: String = "Count",
      contents: String = "Contents", noRows: String = "No rows in the extract.", sheet: String = "Sheet",
      runSummary: String = "Input", recordsRead: String = "records read", recordsAccepted: String = "accepted",
      recordsRejected: String = "rejected", emptyLinesSkipped: String = "empty lines skipped",
      outsideTables: String = "Outside every table", records: String = "records", percentagePoints: String = "pp"
    ) {
      self.growth = growth
      self.shareAxis = shareAxis
      self.countAxis = countAxis
      self.contents = contents
      self.noRows = noRows
      self.sheet = sheet
      self.runSummary = runSummary
      self.recordsRead = recordsRead
      self.recordsAccepted = recordsAccepted
      self.recordsRejected = recordsRejected
      self.emptyLinesSkipped = emptyLinesSkipped
      self.outsideTables = outsideTables
      self.records = records
      self.percentagePoints = percentagePoints
    }
  }

  /// Which columns hold codes: numbers that name something (a year, a
  /// postal code, an id), printed as their digits, never grouped (`1960`,
  /// not `1,960` or `1.960`). Headers are compared as `HeaderName`
  /// normalizes them (case, surrounding spaces, `æ`/`ø`/`å`).
  public struct CodeColumns: Sendable, Equatable {
    /// Headers that are code columns as a whole: `year`, `id`, `code`.
    public var names: [String]
    /// Endings that make a header a code column: `_year`, `_id`, `_code`,
    /// `_no`.
    public var suffixes: [String]

    /// The code columns; by default the English names and endings above.
    public init(
      names: [String] = ["year", "id", "code"], suffixes: [String] = ["_year", "_id", "_code", "_no"]
    ) {
      self.names = names
      self.suffixes = suffixes
    }

    /// Whether `header` names a code column.
    public func contains(_ header: String) -> Bool {
      let h = HeaderName.normalize(header)
      return names.contains { HeaderName.normalize($0) == h } || suffixes.contains { h.hasSuffix($0.lowercased()) }
    }
  }

  /// Which rows are totals, by their first cell (a text), compared
  /// lower-cased with surrounding spaces trimmed.
  public struct TotalRows: Sendable, Equatable {
    /// First cells that make a row a total: `total`.
    public var labels: [String]
    /// Words that make a row a total when its first cell begins or ends
    /// with one of them as a word: `total` (`Total by group`, `North
    /// total`, but not `Totalizer`).
    public var words: [String]

    /// The total rows; by default `Total` and the word "total".
    public init(labels: [String] = ["total"], words: [String] = ["total"]) {
      self.labels = labels
      self.words = words
    }

    /// Whether `row` is a total row.
    public func contains(_ row: [Table.Cell]) -> Bool {
      guard case .text(let label)? = row.first else { return false }
      let l = label.lowercased().trimmingCharacters(in: " ")
      return labels.contains { $0.lowercased() == l }
        || words.contains {
          let w = $0.lowercased()
          return l.hasPrefix(w + " ") || l.hasSuffix(" " + w)
        }
    }
  }
}

extension TableStyle {
  /// What column `header` holds, as far as writing its numbers goes.
  public func kind(_ header: String) -> TableDisplay.ColumnKind {
    if TableDisplay.isPercent(header) { return .percent }
    return codeColumns.contains(header) ? .code : .plain
  }

  /// What column `index` of `table` holds (`.plain` past its header).
  public func kind(of table: Table, at index: Int) -> TableDisplay.ColumnKind {
    index < table.header.count ? kind(table.header[index]) : .plain
  }

  /// Whether `row` is a total row (see `totalRows`).
  public func isTotal(_ row: [Table.Cell]) -> Bool { totalRows.contains(row) }

  /// The label people read for column `index`: `region` → "Region",
  /// `patients_pct` → "Patients (%)", `practices_2019` → "Practices 2019",
  /// the growth column → "Growth 2019–23" (`labels.growth` and the span of
  /// the table's year columns); a year stays as it is.
  public func columnLabel(of table: Table, at index: Int) -> String {
    let h = table.header[index]
    if TableDisplay.year(h) != nil { return h }
    var name = h
    if TableDisplay.isPercent(name) { name = String(name.dropLast(4)) }
    if name == growthColumn {
      let years = TableDisplay.yearColumns(table).compactMap { TableDisplay.year(table.header[$0]) }
      if let first = years.first, let last = years.last, first != last {
        return "\(labels.growth) \(first)–\(String(String(last).suffix(2)))"
      }
    }
    name = name.replacingOccurrences(of: "_", with: " ")
    guard let f = name.first else { return h }
    return f.uppercased() + name.dropFirst() + (TableDisplay.isPercent(h) ? " (%)" : "")
  }

  /// `r` with `decimals` places in this style's number format; `grouped:
  /// false` leaves out the thousands separator (a code's digits).
  public func number(_ r: Rational, decimals: Int, grouped: Bool = true) -> String {
    r.formatted(decimals: decimals, mark: numbers.decimalSeparator, group: grouped ? numbers.groupingSeparator : nil)
  }

  /// A cell as people read it: a number in this style's format (`%` after
  /// a percentage, a code's digits ungrouped), a text as it is, nothing
  /// for an empty cell.
  public func text(of cell: Table.Cell, kind: TableDisplay.ColumnKind = .plain) -> String {
    switch cell {
    case .text(let t): return t
    case .empty: return ""
    case .number(let r, let d):
      switch kind {
      case .plain: return number(r, decimals: d)
      case .percent: return number(r, decimals: d) + "%"
      case .code: return number(r, decimals: d, grouped: false)
      }
    }
  }
}

extension NumberFormat {
  /// The character this format writes between whole and fractional
  /// digits: `.` (plain) or `,` (Danish).
  public var decimalSeparator: Character { self == .danish ? "," : "." }
  /// The character this format writes between groups of three digits, if
  /// any: none (plain) or `.` (Danish).
  public var groupingSeparator: Character? { self == .danish ? "." : nil }
}
