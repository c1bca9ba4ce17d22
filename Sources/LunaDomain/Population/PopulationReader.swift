import Foundation
import LunaPipeCore

/// Reads a population extract (input contract, section 3) in either form:
///
/// - the short form `Kommune;Alder;Kvartal;Antal` (a code or a kommune name
///   in any common spelling; `50` or `50 år`; `2024K1`);
/// - Statistikbanken's FOLK1A download as it comes,
///   `OMRÅDE;KØN;ALDER;CIVILSTAND;TID;INDHOLD` with any subset of `KØN` and
///   `CIVILSTAND`, values as names (`Aalborg`, `Mænd`, `50 år`, `2024K1`).
///
/// Aggregate rows are recognised and never added to the detail rows: areas
/// `Hele landet`, `Region …`, `Landsdel …` (and region codes 1081–1085);
/// ages `Alder i alt` / `I alt`; and for `KØN` and `CIVILSTAND` the totals
/// `I alt`, `Køn i alt`, `Civilstand i alt`, `Total`. Where a file holds
/// both a total row and its detail rows (`I alt` and `Mænd`, `Kvinder`),
/// the total row is used and the detail rows are left out; where it holds
/// only details, they are summed. Rows for areas that are not kommuner
/// (`Christiansø`, code 411) are skipped. Both counts go to the run
/// report's notes.
///
/// Rejects: `unknown-kommune` (an area that is no kommune, region or known
/// non-kommune area), `out-of-range` / `not-a-number` (age outside 0–125,
/// a count below 0 or not a number, e.g. `..`), `not-a-quarter` (TID),
/// `duplicate-row` (the same area, age, quarter, sex and marital status
/// twice), `empty`.
public enum PopulationReader {
  /// Areas in FOLK1A that are not kommuner (Christiansø is administered by
  /// the state, not a kommune).
  public static let nonKommuneAreas: [String: Int] = ["christiansoe": 411]

  public static func read(
    _ path: String, in context: RunContext, geography: Geography = .denmark
  ) throws -> Population {
    let file = try context.readTextRecords(path)
    let folk1a = file.column("OMRÅDE") != nil && file.column("INDHOLD") != nil
    let c: (area: Int?, age: Int?, quarter: Int?, count: Int?, sex: Int?, civil: Int?)
    if folk1a {
      c = (file.column("OMRÅDE"), file.column("ALDER"), file.column("TID"), file.column("INDHOLD"),
        file.column("KØN"), file.column("CIVILSTAND"))
      if c.age == nil || c.quarter == nil {
        throw PipelineError.input(
          "\(path): a FOLK1A download needs the columns OMRÅDE, ALDER, TID and INDHOLD; header: \(file.header.joined(separator: ";"))"
        )
      }
    } else {
      c = (file.column("Kommune"), file.column("Alder"), file.column("Kvartal"), file.column("Antal"), nil, nil)
      let missing = [("Kommune", c.area), ("Alder", c.age), ("Kvartal", c.quarter), ("Antal", c.count)]
        .filter { $0.1 == nil }.map(\.0)
      if !missing.isEmpty {
        throw PipelineError.input(
          "\(path): not a population extract: no column \(missing.joined(separator: ", ")) (short form Kommune;Alder;Kvartal;Antal, or FOLK1A OMRÅDE;ALDER;TID;INDHOLD); header: \(file.header.joined(separator: ";"))"
        )
      }
    }
    let areaName = folk1a ? "OMRÅDE" : "Kommune"
    let ageName = folk1a ? "ALDER" : "Alder"
    let quarterName = folk1a ? "TID" : "Kvartal"
    let countName = folk1a ? "INDHOLD" : "Antal"

    // Per (kommune, quarter, age): the sum of each level of aggregation
    // over sex and marital status (bit 0: sex total, bit 1: marital total).
    var levels: [Population.Key: [Int: Int64]] = [:]
    var rowsAtLevel: [Population.Key: [Int: Int]] = [:]
    var seen: Set<String> = []
    var rejects: [String: Int] = [:]
    var accepted = 0
    var aggregateRows = 0
    var nonKommuneRows = 0
    var nonKommuneNames: Set<String> = []

    // A download repeats few distinct values: resolve each once.
    var areas: [String: Area] = [:]
    var normalized: [String: String] = [:]
    func normalize(_ s: String) -> String {
      if let n = normalized[s] { return n }
      let n = HeaderName.normalize(s)
      normalized[s] = n
      return n
    }
    var quarters: [String: Quarter?] = [:]

    for r in file.records {
      var broken: (column: String, rule: String)?
      func fail(_ column: String, _ rule: String) { if broken == nil { broken = (column, rule) } }
      if r.fieldCount > file.header.count { fail("", FieldRule.fieldCount.name) }

      let areaText = r[c.area].trimmingCharacters(in: .whitespaces)
      let area: Area
      if let a = areas[areaText] {
        area = a
      } else {
        area = Self.area(areaText, geography: geography)
        areas[areaText] = area
      }
      switch area {
      case .unknown: fail(areaName, areaText.isEmpty ? "empty" : "unknown-kommune")
      default: break
      }
      let ageText = r[c.age].trimmingCharacters(in: .whitespaces)
      var age: Int?
      var ageTotal = false
      if Self.isTotal(normalize(ageText)) {
        ageTotal = true
      } else {
        // `50 år` (`50 aar`) or `50`.
        var t = normalize(ageText)
        if t.hasSuffix("aar") { t = String(t.dropLast(3)).trimmingCharacters(in: .whitespaces) }
        switch TextField.integer(t, in: 0...125) {
        case .success(let v): age = Int(v)
        case .failure(let rule): fail(ageName, rule.name)
        }
      }
      let quarterText = r[c.quarter]
      let quarter: Quarter?
      if let q = quarters[quarterText] {
        quarter = q
      } else {
        quarter = Quarter(quarterText)
        quarters[quarterText] = quarter
      }
      if quarter == nil { fail(quarterName, quarterText.isEmpty ? "empty" : "not-a-quarter") }
      var n: Int64 = 0
      switch TextField.integer(r[c.count], in: 0...100_000_000) {
      case .success(let v): n = v
      case .failure(let rule): fail(countName, rule.name)
      }
      let sexText = r[c.sex].trimmingCharacters(in: .whitespaces)
      let civilText = r[c.civil].trimmingCharacters(in: .whitespaces)
      let level =
        (c.sex != nil && Self.isTotal(normalize(sexText)) ? 1 : 0)
        | (c.civil != nil && Self.isTotal(normalize(civilText)) ? 2 : 0)
      if broken == nil {
        let identity = [areaText, ageText, quarterText, sexText, civilText].map(normalize)
          .joined(separator: "\u{1F}")
        if !seen.insert(identity).inserted { fail(areaName, "duplicate-row") }
      }

      if let b = broken {
        try context.reject(r, of: file, column: b.column, rule: b.rule)
        rejects[b.rule, default: 0] += 1
        continue
      }
      accepted += 1
      switch area {
      case .aggregate:
        aggregateRows += 1
      case .nonKommune:
        nonKommuneRows += 1
        nonKommuneNames.insert(areaText)
      case .kommune(let code):
        if ageTotal {
          aggregateRows += 1
        } else if let age, let quarter {
          let key = Population.Key(kommune: code, quarter: quarter, age: age)
          levels[key, default: [:]][level, default: 0] += n
          rowsAtLevel[key, default: [:]][level, default: 0] += 1
        }
      case .unknown:
        break
      }
    }

    // The most aggregated level present is the total; rows below it are
    // its details and are left out.
    var population = Population()
    var detailRowsCovered = 0
    for (key, sums) in levels {
      let best = sums.keys.max { a, b in
        (a.nonzeroBitCount, a) < (b.nonzeroBitCount, b)
      }!
      population.add(kommune: key.kommune, quarter: key.quarter, age: key.age, sums[best]!)
      for (level, rows) in rowsAtLevel[key]! where level != best {
        detailRowsCovered += rows
      }
    }
    try context.finishTextRecords(file, accepted: accepted, rejectsByRule: rejects)
    if aggregateRows > 0 {
      context.note("\(path): \(aggregateRows) aggregate rows (Hele landet, regions, Alder i alt) recognised and not added")
    }
    if detailRowsCovered > 0 {
      context.note(
        "\(path): \(detailRowsCovered) sex/marital-status detail rows left out because their total row (I alt) is used")
    }
    if nonKommuneRows > 0 {
      context.note(
        "\(path): \(nonKommuneRows) rows for areas that are not kommuner (\(nonKommuneNames.sorted().joined(separator: ", "))) skipped"
      )
    }
    return population
  }

  /// What an area value names.
  public enum Area: Equatable, Sendable {
    case kommune(Int)
    case aggregate
    case nonKommune
    case unknown
  }

  /// What an OMRÅDE / Kommune value names.
  public static func area(_ text: String, geography: Geography) -> Area {
    if text.isEmpty { return .unknown }
    if let code = Int(text) {
      if geography.kommune(code: code) != nil { return .kommune(code) }
      if code == 0 || geography.region(code: code) != nil || (81...85).contains(code) { return .aggregate }
      if nonKommuneAreas.values.contains(code) { return .nonKommune }
      return .unknown
    }
    if let k = geography.kommune(named: text) { return .kommune(k.code) }
    let n = HeaderName.normalize(text)
    if n == "hele landet" || n == "i alt" || n.hasPrefix("region ") || n.hasPrefix("landsdel ") { return .aggregate }
    if nonKommuneAreas[n] != nil { return .nonKommune }
    return .unknown
  }

  /// A total over a dimension: `I alt`, `Total`, `Køn i alt`,
  /// `Civilstand i alt`, `Alder i alt` (given normalized).
  static func isTotal(_ n: String) -> Bool {
    n == "i alt" || n == "total" || n == "alle" || n.hasSuffix(" i alt")
  }
}
