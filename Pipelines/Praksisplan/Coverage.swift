import Foundation
import LunaDomain
import LunaPipeCore

/// Coverage: a plan's region must have claims in every year of the plan.
/// A year in which no accepted claims line has a clinic or a patient in
/// the region would print empty columns and a growth of nothing: most
/// often a delivery (a year's file, a region's part of it) is missing. The
/// run fails (exit 65) and publishes nothing, unless the run accepts gaps
/// (`--accept-gaps`), when it publishes with a note. Kommuner of the
/// region without a line in some year do not stop the run; they are listed
/// in the run report's data-quality facts (`DataQuality.Coverage`).
///
/// Counted from the claims aggregate's finest-grain groups (a few thousand
/// keys), not from the records: no extra scan.
extension PlanTables {
  /// Records the region's coverage in the run report
  /// (`RunReport.quality.coverage`) and fails when a plan year has no
  /// claims line of the region, unless `acceptGaps`.
  func checkCoverage(_ result: AggregateResult, in context: RunContext) throws {
    let k = LunaClaims.KeyIndex.self
    let kommuner = plan.kommuner
    let codes = Set(kommuner.map { Int64($0.code) })
    var present: Set<Int64> = []
    var seen: Set<[Int64]> = []
    for key in result.keys {
      present.insert(key[k.aar])
      for kommune in [key[k.yderKommune], key[k.patientKommune]] where codes.contains(kommune) {
        seen.insert([key[k.aar], kommune])
      }
    }
    // No claims record at all is the volume guard's to name ("no record
    // was accepted"), not a gap of one region.
    if present.isEmpty { return }
    let years = Array(plan.years)
    let regionYears = Set(seen.map { $0[0] })
    let missingYears = years.filter { !regionYears.contains($0) }
    var without: [DataQuality.Coverage.Kommune] = []
    for kommune in kommuner {
      let missing = years.filter { !seen.contains([$0, Int64(kommune.code)]) }
      if !missing.isEmpty { without.append(.init(kommune: kommune.name, code: kommune.code, years: missing)) }
    }
    let name = Praksisplan.regionName(plan.region)
    context.report.quality.coverage = DataQuality.Coverage(
      region: name, years: years, yearsWithoutClaims: missingYears, kommunerWithoutClaims: without,
      gapsAccepted: acceptGaps && !missingYears.isEmpty)
    guard !missingYears.isEmpty else { return }
    var text = "no claims for \(name) in \(Self.words(missingYears)): a delivery may be missing"
    let absent = missingYears.filter { !present.contains($0) }
    if !absent.isEmpty {
      let held = present.sorted().map(String.init).joined(separator: ", ")
      // A plan file's years are its user's: they may run past the data.
      let window =
        plan.requiresEveryYear
        ? ", or does \(plan.file):\(plan.yearsLine): plan.years \(plan.years.lowerBound)-\(plan.years.upperBound) run past the data"
        : ""
      text +=
        " (the claims hold no line of \(Self.words(absent)) at all\(held.isEmpty ? "" : "; they hold \(held)"): is a year's file missing\(window)?)"
    }
    if acceptGaps {
      context.note("\(text); published anyway (--accept-gaps): its columns of those years are empty")
      return
    }
    throw PipelineError.rejectThreshold(
      "\(text). Nothing is published; --accept-gaps publishes anyway")
  }

  /// "2019", "2019 and 2020", "2019, 2020 and 2021".
  static func words(_ years: [Int64]) -> String {
    let s = years.map(String.init)
    return s.count <= 1 ? s.joined() : s.dropLast().joined(separator: ", ") + " and " + s.last!
  }
}
