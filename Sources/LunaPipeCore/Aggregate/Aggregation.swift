/// What to aggregate: measures (sums, counts, minima and maxima, distinct
/// counts, each with an optional filter) per combination of key columns,
/// all addressed by name.
///
/// Keys may be codes and whole numbers of any range, text of any
/// cardinality (dictionary encoded), decimals, and dates or a part of one
/// (year, quarter, month). An empty optional value is *absent*: a group of
/// its own as a key, left out of sums, minima, maxima and distinct counts.
///
/// The aggregation is computed once at the finest grain (all keys together);
/// any coarser grouping is then a rollup of the result (`rows(by:)`,
/// `rollup`), exact for sums and for distinct counts alike: an entity seen
/// under two keys that fall into the same group counts once there.
///
///     let agg = Aggregation(
///       keys: ["State", .year("Date")],
///       measures: [
///         .sum("Amount"), .count(),
///         .distinct("CustomerId", as: "customers"),
///         .distinct("CustomerId", as: "buyers", where: .greater("Quantity", than: 0)),
///         .max("Date", as: "last"),
///       ])
public struct Aggregation: Sendable {
  /// The keys that form the groups, in order: results give key values in
  /// this order.
  public var keys: [Key]
  /// The measures of every group, in order.
  public var measures: [Measure]
  /// The records aggregated at all: one the filter does not admit is in no
  /// group and no measure (nil: every valid record). Cheaper than the same
  /// filter on every measure, which still puts each record in its group.
  public var filter: Filter?

  /// An aggregation of `measures` per combination of `keys`, over the
  /// records `filter` admits (all when nil).
  public init(keys: [Key], measures: [Measure], where filter: Filter? = nil) {
    self.keys = keys
    self.measures = measures
    self.filter = filter
  }

  /// When a record's entity counts towards the distinct count of
  /// `init(keys:sums:distinct:when:)`.
  public enum Condition: Sendable {
    /// Every record's entity counts.
    case always
    /// Only records whose `column` is greater than zero.
    case positive(String)
  }

  /// Sums of `sums` and, when given, the distinct count of `distinct` (over
  /// the records `condition` admits), per combination of `keys`: the form
  /// the ready-made pipelines use. `GroupMeasures.sums` holds the sums in
  /// this order.
  public init(keys: [String], sums: [String], distinct: String? = nil, when condition: Condition = .always) {
    self.init(keys: keys.map { Key($0) }, measures: Self.measures(sums: sums, distinct: distinct, when: condition))
  }

  private static func measures(sums: [String], distinct: String?, when condition: Condition) -> [Measure] {
    var measures = sums.map { Measure.sum($0) }
    if let distinct {
      switch condition {
      case .always: measures.append(.distinct(distinct))
      case .positive(let c): measures.append(.distinct(distinct, where: .greater(c, than: 0)))
      }
    }
    return measures
  }

  /// The names of the keys, in order.
  public var keyNames: [String] { keys.map(\.name) }
  /// The names of the measures, in order.
  public var measureNames: [String] { measures.map(\.name) }
}

extension Aggregation {
  /// A key: a column's value, or a part of a date column's value.
  public struct Key: Sendable, Hashable, ExpressibleByStringLiteral {
    /// What of the column's value keys the groups.
    public enum Part: Sendable, Hashable {
      /// The value itself.
      case value
      /// A date's year (`2023`).
      case year
      /// A date's quarter (`2023-Q1`).
      case quarter
      /// A date's month (`2023-01`).
      case month
    }

    /// The schema column the key reads.
    public var column: String
    /// What of the column's value keys the groups: the value, or a date's
    /// year, quarter or month.
    public var part: Part
    /// The key's name in results and outputs; by default the column's name,
    /// or `year(Date)`, `quarter(Date)`, `month(Date)` for a part.
    public var name: String

    /// A key on `column`'s value (or `part` of a date), named `name`.
    public init(_ column: String, part: Part = .value, as name: String? = nil) {
      self.column = column
      self.part = part
      switch part {
      case .value: self.name = name ?? column
      case .year: self.name = name ?? "year(\(column))"
      case .quarter: self.name = name ?? "quarter(\(column))"
      case .month: self.name = name ?? "month(\(column))"
      }
    }

    /// A key on the column of that name.
    public init(stringLiteral column: String) { self.init(column) }

    /// The year of the date column `column`.
    public static func year(_ column: String, as name: String? = nil) -> Key { Key(column, part: .year, as: name) }
    /// The quarter (year and quarter) of the date column `column`.
    public static func quarter(_ column: String, as name: String? = nil) -> Key {
      Key(column, part: .quarter, as: name)
    }
    /// The month (year and month) of the date column `column`.
    public static func month(_ column: String, as name: String? = nil) -> Key { Key(column, part: .month, as: name) }
  }

  /// One measure of every group.
  public struct Measure: Sendable {
    /// What a measure computes.
    public enum Kind: Sendable {
      /// The sum of a numeric column (exact: integers, decimals in their
      /// smallest unit).
      case sum(String)
      /// The number of records.
      case count
      /// The smallest value of a numeric or date column.
      case min(String)
      /// The largest value of a numeric or date column.
      case max(String)
      /// The number of distinct values of any column.
      case distinct(String)
    }

    /// The measure's name in results and outputs.
    public var name: String
    /// What the measure computes, and of which column.
    public var kind: Kind
    /// Only the records the filter admits count; nil: all.
    public var filter: Filter?

    /// A measure of `kind` named `name` over the records `filter` admits.
    public init(_ kind: Kind, as name: String, where filter: Filter? = nil) {
      self.kind = kind
      self.name = name
      self.filter = filter
    }

    /// Σ `column`, named `column` unless `name` says otherwise.
    public static func sum(_ column: String, as name: String? = nil, where filter: Filter? = nil) -> Measure {
      Measure(.sum(column), as: name ?? column, where: filter)
    }
    /// The number of records, named `count` unless `name` says otherwise.
    public static func count(as name: String = "count", where filter: Filter? = nil) -> Measure {
      Measure(.count, as: name, where: filter)
    }
    /// The smallest `column`, named `min(column)` by default; absent for
    /// a group without a value.
    public static func min(_ column: String, as name: String? = nil, where filter: Filter? = nil) -> Measure {
      Measure(.min(column), as: name ?? "min(\(column))", where: filter)
    }
    /// The largest `column`, named `max(column)` by default; absent for a
    /// group without a value.
    public static func max(_ column: String, as name: String? = nil, where filter: Filter? = nil) -> Measure {
      Measure(.max(column), as: name ?? "max(\(column))", where: filter)
    }
    /// The number of distinct values of `column`, named `distinct(column)`
    /// by default; absent values are not counted.
    public static func distinct(_ column: String, as name: String? = nil, where filter: Filter? = nil) -> Measure {
      Measure(.distinct(column), as: name ?? "distinct(\(column))", where: filter)
    }

    var column: String? {
      switch kind {
      case .sum(let c), .min(let c), .max(let c), .distinct(let c): return c
      case .count: return nil
      }
    }
  }

  /// Which records a measure counts: tests on columns, all of which must
  /// hold. An absent (empty) value passes no comparison; `absent` and
  /// `present` test for it.
  ///
  /// Values are written as in the column: a whole number for integers,
  /// codes and digits, `"12.50"` or a whole number for decimals, a letter
  /// or 1/0 for flags, `"2023-06-30"` for dates, the text for text.
  ///
  ///     .greater("Antal", than: 0)
  ///     .equal("Holdtraening", to: "J") && .oneOf("Speciale", [62, 65])
  public struct Filter: Sendable {
    /// How a column's value compares with the filter's value. Text
    /// columns compare only `equal` and `notEqual` (exact text); numbers
    /// and dates all six ways, dates in calendar order.
    public enum Comparison: String, Sendable {
      /// `=`: the value equals the filter's.
      case equal = "="
      /// `!=`: the value differs from the filter's.
      case notEqual = "!="
      /// `<`: the value is below the filter's.
      case less = "<"
      /// `<=`: the value is at most the filter's.
      case lessOrEqual = "<="
      /// `>`: the value is above the filter's.
      case greater = ">"
      /// `>=`: the value is at least the filter's.
      case greaterOrEqual = ">="
    }
    enum Operand: Sendable, CustomStringConvertible {
      case number(Int64)
      case text(String)
      var description: String {
        switch self {
        case .number(let n): return String(n)
        case .text(let t): return "\"\(t)\""
        }
      }
    }
    enum Test: Sendable {
      case compare(String, Comparison, Operand)
      case oneOf(String, [Operand])
      case present(String)
      case absent(String)
      /// At least one of the filters holds.
      case any([Filter])
      /// The filter does not hold.
      case not(Filter)
      /// A closure over the record.
      case closure(@Sendable (Record) -> Bool)
    }
    let tests: [Test]

    /// `column` compared with a whole number.
    public static func compare(_ column: String, _ comparison: Comparison, _ value: Int64) -> Filter {
      Filter(tests: [.compare(column, comparison, .number(value))])
    }
    /// `column` compared with a value written as in the column.
    public static func compare(_ column: String, _ comparison: Comparison, _ value: String) -> Filter {
      Filter(tests: [.compare(column, comparison, .text(value))])
    }
    /// `column` is greater than the whole number `value`.
    public static func greater(_ column: String, than value: Int64) -> Filter { compare(column, .greater, value) }
    /// `column` is greater than `value`, written as in the column
    /// (`"12.50"`, `"2026-12-31"`).
    public static func greater(_ column: String, than value: String) -> Filter { compare(column, .greater, value) }
    /// `column` is less than the whole number `value`.
    public static func less(_ column: String, than value: Int64) -> Filter { compare(column, .less, value) }
    /// `column` is less than `value`, written as in the column.
    public static func less(_ column: String, than value: String) -> Filter { compare(column, .less, value) }
    /// `column` equals the whole number `value`.
    public static func equal(_ column: String, to value: Int64) -> Filter { compare(column, .equal, value) }
    /// `column` equals `value`, written as in the column (for text: exactly
    /// that text).
    public static func equal(_ column: String, to value: String) -> Filter { compare(column, .equal, value) }
    /// `column` has a value other than the whole number `value` (an absent
    /// value passes no comparison, this one included).
    public static func notEqual(_ column: String, to value: Int64) -> Filter { compare(column, .notEqual, value) }
    /// `column` has a value other than `value`, written as in the column.
    public static func notEqual(_ column: String, to value: String) -> Filter { compare(column, .notEqual, value) }
    /// `column` is one of `values`.
    public static func oneOf(_ column: String, _ values: [Int64]) -> Filter {
      Filter(tests: [.oneOf(column, values.map { .number($0) })])
    }
    /// `column` is one of `values`, written as in the column.
    public static func oneOf(_ column: String, _ values: [String]) -> Filter {
      Filter(tests: [.oneOf(column, values.map { .text($0) })])
    }
    /// `column` has a value.
    public static func present(_ column: String) -> Filter { Filter(tests: [.present(column)]) }
    /// `column` is empty.
    public static func absent(_ column: String) -> Filter { Filter(tests: [.absent(column)]) }

    /// Both filters hold.
    public static func && (a: Filter, b: Filter) -> Filter { Filter(tests: a.tests + b.tests) }
    /// At least one of the two filters holds.
    public static func || (a: Filter, b: Filter) -> Filter { Filter(tests: [.any([a, b])]) }
    /// The filter does not hold: an absent value, which passes no
    /// comparison, passes its negation (`!.equal("x", to: 1)` admits an
    /// empty `x`).
    public static prefix func ! (a: Filter) -> Filter { Filter(tests: [.not(a)]) }
    /// The records for which `test` returns true; `test` reads the record's
    /// values by name (`record.text("state") == "CA"`). It is called on
    /// the scan's worker threads, so it must not touch shared state
    /// unguarded; and once, on a record of empty values, before any input
    /// is read, to check the columns it names.
    public static func matching(_ test: @escaping @Sendable (Record) -> Bool) -> Filter {
      Filter(tests: [.closure(test)])
    }
  }
}
