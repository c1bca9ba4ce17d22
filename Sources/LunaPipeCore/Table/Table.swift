/// A finished table: what every emitter writes, in whichever format.
public struct Table: Sendable, Equatable {
  /// One cell of a table.
  public enum Cell: Sendable, Equatable {
    /// Text, printed as it is: a row label, a code.
    case text(String)
    /// A number printed with `decimals` places, rounded half away from zero.
    case number(Rational, decimals: Int)
    /// No value: a missing year, growth from a zero base. Printed empty.
    case empty
  }

  /// How a report shows a table: as a table of numbers, or as a figure
  /// (a chart, with the numbers behind it).
  public enum Presentation: Sendable, Equatable {
    /// Numbers first; a bar chart of the latest year after them when the
    /// table has year columns and rows to compare.
    case table
    /// A figure's data (one row per category, one numeric column per
    /// series): its chart first, grouped bars of its percentage columns
    /// (or of every numeric column when it has none), then the numbers.
    case figure
  }

  /// File stem, such as `table-19`.
  public var id: String
  /// The title a report, the Markdown and the JSON show above the table.
  public var title: String
  /// The column headers, the row label's first.
  public var header: [String]
  /// The rows, each with one cell per header.
  public var rows: [[Cell]]
  /// How a report shows the table; `.table` unless the pipeline says it is
  /// a figure. The table formats (CSV, Markdown, JSON) write both alike.
  public var presentation: Presentation
  /// The columns whose numbers are differences of percentages: percentage
  /// points, such as the growth of a share from its first to its last year
  /// (`GrowthKind.percentagePoints`). Their header still ends in `_pct`, and
  /// the table formats write them as every `_pct` column; the workbook
  /// shows them as points ("5 pp", not "5%").
  public var percentagePointColumns: Set<Int> = []

  /// A table `id` of `rows` under `header`, shown as `presentation`.
  public init(id: String, title: String, header: [String], rows: [[Cell]], presentation: Presentation = .table) {
    self.id = id
    self.title = title
    self.header = header
    self.rows = rows
    self.presentation = presentation
  }
}

extension Table.Cell {
  /// The cell as the plain CSV prints it (decimal point, no grouping).
  public var plain: String { TableFormat.cell(self, mark: ".", group: nil) }
}
