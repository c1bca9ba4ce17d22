import ArgumentParser
import Foundation
import LunaDomain
import LunaOps
import LunaPipeCore
import LunaPipelines

/// `lunapipe plan`: for analysts writing a plan file.
struct PlanCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract: "Check a plan file, show what its tables will contain, or print the built-in plan to start from.",
    discussion: """
      A plan file (YAML) declares a practice plan: its title, region and
      years, and per table its number, title, measure, specialer, kommune,
      level, filters, unit, decimals and source line. The README's "Plan
      files" lists every key. Start from the built-in plan:

        lunapipe plan template > my-plan.yaml
        lunapipe plan check my-plan.yaml
        lunapipe plan show my-plan.yaml
        lunapipe run plan my-plan.yaml --claims 'x/ydelser-*.csv' --out out

      A mistake is reported with the file, line and key, and exits 78.
      """,
    subcommands: [PlanCheck.self, PlanShow.self, PlanTemplate.self])
}

/// Reads a plan file, or exits 78 (66 when it cannot be read) saying why.
func readPlan(_ file: String) throws -> Plan {
  do {
    return try Plan.read(file: file)
  } catch let e as PlanError {
    printError(e.description)
    throw ExitCode(RunExit.configuration)
  } catch {
    printError("\(error)")
    throw ExitCode(RunExit.code(for: error))
  }
}

func printError(_ text: String) {
  for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
    StandardStreams.write("lunapipe: error: \(line)\n", to: STDERR_FILENO)
  }
}

struct PlanCheck: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check", abstract: "Check a plan file without reading any input: exit 0, or 78 with every mistake.")

  @Argument(help: "The plan file (YAML).") var file: String

  func run() throws {
    let plan = try readPlan(file)
    print("\(file): \(plan.tables.count) tables for \(Praksisplan.regionName(plan.region)), \(plan.years.lowerBound)-\(plan.years.upperBound): ok")
  }
}

struct PlanTemplate: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "template", abstract: "Print the built-in plan file, the place to start a plan of your own.")

  func run() throws { print(Plan.builtInText, terminator: "") }
}

struct PlanShow: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show", abstract: "What each table of a plan will contain (the built-in plan without a file).")

  @Argument(help: "The plan file (YAML); none: the built-in plan.") var file: String?

  func run() throws {
    let plan = try file.map(readPlan) ?? Plan.builtIn
    print(PlanDescription.text(plan), terminator: "")
  }
}

/// The text of `plan show`.
enum PlanDescription {
  static func text(_ plan: Plan) -> String {
    let region = Praksisplan.regionName(plan.region)
    var s = "\(plan.reportTitle)\n"
    s += "  region: \(region) (\(plan.region)), years \(plan.years.lowerBound)-\(plan.years.upperBound)\n"
    s += "  kommuner: " + plan.kommuner.map(\.name).joined(separator: ", ") + "\n"
    if let note = plan.compositionNote { s += "  note: \(note)\n" }
    s += "\n"
    for t in plan.tables {
      s += "\(t.id)  \(t.label): \(PlanText.fill(t.title, region: plan.region, year: t.year))\n"
      s += "    \(t.measure.meaning)"
      if !t.specialer.isEmpty { s += ", speciale " + t.specialer.map(String.init).joined(separator: "+") }
      s += "\n"
      if t.measure.isClaims {
        let whose = t.kommune == .yder ? "the clinic's (yder)" : "the patient's"
        switch t.level {
        case .kommune:
          s += "    rows: the \(plan.kommuner.count) kommuner of \(region) by \(whose) kommune, and \(PlanText.fill(t.total ?? "Total", region: plan.region)) (distinct over the region)\n"
        case .region(let order):
          s += "    rows: " + order.map(Praksisplan.regionName).joined(separator: ", ")
            + " by \(whose) region, and \(t.total ?? "Total") (the country)\n"
        case .country:
          s += "    rows: \(t.total ?? "Total") (the country)\n"
        }
        switch t.columns {
        case .years: s += "    columns: \(t.years.lowerBound)-\(t.years.upperBound)"
        case .diagnosegrupper(let g):
          s += "    columns: diagnosegruppe " + g.map(String.init).joined(separator: ", ") + " and the total, \(t.year)"
        }
        if let g = t.growth { s += ", growth \(g == .relative ? "in percent" : "in percentage points")" }
        s += "\n"
        if !t.filter.isEmpty { s += "    lines: \(t.filter.description)\n" }
        if let p = t.part { s += "    share: patients with \(p.description) of all patients\n" }
        s += "    printed: \(t.measure == .udgift ? t.unit.rawValue + ", " : "")\(t.decimals) decimal(s)"
        if t.omitsEmptyRows { s += ", rows without any value left out" }
        s += "\n"
      } else if let supplied = t.supplied {
        s += "    from \(supplied.file): " + supplied.columns.map(\.name).joined(separator: ", ") + "\n"
      } else {
        s += "    needs: " + t.measure.inputs.sorted().map { $0 == .register ? "--ydere" : $0 == .population ? "--befolkning" : "--claims" }.joined(separator: ", ")
        if let a = t.ages { s += "; ages \(a.lowerBound)\(a.upperBound >= 125 ? "+" : "-\(a.upperBound)")" }
        if [.patienterPr1000, .aldersfordeling].contains(t.measure) { s += "; year \(t.year)" }
        s += "\n"
      }
      s += "    source: \(t.source)\n"
    }
    return s
  }
}
