/// The facts of a run's data-quality page, as `run-report.json` holds them
/// (`RunReport.quality`): what the run was, what each input held, what was
/// rejected where and why, how the volume compares with the last
/// successful run, where the plan's region has no data, which tables were
/// skipped, and which growth figures rest on a tiny base. The report page
/// and the workbook render these facts; they compute nothing of their own.
///
/// Each part is filled by whoever knows it: the runner (run, date, inputs,
/// rejects, volume), a pipeline (coverage, skipped tables, tiny bases). A
/// part nobody filled stays nil or empty.
public struct DataQuality: Sendable, Codable, Equatable {
  /// The run's id in the run history; nil outside a runner.
  public var run: Int64?
  /// When the run started, ISO 8601 in UTC; nil outside a runner.
  public var date: String?
  /// Each input file with its records and period.
  public var inputs: [Input] = []
  /// Rejected records by file and rule, with up to `sampleLimit` of their
  /// lines as `rejects.csv` holds them.
  public var rejects: [Rejects] = []
  /// The accepted records against the last successful run's.
  public var volume: Volume?
  /// Where the plan's region has no claims line.
  public var coverage: Coverage?
  /// Tables not made, and why.
  public var skippedTables: [SkippedTable] = []
  /// Growth figures whose first year's value is tiny against the last's.
  public var tinyBases: TinyBases?
  /// Cells of earlier years that changed since the last run's outputs.
  public var revisions: Revisions?

  /// The number of sample lines kept per file and rule.
  public static let sampleLimit = 3

  /// Nothing known yet.
  public init() {}

  /// An input file and what it held.
  public struct Input: Sendable, Codable, Equatable {
    /// The file's path, as the patterns resolved it.
    public var path: String
    /// Records read after the header, empty lines included.
    public var read: Int
    /// Records that kept every rule.
    public var accepted: Int
    /// Records rejected.
    public var rejected: Int
    /// The years its accepted records hold (from its volume cells'
    /// `Aar`); empty when its records have no year.
    public var period: [Int] = []
    /// This file and these counts.
    public init(path: String, read: Int, accepted: Int, rejected: Int, period: [Int] = []) {
      self.path = path
      self.read = read
      self.accepted = accepted
      self.rejected = rejected
      self.period = period
    }
  }

  /// The rejects of one file by one rule.
  public struct Rejects: Sendable, Codable, Equatable {
    /// The file's path.
    public var file: String
    /// The rule's name (`not-a-number`).
    public var rule: String
    /// Rejected records of this file by this rule.
    public var records: Int
    /// Up to `DataQuality.sampleLimit` of their lines, first ones first,
    /// with their line numbers and column: `line 12, Antal: 2019;13;…`.
    public var samples: [String]
    /// These rejects.
    public init(file: String, rule: String, records: Int, samples: [String] = []) {
      self.file = file
      self.rule = rule
      self.records = records
      self.samples = samples
    }
  }

  /// The accepted records against the last successful run's, per volume
  /// cell (`Aar=2023,Speciale=51`) and in all.
  public struct Volume: Sendable, Codable, Equatable {
    /// The run compared with; nil when there is none (`note` says so).
    public var lastRun: Int64?
    /// Accepted records now.
    public var records: Int
    /// Accepted records in the run compared with.
    public var lastRecords: Int?
    /// The cells whose count changed, with the counts before and now.
    public var changed: [Cell] = []
    /// What is compared and what cannot be: a first run, the same months a
    /// year earlier.
    public var notes: [String] = []
    /// Accepted records per year of the claims, with the year before's
    /// (within this run): the comparison a year earlier.
    public var byYear: [Year] = []
    /// The months of the claims' newest year against the same months a
    /// year earlier; nil when the records are not counted by month
    /// (`Schema.monthKey`) or the year before has none of those months.
    public var sameMonths: SameMonths?

    /// The months the newest year has records in, each with the same
    /// month's records a year earlier, and their sums.
    public struct SameMonths: Sendable, Codable, Equatable {
      /// The newest year.
      public var year: Int
      /// Its months in order, with their records and the year before's.
      public var months: [Month]
      /// The records of those months in `year`.
      public var records: Int
      /// The records of the same months a year earlier.
      public var yearBefore: Int

      /// A month (1-12) then and now.
      public struct Month: Sendable, Codable, Equatable {
        /// The month, 1-12.
        public var month: Int
        /// Its records in the newest year.
        public var records: Int
        /// The same month's a year earlier (0 when none).
        public var yearBefore: Int
      }

      /// The newest year of `months` (accepted records by
      /// `Aar=2023,Maaned=4`) against the year before, over the months
      /// the newest year has; nil when the year before has no record in
      /// them.
      public init?(_ months: [String: Int]) {
        var counts: [Int: [Int: Int]] = [:]
        for (name, n) in months {
          var year: Int?
          var month: Int?
          for part in name.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, let v = Int(kv[1]) else { continue }
            if kv[0] == "Aar" { year = v } else { month = v }
          }
          if let year, let month { counts[year, default: [:]][month, default: 0] += n }
        }
        guard let newest = counts.keys.max(), let now = counts[newest] else { return nil }
        let before = counts[newest - 1] ?? [:]
        self.year = newest
        self.months = now.keys.sorted().filter { now[$0]! > 0 }.map {
          Month(month: $0, records: now[$0]!, yearBefore: before[$0] ?? 0)
        }
        records = self.months.reduce(0) { $0 + $1.records }
        yearBefore = self.months.reduce(0) { $0 + $1.yearBefore }
        guard yearBefore > 0 else { return nil }
      }
    }

    /// A year's accepted records and the year before's.
    public struct Year: Sendable, Codable, Equatable {
      /// The year.
      public var year: Int
      /// Its accepted records.
      public var records: Int
      /// The year before's, nil when the run has none.
      public var yearBefore: Int?
    }

    /// A volume cell before and now.
    public struct Cell: Sendable, Codable, Equatable {
      /// Its name, as `RunReport.volumes` names it.
      public var cell: String
      /// The count in the run compared with (0 when it had none).
      public var before: Int
      /// The count now (0 when none).
      public var now: Int
    }

    /// The comparison of `now` with `before` (the volumes of run `lastRun`).
    public init(now: [String: Int], before: [String: Int]?, lastRun: Int64?) {
      self.lastRun = before == nil ? nil : lastRun
      records = now.values.reduce(0, +)
      lastRecords = before.map { $0.values.reduce(0, +) }
      if let before {
        for cell in Set(now.keys).union(before.keys).sorted() where now[cell, default: 0] != before[cell, default: 0] {
          changed.append(Cell(cell: cell, before: before[cell, default: 0], now: now[cell, default: 0]))
        }
      }
    }
  }

  /// The plan's region where it has no data.
  public struct Coverage: Sendable, Codable, Equatable {
    /// The region's name (`Region Syddanmark`).
    public var region: String
    /// The plan's years.
    public var years: [Int64]
    /// The plan's years in which no claims line has a clinic or a patient
    /// in the region.
    public var yearsWithoutClaims: [Int64]
    /// The region's kommuner with no claims line (as clinic or patient
    /// kommune) in some of the plan's years, and those years.
    public var kommunerWithoutClaims: [Kommune]
    /// Whether the run published despite `yearsWithoutClaims`
    /// (`--accept-gaps`).
    public var gapsAccepted: Bool

    /// A kommune and the years it has no claims line.
    public struct Kommune: Sendable, Codable, Equatable {
      /// The kommune's name.
      public var kommune: String
      /// Its code.
      public var code: Int
      /// The plan's years without a claims line of it.
      public var years: [Int64]
      /// This kommune and these years.
      public init(kommune: String, code: Int, years: [Int64]) {
        self.kommune = kommune
        self.code = code
        self.years = years
      }
    }

    /// These facts.
    public init(
      region: String, years: [Int64], yearsWithoutClaims: [Int64], kommunerWithoutClaims: [Kommune],
      gapsAccepted: Bool
    ) {
      self.region = region
      self.years = years
      self.yearsWithoutClaims = yearsWithoutClaims
      self.kommunerWithoutClaims = kommunerWithoutClaims
      self.gapsAccepted = gapsAccepted
    }
  }

  /// A table not made, and why.
  public struct SkippedTable: Sendable, Codable, Equatable {
    /// Its id (`tabel-04`).
    public var table: String
    /// Why, in words.
    public var reason: String
    /// This table and reason.
    public init(table: String, reason: String) {
      self.table = table
      self.reason = reason
    }
  }

  /// Cells of closed years (a year column before a table's last) whose
  /// value differs from the outputs the last successful run published in
  /// the same output directory.
  public struct Revisions: Sendable, Codable, Equatable {
    /// The run compared with (nil: its id is not known).
    public var lastRun: Int64?
    /// The changed cells, all of them.
    public var count = 0
    /// The first of them (a runner lists up to 200).
    public var cells: [Cell] = []

    /// A changed cell.
    public struct Cell: Sendable, Codable, Equatable {
      /// The table (`tabel-19`).
      public var table: String
      /// The row's key (`Aalborg`).
      public var row: String
      /// The year column.
      public var column: String
      /// The value before, as the table wrote it.
      public var before: String
      /// The value now.
      public var after: String
      /// This cell.
      public init(table: String, row: String, column: String, before: String, after: String) {
        self.table = table
        self.row = row
        self.column = column
        self.before = before
        self.after = after
      }
    }

    /// No revision yet, against run `lastRun`.
    public init(lastRun: Int64?) { self.lastRun = lastRun }
  }

  /// Growth figures whose base (first year's value) is tiny: below
  /// `threshold` times the last year's value.
  public struct TinyBases: Sendable, Codable, Equatable {
    /// The share of the last year's value below which a first year's value
    /// is a tiny base (0.1: a growth above +900 %).
    public var threshold: Double
    /// The cells: table, row, base and growth as the table prints them.
    public var cells: [Cell]

    /// One growth figure on a tiny base.
    public struct Cell: Sendable, Codable, Equatable {
      /// The table's id.
      public var table: String
      /// The row's label.
      public var row: String
      /// The first year's value.
      public var base: String
      /// The growth, as the table holds it.
      public var growth: String
      /// The growth column's header (`udvikling_pct`), where the report
      /// and the workbook flag the cell; nil: not flagged in the table.
      public var column: String?
      /// This cell.
      public init(table: String, row: String, base: String, growth: String, column: String? = nil) {
        self.table = table
        self.row = row
        self.base = base
        self.growth = growth
        self.column = column
      }
    }

    /// These cells below `threshold`.
    public init(threshold: Double, cells: [Cell]) {
      self.threshold = threshold
      self.cells = cells
    }
  }
}
