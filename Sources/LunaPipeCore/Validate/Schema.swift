/// The columns a validated record has, and the rules each must keep.
///
/// A schema turns raw CSV fields into a `Record`: integers, decimals in
/// minor units, flags and codes as `Int64`, text as an exact `EntityKey`.
/// A field that breaks its column's rule, or a record that breaks a
/// `RecordRule`, sends the record to the rejects output.
///
///     let schema = Schema(columns: [
///       Column("Aar", .integer(2000...2100)),
///       Column("Antal", .integer(-999...999), nonZero: true),
///       Column("Bruttohonorar", .decimal(scale: 2)),
///       Column("PatientId", .text(maxLength: 64)),
///     ])
public struct Schema: Sendable {
  /// The columns, in the order a `Record` holds their values (whatever the
  /// order of a file's header). A header matches a column by its name or an
  /// alias as `HeaderName.normalize` compares them (case, surrounding
  /// spaces, `Æ`/`Ø`/`Å` spelt `AE`/`OE`/`AA`); header columns no column
  /// matches are ignored.
  public var columns: [Column] {
    didSet { columnOfKey = Schema.columnOfKey(columns) }
  }
  /// The record rules, checked in order after every field of a record
  /// decoded; the first one broken rejects the record.
  public var rules: [RecordRule]
  /// The longest record in bytes (its text without the line end). A longer
  /// one is rejected (`record-too-long`) and reading goes on at the next
  /// line; a quoted field that does not close within this many bytes is a
  /// stray quote (`unterminated-quote`): that line is rejected, not the
  /// rest of the file. Also bounds the memory one record can take.
  public var maxRecordBytes: Int = 1 << 20
  /// Columns whose values the run report counts accepted records by
  /// (`RunReport.volumes`), e.g. year and speciale: what a volume guard
  /// compares between runs. Integer, code, digits (up to 4) or flag
  /// columns, together at most 65,536 combinations.
  public var volumeKeys: [String] = []
  /// A month column (`Maaned`, 1-12) whose accepted records are counted
  /// per first volume key (the year) and month besides: `FileReport.months`
  /// (`Aar=2023,Maaned=4`), what the data-quality facts compare with the
  /// same months a year earlier. It rides in the volume cells (one more
  /// key, no other per-record work) and is summed out of their names, so
  /// `volumes` stay as without it. Nil: no months counted.
  public var monthKey: String?
  /// How the numbers of its files are written: `.plain` (`1234.50`, the
  /// default) or `.danish` (`1.234,50`). Stated by the schema, never
  /// guessed: `ScanOptions.numberFormat` overrides it for one scan.
  public var numberFormat: NumberFormat
  /// Whether the spaces around an unquoted field are dropped when the
  /// dialect does not say (`CSVDialect.trimSpaces`): false by default, a
  /// text is read as written (` Anna ` keeps its spaces); a schema whose
  /// files pad their fields says true (the LUNA claims do). Numbers, digits,
  /// flags and dates read without the spaces around them either way.
  public var trimsSpaces = false
  /// Each column's normalized name and aliases → its index (the first
  /// column that has it), so matching a header does not normalize every
  /// column's names again for each field.
  private var columnOfKey: [String: Int]

  /// A schema of `columns` and `rules`, whose files write numbers in
  /// `numberFormat`. `maxRecordBytes` and `volumeKeys` keep their defaults
  /// (1 MiB, none) until set.
  public init(columns: [Column], rules: [RecordRule] = [], numberFormat: NumberFormat = .plain) {
    self.columns = columns
    self.rules = rules
    self.numberFormat = numberFormat
    self.columnOfKey = Schema.columnOfKey(columns)
  }

  private static func columnOfKey(_ columns: [Column]) -> [String: Int] {
    var table: [String: Int] = [:]
    for (i, column) in columns.enumerated() {
      for key in column.matchKeys where table[key] == nil { table[key] = i }
    }
    return table
  }

  /// The index of the column called `name` (matched as headers are).
  public func index(of name: String) -> Int? {
    columnOfKey[HeaderName.normalize(name)]
  }

  func requireIndex(of name: String) throws -> Int {
    guard let i = index(of: name) else {
      throw PipelineError.configuration("the schema has no column \"\(name)\"")
    }
    return i
  }
}

/// One column of a schema.
public struct Column: Sendable {
  /// What a column holds, and so how its fields are decoded and checked.
  public enum Kind: Sendable {
    /// A whole number in `range`; in Danish files `.` may group thousands.
    case integer(ClosedRange<Int64>)
    /// A whole number that must be one of `values` (codes such as kommune
    /// or speciale). `values` must lie in 0...65_535.
    case code(Set<Int64>)
    /// A decimal number stored as an integer count of 10^-scale units.
    case decimal(scale: Int)
    /// Exactly `count` ASCII digits, stored as their value (leading zeros
    /// are kept by the fixed width).
    case digits(count: Int)
    /// One of two letters, stored as 1 (`yes`) or 0 (`no`).
    case flag(yes: Character, no: Character)
    /// Opaque text of 1...maxLength characters, stored as an exact key.
    case text(maxLength: Int)
    /// A calendar date written as `format` says, with its year in `years`;
    /// stored as the number yyyymmdd (`2023-01-31` is 20230131), so that
    /// dates order and compare as numbers. A field that is no valid date
    /// (`2023-02-30`, `31-12-23`) is `not-a-date`; a year outside `years`
    /// is `out-of-range`.
    case date(DateFormat, years: ClosedRange<Int> = 1900...2199)
  }

  /// The column's name: the header it matches and the name aggregations,
  /// filters and record rules address it by.
  public var name: String
  /// Other header names that match this column (an older extract's name).
  public var aliases: [String]
  /// What the column holds.
  public var kind: Kind
  /// An empty field is a violation (`empty`). When false, empty is stored as
  /// `Record.null` and record rules decide.
  public var required: Bool
  /// For integers: zero is a violation (`zero`).
  public var nonZero: Bool
  /// For decimals: the largest magnitude allowed, in the column's smallest
  /// unit (e.g. øre); a larger value is `out-of-range`. A plausibility
  /// bound per line, and what keeps sums far from overflowing.
  public var maxMagnitude: Int64?
  /// The rule a value outside the column's range (an integer's range, a
  /// decimal's `maxMagnitude`, a date's years) is rejected with, when not
  /// `out-of-range`: the claims' `Aar` says `year-out-of-range`. Checked
  /// where the range is, at no cost beyond it.
  public var outOfRange: String?
  /// Whether a stage computes the column (`derive`, `lookup`) rather than
  /// reading it from the file: no header names it.
  public internal(set) var isDerived = false

  /// A column `name` of `kind`: required, zero allowed, no magnitude
  /// bound, and a value outside its range `out-of-range`, unless said
  /// otherwise.
  public init(
    _ name: String, _ kind: Kind, aliases: [String] = [], required: Bool = true,
    nonZero: Bool = false, maxMagnitude: Int64? = nil, outOfRange: String? = nil
  ) {
    self.name = name
    self.aliases = aliases
    self.kind = kind
    self.required = required
    self.nonZero = nonZero
    self.maxMagnitude = maxMagnitude
    self.outOfRange = outOfRange
  }

  var matchKeys: [String] { ([name] + aliases).map(HeaderName.normalize) }

  /// For a column usable as an aggregation key: its values fit 16 bits
  /// after subtracting `keyOffset`.
  var keyRange: ClosedRange<Int64>? {
    switch kind {
    case .integer(let r): return r.upperBound - r.lowerBound <= 65_534 ? r : nil
    case .code(let values):
      guard let lo = values.min(), let hi = values.max(), hi - lo <= 65_534 else { return nil }
      return lo...hi
    case .digits(let n): return n <= 4 ? 0...9_999 : nil
    case .flag: return 0...1
    case .decimal, .text, .date: return nil
    }
  }
}

/// How a date column writes its dates.
public enum DateFormat: Sendable, Equatable {
  /// ISO 8601: `2023-01-31`.
  case iso
  /// The Danish forms: day, month, year, separated by `-`, `.` or `/`
  /// (`31-01-2023`, `31.1.2023`, `1/2/2023`); day and month of one or two
  /// digits, the year of four.
  case danish
}

/// A rule over a whole record, checked after every field has decoded.
///
/// The common rules are declarative, so that checking them costs a few
/// comparisons per record; `init(_:column:holds:)` takes any predicate.
///
///     RecordRule.sameSign("Bruttohonorar", as: "Antal")
///     RecordRule.required("Diagnosegruppe", when: "Speciale", in: [62, 65])
///     RecordRule.empty("Progressiv", unless: "Speciale", in: [62])
public struct RecordRule: Sendable {
  enum Check: Sendable {
    case sameSign(amount: String, count: String)
    case required(column: String, other: String, values: Set<Int64>)
    case empty(column: String, other: String, values: Set<Int64>)
    case custom(@Sendable (Record) -> Bool)
    case rejecting(Aggregation.Filter)
    /// Computes a derived column (`DeriveColumn`); broken when the column
    /// cannot hold the value.
    case derive(column: String, DeriveColumn.Function)
    /// Drops the records the filter does not admit (`FilterRecords`); never
    /// broken.
    case keep(Aggregation.Filter)
    /// Adds a lookup table's columns (`LookupColumns`); broken when the key
    /// is missing and missing keys are rejected.
    case lookup(LookupJoin)
  }

  /// The rule's name in the rejects output.
  public let name: String
  /// The column a broken rule is reported on.
  public let column: String
  let check: Check

  /// A rule that holds when `holds` returns true.
  public init(_ name: String, column: String, holds: @escaping @Sendable (Record) -> Bool) {
    self.name = name
    self.column = column
    check = .custom(holds)
  }

  init(name: String, column: String, check: Check) {
    self.name = name
    self.column = column
    self.check = check
  }

  /// `amount` has the sign of `count`: non-negative when `count` is
  /// positive, non-positive when it is negative (`sign-mismatch`).
  public static func sameSign(_ amount: String, as count: String) -> RecordRule {
    RecordRule(name: "sign-mismatch", column: amount, check: .sameSign(amount: amount, count: count))
  }

  /// `column` may not be empty when `other` is one of `values`
  /// (`required-for-OTHER`).
  public static func required(_ column: String, when other: String, in values: Set<Int64>) -> RecordRule {
    RecordRule(
      name: "required-for-\(other.lowercased())", column: column,
      check: .required(column: column, other: other, values: values))
  }

  /// Rejects, as `name` on `column`, every record `filter` admits: a rule
  /// in the words of a filter (`.greater("Aar", than: 2024)`), checked as
  /// the records are validated.
  public static func rejecting(_ name: String, column: String, where filter: Aggregation.Filter) -> RecordRule {
    RecordRule(name: name, column: column, check: .rejecting(filter))
  }

  /// `column` must be empty unless `other` is one of `values` (`must-be-empty`).
  public static func empty(_ column: String, unless other: String, in values: Set<Int64>) -> RecordRule {
    RecordRule(name: "must-be-empty", column: column, check: .empty(column: column, other: other, values: values))
  }
}

/// A decoded record: one `Int64` per column (`Record.null` when empty), and
/// an `EntityKey` for text columns. A view into the decoder's buffers, valid
/// only while the record is being handed over.
///
/// Read values by column name as Swift values (`text(_:)`, `int(_:)`,
/// `decimal(_:)`, `date(_:)`, nil when empty), or, in the hot path of a
/// consumer, by column index (`subscript`, `key(_:)`).
public struct Record {
  /// The value of an empty (optional) field: `Int64.min`, never a valid value.
  public static let null = Int64.min
  @usableFromInline let values: UnsafeMutablePointer<Int64>
  let keys: UnsafeMutablePointer<EntityKey>
  let ordinalSlot: UnsafeMutablePointer<Int>
  /// The names and kinds of the columns, for reading values by name.
  @usableFromInline let columns: Unmanaged<RecordColumns>

  /// The record's position among its chunk's records (0-based), so that a
  /// consumer that meets a limit can say where.
  public var ordinal: Int { ordinalSlot.pointee }

  /// The value of column `i` (integers, codes, decimals in minor units,
  /// flags 1/0, digits as their value), or `Record.null`.
  @inline(__always) public subscript(_ i: Int) -> Int64 { values[i] }

  /// The exact key of text column `i`.
  @inline(__always) public func key(_ i: Int) -> EntityKey { keys[i] }

  /// Whether column `i`'s field was empty.
  public func isNull(_ i: Int) -> Bool { values[i] == Record.null }
}
