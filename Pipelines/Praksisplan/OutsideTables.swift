import Foundation
import LunaDomain
import LunaPipeCore

/// Valid claims records that no table of a plan counts — a year outside
/// the tables' years, a speciale no table uses — are accounted for, never
/// dropped without a word: counted in `run-report.json`
/// (`RunReport.outsideTables`), noted in the log and the report's notes,
/// and listed under the report page's input summary. A run whose accepted
/// claims records all fall outside fails (exit 65) and publishes nothing.
extension Plan {
  /// A year and a speciale of the claims.
  public struct Cell: Hashable, Sendable, Comparable {
    public var aar: Int64
    public var speciale: Int64
    public init(aar: Int64, speciale: Int64) {
      self.aar = aar
      self.speciale = speciale
    }
    public static func < (a: Cell, b: Cell) -> Bool { (a.aar, a.speciale) < (b.aar, b.speciale) }
  }

  /// The (year, speciale) cells some table of the plan counts: the union,
  /// over every table made from the claims (the claims tables, patients
  /// per 1,000 inhabitants, the age figures), of its years (a year
  /// table's window, else its one year) times its specialer. The union of
  /// each table's own cells, not the plan's years times every speciale a
  /// table names: a speciale that one table counts in one year is outside
  /// in the others. Filters (group training, age bands, diagnosis groups)
  /// and kommuner are not considered: a record of a counted cell counts in
  /// some table of the plan even if not in every one. The tables of
  /// `--befolkning` count even when no population is given: what is
  /// outside is a matter of the plan, not of the inputs of one run.
  public var countedCells: Set<Cell> {
    var cells: Set<Cell> = []
    for t in tables where t.measure.inputs.contains(.claims) {
      let years: ClosedRange<Int64>
      if t.measure.isClaims, case .years = t.columns { years = t.years } else { years = t.year...t.year }
      for y in years { for s in t.specialer { cells.insert(Cell(aar: y, speciale: s)) } }
    }
    return cells
  }

  /// `cells` in words, each run of years with the same specialer once:
  /// "2019–2023 (speciale 51, 57, 62, 65)".
  static func describe(_ cells: Set<Cell>) -> String {
    var byYear: [Int64: [Int64]] = [:]
    for c in cells { byYear[c.aar, default: []].append(c.speciale) }
    var runs: [(first: Int64, last: Int64, specialer: [Int64])] = []
    for y in byYear.keys.sorted() {
      let s = byYear[y]!.sorted()
      if let last = runs.last, last.last == y - 1, last.specialer == s {
        runs[runs.count - 1].last = y
      } else {
        runs.append((y, y, s))
      }
    }
    return runs.map { r in
      let years = r.first == r.last ? String(r.first) : "\(r.first)–\(r.last)"
      return "\(years) (speciale \(r.specialer.map(String.init).joined(separator: ", ")))"
    }.joined(separator: ", ")
  }

  /// A volume cell's year and speciale (`"Aar=2024,Speciale=51"`, as
  /// `LunaClaims.schema`'s `volumeKeys` name them), nil for a name that
  /// is not one.
  static func cell(named name: String) -> Cell? {
    var aar: Int64?
    var speciale: Int64?
    for part in name.split(separator: ",") {
      let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      guard kv.count == 2 else { return nil }
      switch kv[0] {
      case "Aar": aar = Int64(kv[1])
      case "Speciale": speciale = Int64(kv[1])
      default: return nil
      }
    }
    guard let aar, let speciale else { return nil }
    return Cell(aar: aar, speciale: speciale)
  }
}

extension PlanTables {
  /// Counts the run's accepted claims records outside every table of the
  /// plan (`Plan.countedCells`) from the run report's `volumes` into its
  /// `outsideTables`, and notes them when there are any. Throws
  /// `PipelineError.rejectThreshold` (exit 65) when there were accepted
  /// claims records and all of them are outside, naming what was read and
  /// what the plan counts: tables of nothing are not published. A plan
  /// with no table of the claims at all counts them all outside, with the
  /// note, and does not fail: its tables never needed them.
  func accountForOutside(in context: RunContext) throws {
    let counted = plan.countedCells
    var outside: [String: Int] = [:]
    var claims = 0
    for (name, n) in context.report.volumes where n > 0 {
      claims += n
      // A name that is no (year, speciale) cannot be matched to a table:
      // outside, rather than counted nowhere.
      if let c = Plan.cell(named: name), counted.contains(c) { continue }
      outside[name] = n
    }
    let report = RunReport.OutsideTables(volumes: outside)
    context.report.outsideTables = report
    guard report.records > 0 else { return }
    let cells = outside.keys.sorted().map { "\(Self.words($0)): \(outside[$0]!)" }.joined(separator: "; ")
    let plans =
      counted.isEmpty ? "no table of the plan counts claims" : "the plan's tables count \(Plan.describe(counted))"
    if report.records == claims && !counted.isEmpty {
      throw PipelineError.rejectThreshold(
        "all \(claims) accepted claims records fall outside every table of the plan \(plan.file) (\(cells)): \(plans). Nothing is published: are these the extracts meant, and does the plan (its years, its tables' specialer) cover them?"
      )
    }
    context.note(
      "\(report.records) of \(claims) accepted claims records fall outside every table of the plan and are counted in none (\(cells)): \(plans). run-report.json lists them under outsideTables."
    )
  }

  /// A volume cell's name in words: `Aar 2024, Speciale 51`.
  static func words(_ name: String) -> String {
    name.split(separator: ",").map { $0.replacingOccurrences(of: "=", with: " ") }.joined(separator: ", ")
  }
}
